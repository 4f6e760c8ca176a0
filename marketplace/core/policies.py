"""Roles and the role check every domain uses. Per-object rules live in each domain's
``policies`` module; everything is denied unless a rule there allows it."""

from __future__ import annotations

import enum
from collections.abc import Callable
from functools import wraps

from flask import abort, request
from flask_login import current_user

from marketplace.core.extensions import login_manager


class Role(enum.StrEnum):
    STUDENT = "student"
    EMPLOYER = "employer"
    ALUMNI = "alumni"
    STAFF = "staff"

    @property
    def label(self) -> str:
        return {"alumni": "Alum"}.get(self.value, self.value.capitalize())


SIGNED_IN = tuple(Role)


def public(view: Callable) -> Callable:
    """Mark a view open to everyone, signed in or not (the route table test reads it)."""
    view.public = True
    return view


def role_required(*roles: Role) -> Callable:
    """Require a logged-in user with one of ``roles``: 401 (API) / log-in page, then 403."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapped(*args, **kwargs):
            if not current_user.is_authenticated:
                if request.blueprint == "api":
                    abort(401)
                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        wrapped.required_roles = roles  # read by the permission tests and OpenAPI
        return wrapped

    return decorator
