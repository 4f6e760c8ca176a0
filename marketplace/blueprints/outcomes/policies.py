"""Who may see and act on career plans, submitted documents and a student's progress.

Deny by default: a student sees their own; career staff see and review everyone's;
nobody else (employers, alumni) sees a student's plan, documents or progress.
"""

from __future__ import annotations

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.outcomes.models import CareerPlan, DocumentSubmission
from marketplace.core.policies import Role


def _signed_in(user) -> bool:
    return bool(user is not None and getattr(user, "is_authenticated", False)
                and getattr(user, "active", True))


def can_view_student_progress(user: User | None, student_id: int) -> bool:
    if not _signed_in(user):
        return False
    return user.role is Role.STAFF or (user.role is Role.STUDENT and user.id == student_id)


def can_view_plan(user: User | None, plan: CareerPlan) -> bool:
    return can_view_student_progress(user, plan.student_id)


def can_view_document(user: User | None, document: DocumentSubmission) -> bool:
    return can_view_student_progress(user, document.student_id)


def can_review(user: User | None) -> bool:
    """Signing off plans and approving documents is career staff's work, never the student's."""
    return _signed_in(user) and user.role is Role.STAFF
