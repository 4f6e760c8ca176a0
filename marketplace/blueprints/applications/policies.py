"""marketplace.blueprints.applications.policies."""

from __future__ import annotations

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.accounts.policies import can_staff_see_student
from marketplace.blueprints.opportunities.policies import can_manage_opportunity
from marketplace.core.policies import Role


def can_view_application(user: User, application) -> bool:
    """A student's application: the student, the posting organization's employers, staff
    who may see the student (in a district, a school's staff: their school's students).

    Alumni and every other employer see nothing of it (FERPA).
    """
    if not user.is_authenticated:
        return False
    if user.role is Role.STAFF:
        return can_staff_see_student(user, application.student_id)
    if user.role is Role.STUDENT:
        return user.id == application.student_id
    return can_manage_opportunity(user, application.opportunity)


def can_complete_placement(user: User, placement) -> bool:
    """Confirming a placement done: the hosting organization's employers, and staff who
    may see the student."""
    if not can_manage_opportunity(user, placement.opportunity):
        return False
    return user.role is not Role.STAFF or can_staff_see_student(user, placement.student_id)


# What a posting's employers see of an applicant's student profile: the class and the
# major, which the application is weighed on. First-generation and Pell status are
# self-reported for the career center's reports and are never shown to a host.
APPLICANT_PROFILE_FIELDS = ("graduation_year", "major")


def applicant_profile(user: User, application) -> dict[str, object]:
    """The parts of the applicant's profile ``user`` may see: the fields above to whoever
    may view the application, nothing to anyone else."""
    profile = application.student.student_profile
    if profile is None or not can_view_application(user, application):
        return {}
    return {name: getattr(profile, name) for name in APPLICANT_PROFILE_FIELDS
            if getattr(profile, name) is not None}
