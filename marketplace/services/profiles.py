"""Profiles: a user edits their own (and an employer its organization's)."""

from __future__ import annotations

from ..extensions import db
from ..models import AlumniProfile, Organization, OrganizationType, StudentProfile, User


def update_student_profile(user: User, *, name: str, clusters: list[str], **fields) -> None:
    """Overwrite the student's name and profile fields. Flushes; safe to rerun."""
    user.name = name.strip()
    profile = user.student_profile or StudentProfile(user=user)
    for key, value in fields.items():
        setattr(profile, key, value)
    profile.clusters = clusters
    db.session.flush()


def update_alumni_profile(user: User, *, name: str, **fields) -> None:
    """Overwrite the alum's name and profile fields. Flushes; safe to rerun."""
    user.name = name.strip()
    profile = user.alumni_profile or AlumniProfile(user=user)
    for key, value in fields.items():
        setattr(profile, key, value)
    db.session.flush()


def update_organization(
    organization: Organization, *, name: str, website: str | None, type: OrganizationType
) -> None:
    """Overwrite the organization's public details. Status and trust are staff's. Flushes."""
    organization.name = name.strip()
    organization.website = website or None
    organization.type = type
    db.session.flush()
