"""Who may do what in schools. Deny by default."""

from __future__ import annotations

from marketplace.blueprints.accounts.policies import can_staff_see_student, staff_school_limit
from marketplace.blueprints.applications.models import Placement
from marketplace.blueprints.opportunities.policies import can_manage_opportunity
from marketplace.core.policies import Role


def can_see_student(user, student_id: int) -> bool:
    """The student themself; staff of the district, or of the student's school."""
    if not getattr(user, "is_authenticated", False):
        return False
    if user.role is Role.STUDENT:
        return user.id == student_id
    return can_staff_see_student(user, student_id)


def can_log_hours(user, placement: Placement) -> bool:
    return getattr(user, "is_authenticated", False) and user.role is Role.STUDENT \
        and placement.student_id == user.id


def can_name_supervisor(user, placement: Placement) -> bool:
    """The hosting organization's people."""
    return getattr(user, "is_authenticated", False) and user.role is Role.EMPLOYER \
        and can_manage_opportunity(user, placement.opportunity)


def can_resend_consent(user, placement: Placement) -> bool:
    """Staff who may see the student (district staff, or the student's school's)."""
    return can_staff_see_student(user, placement.student_id)


def can_read_district_reports(user) -> bool:
    """District staff see every school's numbers; school staff their school's (the
    report narrows itself by ``staff_school_limit``)."""
    return getattr(user, "is_authenticated", False) and user.role is Role.STAFF


__all__ = ["can_log_hours", "can_name_supervisor", "can_read_district_reports",
           "can_resend_consent", "can_see_student", "staff_school_limit"]
