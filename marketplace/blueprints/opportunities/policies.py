"""marketplace.blueprints.opportunities.policies."""

from __future__ import annotations

from marketplace.blueprints.accounts.models import OrganizationStatus, User
from marketplace.blueprints.accounts.policies import staff_school_limit
from marketplace.blueprints.opportunities.audience import is_open_to, student_school_id
from marketplace.core.policies import Role


def can_manage_opportunity(user: User, opportunity) -> bool:
    """Edit, submit, duplicate, close, see applicants: the posting organization's employers
    (unless the organization is suspended), and staff (a school's staff, of the postings
    open to their school)."""
    if not user.is_authenticated:
        return False
    if user.role is Role.STAFF:
        # A school's staff: postings open to their school (or to every school) only.
        limit = staff_school_limit(user)
        return limit is None or is_open_to(opportunity, limit)
    return (user.role is Role.EMPLOYER and user.organization_id == opportunity.organization_id
            and user.organization.status is not OrganizationStatus.SUSPENDED)


def can_view_opportunity(user: User, opportunity) -> bool:
    """Public postings for everyone they are open to: those open to every school for
    anyone, those open to some schools for those schools' students (``audience``); anything
    else only for those who manage it (its employers, staff)."""
    return ((opportunity.is_public and is_open_to(opportunity, student_school_id(user)))
            or can_manage_opportunity(user, opportunity))
