"""Organizations: their details, staff's verification, trust, and changes to check."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.blueprints.accounts.models import (
    Organization,
    OrganizationStatus,
    OrganizationType,
    User,
)
from marketplace.blueprints.notifications.services import notify
from marketplace.core.audit import audit
from marketplace.core.db import utcnow
from marketplace.core.errors import (
    Conflict,
    ValidationFailed,
)
from marketplace.core.extensions import db


def update_organization(
    organization: Organization, *, name: str, website: str | None, type: OrganizationType,
    by: User | None = None,
) -> bool:
    """Save the organization's public details. Status and trust are staff's. Flushes.

    A checked (verified or suspended) organization's name and website are what staff
    saw: a change to
    either waits for staff (audit-logged) and the organization stays verified under
    its old name until then. Returns True when a change now waits for staff.
    """
    name, website = name.strip(), website or None
    organization.type = type
    # Only an organization staff have not yet looked at changes its name at once; a
    # verified (or suspended, to be verified again) one asks staff.
    if organization.status is OrganizationStatus.PENDING:
        organization.name, organization.website = name, website
        db.session.flush()
        return False
    if name == organization.name and website == organization.website:
        db.session.flush()
        return False
    _check_verified_name_free(name, organization)
    organization.pending_name, organization.pending_website = name, website
    organization.change_requested_at = utcnow()
    audit(by, "organization.change_requested", organization,
          name=name, website=website, old_name=organization.name,
          old_website=organization.website)
    db.session.flush()
    return True


def _check_verified_name_free(name: str, organization: Organization) -> None:
    taken = db.session.scalar(sa.select(Organization.id).where(
        sa.func.lower(Organization.name) == name.lower(),
        Organization.status == OrganizationStatus.VERIFIED, Organization.id != organization.id))
    if taken:
        raise Conflict(f"Another verified organization is called {name}: choose a name that "
                       "tells you apart.", {"name": "Already a verified organization's name."})


def decide_organization_change(organization: Organization, approve: bool, by: User) -> None:
    """Staff approve a verified organization's new name or website (it shows at once on its
    postings), or keep the old ones. Audit-logged; the organization's people are told.
    Flushes."""
    if not organization.has_pending_change:
        raise Conflict(f"{organization.name} has no change waiting.")
    old_name = organization.name
    if approve:
        _check_verified_name_free(organization.pending_name, organization)
        organization.name = organization.pending_name
        organization.website = organization.pending_website
    audit(by, "organization.change_approved" if approve else "organization.change_refused",
          organization, old_name=old_name, name=organization.pending_name)
    title = (f"{old_name} is now {organization.name}" if approve else
             f"Your change to {old_name} was not approved")
    organization.pending_name = organization.pending_website = None
    organization.change_requested_at = None
    for member in organization.members:
        notify(member, "organization_status", title,
               "Career staff reviewed the new name and website." if approve else
               "Your postings keep the name career staff verified. Contact them with "
               "questions.", link="accounts.edit_organization")
    db.session.flush()


def set_organization_status(organization: Organization, status: OrganizationStatus,
                            by: User, reason: str | None = None) -> None:
    """Verify or suspend an organization and tell its people. Flushes."""
    reason = (reason or "").strip() or None
    if status is OrganizationStatus.SUSPENDED and not reason:
        raise ValidationFailed("Say why the organization is suspended.", {"reason": "Required."})
    if organization.status is status:
        raise Conflict(f"{organization.name} is already {status.value}.")
    if status is OrganizationStatus.VERIFIED:
        _check_verified_name_free(organization.name, organization)
    organization.status = status
    organization.status_reason = reason
    audit(by, f"organization.{status.value}", organization, reason=reason)
    title = {OrganizationStatus.VERIFIED: f"{organization.name} is verified",
             OrganizationStatus.SUSPENDED: f"{organization.name} is suspended",
             OrganizationStatus.PENDING: f"{organization.name} is under review again"}[status]
    body = {OrganizationStatus.VERIFIED: "Your postings can now be published after review.",
            OrganizationStatus.SUSPENDED: f"Its postings are hidden. Reason: {reason}",
            OrganizationStatus.PENDING: reason or ""}[status]
    for member in organization.members:
        notify(member, "organization_status", title, body, link="home.employer_dashboard")
    db.session.flush()


def set_organization_trusted(organization: Organization, trusted: bool, by: User) -> None:
    """Trusted organizations publish without review (recorded in the audit log). Flushes."""
    organization.trusted = trusted
    audit(by, "organization.trusted" if trusted else "organization.untrusted", organization,
          reason="postings publish without review" if trusted else None)
    db.session.flush()
