"""Who may do what with a person's data and their deletion request. Deny by default."""

from __future__ import annotations

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.accounts.policies import can_staff_see_student
from marketplace.blueprints.privacy.models import DeletionRequest
from marketplace.core.policies import Role


def can_export_data(user: User, subject: User) -> bool:
    """A person's export is theirs alone: nobody downloads another's, staff included."""
    return user.is_authenticated and subject is not None and user.id == subject.id


def can_request_deletion(user: User) -> bool:
    """Anyone signed in may ask; staff too, and another staff member carries it out."""
    return user.is_authenticated and user.erased_at is None


def can_withdraw_deletion(user: User, request: DeletionRequest) -> bool:
    return user.is_authenticated and request.user_id == user.id


def can_see_deletion_queue(user: User) -> bool:
    return user.is_authenticated and user.role is Role.STAFF


def can_see_deletion_request(user: User, request: DeletionRequest) -> bool:
    """Staff see a request in the queue; a school's staff only their school's students'
    (the district's staff see every request, employers', alumni's and staff's too)."""
    return can_see_deletion_queue(user) and can_staff_see_student(user, request.user_id)


def can_decide_deletion(user: User, request: DeletionRequest) -> bool:
    """Staff who see a request carry it out or decline it, never their own: a staff
    account is removed only by another member of staff."""
    return can_see_deletion_request(user, request) and request.user_id != user.id


def can_download_own_resume(user: User, application) -> bool:
    """The My data page links a student's own resumes (a graduate's too); anyone else uses
    the host's logged route (applications), never this one."""
    return (user.is_authenticated and user.role in (Role.STUDENT, Role.ALUMNI)
            and application.student_id == user.id)
