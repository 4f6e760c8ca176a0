"""Who may see and act on career plans, submitted documents and a student's progress,
and whose students the outcomes pages count.

Deny by default: a student sees their own; career staff see and review everyone's (in a
district, a school's staff only their school's students: ``accounts.policies``' school
scope); nobody else (employers, alumni) sees a student's plan, documents or progress.
The dashboard, its drill-downs, exports and annual report count a school's staff's
school (``school_scope``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from marketplace.blueprints.accounts import policies as accounts_policies
from marketplace.blueprints.accounts.hooks import school_choices
from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.outcomes.models import CareerPlan, DocumentSubmission, ExportJob
from marketplace.core.policies import Role


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and getattr(user, "active", True))


def can_view_student_progress(user: User | None, student_id: int) -> bool:
    """The student themself; staff who may see the student (a school's staff: their
    school's students)."""
    if not _signed_in(user):
        return False
    if user.role is Role.STUDENT:
        return user.id == student_id
    return accounts_policies.can_staff_see_student(user, student_id)


def can_view_plan(user: User | None, plan: CareerPlan) -> bool:
    return can_view_student_progress(user, plan.student_id)


def can_view_document(user: User | None, document: DocumentSubmission) -> bool:
    return can_view_student_progress(user, document.student_id)


def can_review(user: User | None) -> bool:
    """Signing off plans and approving documents is career staff's work, never the student's."""
    return _signed_in(user) and user.role is Role.STAFF


def staff_school_limit(user: User | None) -> int | None:
    """The one school whose students ``user`` sees on the outcomes pages (a school's
    staff), or None: every school (district or college staff)."""
    if not _signed_in(user):
        return None
    return accounts_policies.staff_school_limit(user)


def can_record_for(user: User | None, student: User | None) -> bool:
    """Staff record evidence (by hand or imported) for a student they may see."""
    return (student is not None and student.role is Role.STUDENT and can_review(user)
            and accounts_policies.can_staff_see_student(user, student.id))


def can_open_campaign(user: User | None, campaign) -> bool:
    """Staff open a campaign's progress and results; a school's staff only those made
    for their school (a campaign keeps the school its segment was limited to)."""
    if not can_review(user):
        return False
    limit = staff_school_limit(user)
    return limit is None or campaign.school_id == limit


@dataclass(frozen=True)
class SchoolScope:
    """Whose students an outcomes page counts: one school's (``school_id``), or all."""

    school_id: int | None
    name: str | None  # the school's, for titles
    choices: list[tuple[int, str]]  # what the school filter offers: district staff only

    @property
    def chosen(self) -> int | None:
        """The filter's value to carry in links and forms (a school's staff have none)."""
        return self.school_id if self.choices else None


def school_scope(user: User | None, requested: str = "") -> SchoolScope:
    """The school ``user`` sees: a school's staff always their own, whatever they ask for;
    district staff the school ``requested`` (an id) if it is one of the district's, else
    every school. A college has no schools: everyone, no filter."""
    choices = [pair for answer in school_choices.results() for pair in answer]
    names = dict(choices)
    limit = staff_school_limit(user)
    if limit is not None:
        return SchoolScope(limit, names.get(limit), [])
    found = re.fullmatch(r"[0-9]{1,9}", (requested or "").strip())
    chosen = int(found.group()) if found and int(found.group()) in names else None
    return SchoolScope(chosen, names.get(chosen), choices)


def can_open_export(user: User | None, export: ExportJob) -> bool:
    """Staff open exports and annual reports; a school's staff only those made for their
    school (an export keeps the school it was made for in its parameters)."""
    if not _signed_in(user) or user.role is not Role.STAFF:
        return False
    limit = staff_school_limit(user)
    return limit is None or (export.params or {}).get("school_id") == limit


def can_resubscribe(user, subject: User) -> bool:
    """An unsubscribe link may have been forwarded: subscribing again to campaigns takes
    the person themself, signed in."""
    return bool(user and user.is_authenticated and user.id == subject.id)
