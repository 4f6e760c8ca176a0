"""marketplace.blueprints.accounts.policies."""

from __future__ import annotations

from marketplace.blueprints.accounts.models import Organization, User
from marketplace.core.policies import Role


def can_manage_users(user: User) -> bool:
    return user.is_authenticated and user.role is Role.STAFF


def can_edit_organization(user: User, organization: Organization) -> bool:
    if not user.is_authenticated:
        return False
    if user.role is Role.STAFF:
        return True
    return user.role is Role.EMPLOYER and user.organization_id == organization.id
