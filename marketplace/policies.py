"""Who may do what. Role checks as a decorator, per-object rules as plain functions.

Everything is denied unless a rule here allows it. Views, the API and
templates call the same functions.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps

from flask import abort, request
from flask_login import current_user

from .models import Organization, OrganizationStatus, Role, User


def role_required(*roles: Role) -> Callable:
    """Require a logged-in user with one of ``roles``: 401 (API) / log-in page, then 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                if request.blueprint == "api":
                    abort(401)
                from .extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # read by the permission tests and OpenAPI
        return wrapped

    return decorator


def can_manage_users(user: User) -> bool:
    return user.is_authenticated and user.role is Role.STAFF


def can_edit_organization(user: User, organization: Organization) -> bool:
    if not user.is_authenticated:
        return False
    if user.role is Role.STAFF:
        return True
    return user.role is Role.EMPLOYER and user.organization_id == organization.id


def can_manage_opportunity(user: User, opportunity) -> bool:
    """Edit, submit, duplicate, close, see applicants: the posting organization's employers
    (unless the organization is suspended), and staff."""
    if not user.is_authenticated:
        return False
    if user.role is Role.STAFF:
        return True
    return (user.role is Role.EMPLOYER and user.organization_id == opportunity.organization_id
            and user.organization.status is not OrganizationStatus.SUSPENDED)


def can_view_opportunity(user: User, opportunity) -> bool:
    """Public postings for everyone; anything else only for those who manage it."""
    return opportunity.is_public or can_manage_opportunity(user, opportunity)


def can_view_application(user: User, application) -> bool:
    """A student's application: the student, the posting organization's employers, staff.

    Alumni and every other employer see nothing of it (FERPA).
    """
    if not user.is_authenticated:
        return False
    if user.role is Role.STAFF:
        return True
    if user.role is Role.STUDENT:
        return user.id == application.student_id
    return can_manage_opportunity(user, application.opportunity)
