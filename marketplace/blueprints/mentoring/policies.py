"""marketplace.blueprints.mentoring.policies."""

from __future__ import annotations

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.mentoring.models import (
    Booking,
)
from marketplace.core.policies import Role


def can_view_booking(user: User, booking: Booking) -> bool:
    return user.is_authenticated and (
        booking.student_id == user.id or booking.slot.alumni_id == user.id
        or user.role is Role.STAFF)


def can_view_mentor(user: User, mentor: User) -> bool:
    """A mentor's page is open to anyone, but only for an alum whose account is open:
    a student's, a closed or an erased account has no mentor page (404)."""
    return (mentor.role is Role.ALUMNI and mentor.active and mentor.erased_at is None)
