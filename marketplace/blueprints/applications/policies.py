"""marketplace.blueprints.applications.policies."""

from __future__ import annotations

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.opportunities.policies import can_manage_opportunity
from marketplace.core.policies import Role


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
