"""Accounts: registration, authentication, passwords, sessions, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g

from marketplace.blueprints.accounts.models import (
    AlumniProfile,
    ApiToken,
    Organization,
    OrganizationStatus,
    OrganizationType,
    StudentProfile,
    User,
)
from marketplace.blueprints.notifications.services import notify
from marketplace.core.audit import audit
from marketplace.core.db import utcnow
from marketplace.core.errors import (
    Conflict,
    NotFound,
    ValidationFailed,
)
from marketplace.core.extensions import db
from marketplace.core.policies import Role

MIN_PASSWORD_LENGTH = 12


MAX_PASSWORD_LENGTH = 256


def _hasher() -> PasswordHasher:
    hasher = current_app.extensions.get("password_hasher")
    if hasher is None:
        cfg = current_app.config
        hasher = PasswordHasher(
            time_cost=cfg["ARGON2_TIME_COST"],
            memory_cost=cfg["ARGON2_MEMORY_COST"],
            parallelism=cfg["ARGON2_PARALLELISM"],
        )
        current_app.extensions["password_hasher"] = hasher
    return hasher


def check_password_rules(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Choose a password of at least {MIN_PASSWORD_LENGTH} characters. "
            "A few unrelated words make a good one.",
            {"password": f"At least {MIN_PASSWORD_LENGTH} characters."},
        )
    if len(password) > MAX_PASSWORD_LENGTH:
        raise ValidationFailed(
            f"Passwords can be at most {MAX_PASSWORD_LENGTH} characters.",
            {"password": f"At most {MAX_PASSWORD_LENGTH} characters."},
        )


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def normalize_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> User | None:
    return db.session.scalar(sa.select(User).where(User.email == normalize_email(email)))


def _new_user(email: str, name: str, role: Role, password: str) -> User:
    check_password_rules(password)
    email = normalize_email(email)
    if find_user_by_email(email) is not None:
        raise Conflict(
            "An account with this e-mail address already exists. Log in, or use another address.",
            {"email": "Already registered."},
        )
    user = User(email=email, name=name.strip(), role=role, password_hash=hash_password(password))
    db.session.add(user)
    return user


WELCOME_TEXT = {
    Role.STUDENT: "Browse opportunities that career staff have checked, and book an hour with "
                  "an alum in the field you want. Your dashboard shows the career outcomes "
                  "you have reached so far.",
    Role.EMPLOYER: "Career staff will verify your organization; meanwhile you can prepare "
                   "your first posting.",
    Role.ALUMNI: "Thank you for giving your time. Offer a mentoring slot whenever it suits "
                 "you, in your own time zone.",
    Role.STAFF: "You can vet employers, review postings and see outcome reports.",
}


def _welcome(user: User, created_by_staff: bool = False) -> None:
    title = ("A Career Connections account was created for you" if created_by_staff
             else "Welcome to Career Connections")
    notify(user, "welcome", title, WELCOME_TEXT[user.role], link="home.home")


def register_student(email: str, name: str, password: str, welcome: bool = True,
                     **profile) -> User:
    """Create a student account with its profile and queue a welcome e-mail.

    Flushes; not safe to rerun (the e-mail address is unique).
    """
    user = _new_user(email, name, Role.STUDENT, password)
    clusters = profile.pop("clusters", [])
    user.student_profile = StudentProfile(**profile)
    user.student_profile.clusters = clusters
    db.session.flush()
    if welcome:
        _welcome(user)
    return user


def register_alumni(email: str, name: str, password: str, welcome: bool = True,
                    **profile) -> User:
    """Create an alum's account with its profile and queue a welcome e-mail. Flushes."""
    user = _new_user(email, name, Role.ALUMNI, password)
    user.alumni_profile = AlumniProfile(**profile)
    db.session.flush()
    if welcome:
        _welcome(user)
    return user


def register_employer(
    email: str,
    name: str,
    password: str,
    organization_name: str,
    organization_type: OrganizationType,
    website: str | None = None,
    verified: bool = False,
    welcome: bool = True,
) -> User:
    """Create an employer and its organization (``pending`` unless ``verified``).

    Queues a welcome e-mail. Flushes; not safe to rerun.
    """
    user = _new_user(email, name, Role.EMPLOYER, password)
    user.organization = Organization(
        name=organization_name.strip(),
        type=organization_type,
        website=website or None,
        status=OrganizationStatus.VERIFIED if verified else OrganizationStatus.PENDING,
    )
    db.session.flush()
    if welcome:
        _welcome(user)
    return user


def create_user(
    email: str, name: str, role: Role, password: str, organization_name: str | None = None,
    by: User | None = None,
) -> User:
    """Create any kind of account, staff included (CLI and staff only).

    Flushes; audit-logged; tells the new user by notification and e-mail.
    """
    if role is Role.EMPLOYER:
        if not organization_name:
            raise ValidationFailed(
                "An employer needs an organization name.", {"org": "Required for employers."}
            )
        existing = db.session.scalar(
            sa.select(Organization).where(Organization.name == organization_name.strip())
        )
        if existing is not None:
            user = _new_user(email, name, role, password)
            user.organization = existing
        else:
            user = register_employer(
                email, name, password, organization_name, OrganizationType.COMPANY,
                verified=True, welcome=False,
            )
    elif role is Role.STUDENT:
        user = register_student(email, name, password, welcome=False)
    elif role is Role.ALUMNI:
        user = register_alumni(email, name, password, welcome=False)
    else:
        user = _new_user(email, name, role, password)
    db.session.flush()
    _welcome(user, created_by_staff=True)
    audit(by, "user.created", subject_type="user", subject_id=user.id, role=role.value)
    return user


# A hash of a random password, checked when the e-mail is unknown so that a
# wrong e-mail costs as much time as a wrong password.
_DUMMY_HASH: dict[str, str] = {}


def authenticate(email: str, password: str) -> User | None:
    """Return the active user with these credentials, or None. Rehashes old parameters."""
    user = find_user_by_email(email) if email else None
    hasher = _hasher()
    if user is None or not user.active:
        key = f"{hasher.time_cost}:{hasher.memory_cost}"
        if key not in _DUMMY_HASH:
            _DUMMY_HASH[key] = hasher.hash(secrets.token_urlsafe(16))
        try:
            hasher.verify(_DUMMY_HASH[key], password)
        except (VerificationError, InvalidHashError):
            pass
        return None
    try:
        hasher.verify(user.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    if hasher.check_needs_rehash(user.password_hash):
        user.password_hash = hasher.hash(password)
    user.last_login_at = utcnow()
    return user


def end_sessions(user: User) -> None:
    """Invalidate every session cookie issued to ``user`` so far."""
    user.session_version = (user.session_version or 1) + 1


def change_password(user: User, current_password: str, new_password: str) -> None:
    """Change the password and end every session of the user (the caller logs this one back in)."""
    try:
        _hasher().verify(user.password_hash, current_password)
    except (VerificationError, InvalidHashError):
        raise ValidationFailed(
            "Your current password is not right.", {"current_password": "Not right."}
        ) from None
    check_password_rules(new_password)
    user.password_hash = hash_password(new_password)
    end_sessions(user)
    revoke_api_tokens(user)


def revoke_api_tokens(user: User) -> int:
    """Revoke every API token of ``user`` (a password change ends all access)."""
    return db.session.execute(
        sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())).rowcount


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


TOKEN_DAYS = 90
MAX_TOKEN_DAYS = 365
# Writing "last used" on every call would make each read a write: once a minute is enough.
LAST_USED_EVERY = timedelta(minutes=1)


def issue_api_token(user: User, name: str = "API token", days: int = TOKEN_DAYS) -> str:
    """Create an API token for ``user`` that works ``days`` days, and return it; only its
    digest is kept. Flushes."""
    name = " ".join((name or "").split())[:80] or "API token"
    if not isinstance(days, int) or isinstance(days, bool) or \
            not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationFailed("Choose how long the token works.",
                               {"days": f"From 1 to {MAX_TOKEN_DAYS} days."})
    token = "cc_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=_token_digest(token), name=name,
                            expires_at=utcnow() + timedelta(days=days)))
    db.session.flush()
    return token


def api_tokens(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too, so they can see)."""
    return db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)
                              .order_by(ApiToken.id.desc()).limit(200)).all()


def token_status(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_at <= utcnow() else "active"


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens. Flushes."""
    token = db.session.get(ApiToken, token_id)
    if token is None or token.user_id != user.id:
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.session.flush()
    return token


def note_token_use() -> None:
    """Commits: after a request made with an API token, write when it was last used (at
    most once a minute per token). A busy database only skips this one note."""
    token_id = g.pop("api_token_used", None)
    if token_id is None:
        return
    try:
        db.session.execute(sa.update(ApiToken).where(ApiToken.id == token_id)
                           .values(last_used_at=utcnow()))
        db.session.commit()
    except sa.exc.OperationalError:
        db.session.rollback()


def user_for_token(token: str) -> User | None:
    """The active user owning this (unrevoked) token, or None."""
    if not token or len(token) > 200:
        return None
    now = utcnow()
    api_token = db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.token_hash == _token_digest(token), ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
        )
    )
    if api_token is None or not api_token.user.active:
        return None
    if api_token.last_used_at is None or api_token.last_used_at < now - LAST_USED_EVERY:
        g.api_token_used = api_token.id  # noted once the request is answered
    return api_token.user


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
    organization: Organization, *, name: str, website: str | None, type: OrganizationType,
    by: User | None = None,
) -> bool:
    """Save the organization's public details. Status and trust are staff's. Flushes.

    A verified organization's name and website are what staff checked: a change to
    either waits for staff (audit-logged) and the organization stays verified under
    its old name until then. Returns True when a change now waits for staff.
    """
    name, website = name.strip(), website or None
    organization.type = type
    if organization.status is not OrganizationStatus.VERIFIED:
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
