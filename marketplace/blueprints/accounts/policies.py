"""Who may do what with accounts, organizations and API tokens. Deny by default."""

from __future__ import annotations

from marketplace.blueprints.accounts.models import ApiToken, Organization, User, UserSession
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
