"""Who may do what with credentials. Deny by default."""

from __future__ import annotations

from marketplace.blueprints.accounts.policies import can_staff_see_student
from marketplace.blueprints.credentials.models import Credential
from marketplace.core.policies import Role


def can_see_credential(user, credential: Credential) -> bool:
    """Its JWT and status through the API: the student it was issued to, and staff who
    may see the student (a school's staff: their school's students)."""
    if not user.is_authenticated:
        return False
    if user.role is Role.STAFF:
        return can_staff_see_student(user, credential.student_id)
    return credential.student_id == user.id


def can_revoke_credential(user, credential: Credential) -> bool:
    """Staff who may see the student revoke (evidence recorded in error, say); a student
    hides, never revokes."""
    return (user.is_authenticated and user.role is Role.STAFF
            and can_staff_see_student(user, credential.student_id))


def can_claim_credentials(user) -> bool:
    return user.is_authenticated and user.role in (Role.STUDENT, Role.ALUMNI)


def can_claim_evidence(user, row) -> bool:
    """A piece of evidence is claimed by the student it is about, nobody else."""
    return can_claim_credentials(user) and row is not None and row.student_id == user.id


def can_manage_credential(user, credential: Credential | None) -> bool:
    """Sharing, hiding and downloading a credential: its holder only (staff revoke)."""
    return (can_claim_credentials(user) and credential is not None
            and credential.student_id == user.id)
