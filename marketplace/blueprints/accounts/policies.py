"""Who may do what with accounts, organizations and API tokens, and which students a
staff member sees (the school scope every domain applies). Deny by default."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, has_request_context, request

from marketplace.blueprints.accounts import hooks
from marketplace.blueprints.accounts.models import (
    ApiToken,
    Organization,
    StudentProfile,
    User,
    UserSession,
)
from marketplace.core.extensions import db
from marketplace.core.policies import Role


def can_manage_users(user: User) -> bool:
    return user.is_authenticated and user.role is Role.STAFF


def can_edit_organization(user: User, organization: Organization) -> bool:
    if not user.is_authenticated:
        return False
    if user.role is Role.STAFF:
        return True
    return user.role is Role.EMPLOYER and user.organization_id == organization.id


def can_manage_token(user: User, token: ApiToken) -> bool:
    """A token is its owner's alone: nobody else sees or revokes it, staff included."""
    return user.is_authenticated and token.user_id == user.id


def can_manage_session(user: User, row: UserSession) -> bool:
    """A signed-in browser is its owner's alone to see and end."""
    return user.is_authenticated and row.user_id == user.id


def can_decide_link(user: User, identity) -> bool:
    """Linking a campus sign-in to a staff account is approved by another staff member,
    never by the account's own holder."""
    return (user.is_authenticated and user.role is Role.STAFF
            and identity.user_id != user.id)


# --- The school scope -------------------------------------------------------------------
# In a district a school's staff see their school's students only; district staff (and a
# college's) see everyone. Schools answers ``hooks.staff_school``; every domain asks
# through these three, never through schools itself (it sits above them).


def _is_staff(user) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.role is Role.STAFF)


def _limits_this_request() -> dict[int, int | None] | None:
    """The answers already given in this request, by staff id (None outside a request).
    Kept on ``g`` with the request they belong to: an application context may outlive
    one request (a CLI command, a test), and a later request must ask again."""
    if not has_request_context():
        return None
    here = request._get_current_object()
    held = g.get("staff_school_limits")
    if held is None or held[0] is not here:
        held = g.staff_school_limits = (here, {})
    return held[1]


def staff_school_limit(user) -> int | None:
    """The one school whose students ``user`` may see, as its id, or None: every school
    (district or college staff). Anyone who is not staff: None, their own rules apply.
    One look-up per staff member and request."""
    if not _is_staff(user):
        return None
    known = _limits_this_request()
    if known is not None and user.id in known:
        return known[user.id]
    limit = hooks.staff_school.first(user)
    if known is not None:
        known[user.id] = limit
    return limit


def can_staff_see_student(user, student_id: int | None) -> bool:
    """Staff see a student (their records, requests, anything naming them) unless a
    school limits them and the student is not at that school. Anyone else: no (their own
    rules say what they see). Deny by default: an unknown person is nobody's student."""
    if not _is_staff(user):
        return False
    limit = staff_school_limit(user)
    if limit is None:
        return True
    return student_id is not None and db.session.scalar(
        sa.select(StudentProfile.school_id).where(StudentProfile.user_id == student_id)
    ) == limit


def students_in_scope(user, student_column) -> sa.ColumnElement[bool]:
    """A WHERE clause on ``student_column`` (a user id) keeping the people a staff member
    may see: everyone, or their school's students only (no other account passes). For a
    list that also shows non-students to school staff, OR it with a role test."""
    limit = staff_school_limit(user)
    if limit is None:
        return sa.true()
    return student_column.in_(sa.select(StudentProfile.user_id).where(
        StudentProfile.school_id == limit))
