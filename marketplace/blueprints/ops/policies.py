"""Who may see what in ops. Deny by default."""

from __future__ import annotations

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.accounts.policies import can_staff_see_student
from marketplace.core.policies import Role


def can_view_person(user: User, person: User | None) -> bool:
    """A person's page of records: career staff, for any account still in use (not one
    deactivated or erased); a school's staff, for that school's students only."""
    if person is None or not user.is_authenticated or user.role is not Role.STAFF:
        return False
    if person.role is Role.STUDENT and not can_staff_see_student(user, person.id):
        return False
    return person.active and person.erased_at is None

