"""marketplace.blueprints.mentoring.policies."""

from __future__ import annotations

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.accounts.policies import can_staff_see_student
from marketplace.blueprints.mentoring.models import (
    Booking,
)
from marketplace.core.policies import Role


def can_view_booking(user: User, booking: Booking) -> bool:
    """The student, the alum who offered the slot, and staff who may see the student (a
    school's staff: their school's students)."""
    return user.is_authenticated and (
        booking.student_id == user.id or booking.slot.alumni_id == user.id
        or (user.role is Role.STAFF and can_staff_see_student(user, booking.student_id)))


def can_view_mentor(user: User, mentor: User) -> bool:
    """A mentor's page is open to anyone, but only for an alum whose account is open:
    a student's, a closed or an erased account has no mentor page (404)."""
    return (mentor.role is Role.ALUMNI and mentor.active and mentor.erased_at is None)
