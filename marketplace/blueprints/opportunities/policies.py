"""marketplace.blueprints.opportunities.policies."""

from __future__ import annotations

from marketplace.blueprints.accounts.models import OrganizationStatus, User
from marketplace.core.policies import Role


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
