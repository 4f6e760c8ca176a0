"""Campus sign-in, whichever protocol: providers, role mapping, provisioning and linking.

``sign_in_external`` is where both protocols meet once the provider's answer is checked
(signature, audience, expiry: see ``oidc.py`` and ``saml.py``).
"""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace.blueprints.accounts.models import AlumniProfile, StudentProfile, User
from marketplace.blueprints.accounts.policies import can_decide_link
from marketplace.blueprints.accounts.services import (
    end_sessions,
    find_user_by_email,
    hash_password,
    revoke_api_tokens,
)
from marketplace.blueprints.accounts.sso.models import (
    ExternalIdentity,
    IdentityProvider,
    ProviderKind,
)
from marketplace.blueprints.notifications.services import notify
from marketplace.core.audit import audit
from marketplace.core.db import utcnow
from marketplace.core.errors import Conflict, DomainError, NotFound, ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.policies import Role

NAME_RULE = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")

DEFAULT_ROLE_CLAIM = {ProviderKind.OIDC: "eduperson_affiliation",
                      ProviderKind.SAML: "eduPersonAffiliation"}

# eduPersonAffiliation values (and common OIDC equivalents), least privilege first:
# a student who also works on campus signs in as a student.
AFFILIATION_ROLES = (
    ({"student"}, Role.STUDENT),
    ({"alum", "alumni"}, Role.ALUMNI),
    ({"staff", "faculty", "employee"}, Role.STAFF),
)


class SignInRefused(DomainError):
    """The provider vouched for the person, but we will not open an account for them."""

    status = 403
    code = "forbidden"


class LinkAwaitsApproval(DomainError):
    """A campus sign-in matched a staff account: another staff member must approve."""

    status = 403
    code = "forbidden"


@dataclass
class Assertion:
    """What a provider said about a person, once its signature and limits were checked."""

    subject: str
    email: str | None
    email_verified: bool
    name: str | None
    affiliations: list[str] = field(default_factory=list)


def get_provider(name: str) -> IdentityProvider:
    provider = db.session.scalar(sa.select(IdentityProvider).where(
        IdentityProvider.name == name, IdentityProvider.active.is_(True)))
    if provider is None:
        raise NotFound("No such sign-in provider.")
    return provider


def active_providers() -> list[IdentityProvider]:
    return db.session.scalars(sa.select(IdentityProvider).where(
        IdentityProvider.active.is_(True)).order_by(IdentityProvider.id)).all()


def all_providers() -> list[IdentityProvider]:
    return db.session.scalars(sa.select(IdentityProvider).order_by(IdentityProvider.id)).all()


def _check_name(name: str) -> str:
    name = (name or "").strip().lower()
    if not NAME_RULE.match(name):
        raise ValidationFailed("A provider's name is 1–40 lowercase letters, digits or dashes "
                               "(it appears in its URLs).", {"name": "Like campus or state-u."})
    if db.session.scalar(sa.select(IdentityProvider.id).where(IdentityProvider.name == name)):
        raise Conflict(f"A provider named {name} exists already.", {"name": "Taken."})
    return name


def add_oidc_provider(name: str, issuer: str, client_id: str, client_secret: str,
                      display_name: str | None = None, role_claim: str | None = None,
                      allow_staff: bool = False, by: User | None = None) -> IdentityProvider:
    """Add an OpenID Connect provider. Flushes; audit-logged (the secret is not)."""
    name = _check_name(name)
    issuer = (issuer or "").strip().rstrip("/")
    if not re.match(r"^https?://[^\s/]+", issuer):
        raise ValidationFailed("The issuer is the provider's URL, like https://login.campus.edu.",
                               {"issuer": "An http(s) URL."})
    if not client_id or not client_secret:
        raise ValidationFailed("Give the client id and secret the provider issued.",
                               {"client_id": "Required.", "client_secret": "Required."})
    return _add_provider(ProviderKind.OIDC, name, display_name, role_claim, allow_staff, by,
                         issuer=issuer, client_id=client_id.strip(),
                         client_secret=client_secret)


def add_saml_provider(name: str, metadata_xml: str, metadata_url: str | None = None,
                      display_name: str | None = None, role_claim: str | None = None,
                      allow_staff: bool = False, by: User | None = None) -> IdentityProvider:
    """Add a SAML identity provider from its metadata. Flushes; audit-logged."""
    from marketplace.blueprints.accounts.sso.saml import idp_entity_id

    name = _check_name(name)
    entity_id = idp_entity_id(metadata_xml)  # refuses what is not IdP metadata
    return _add_provider(ProviderKind.SAML, name, display_name, role_claim, allow_staff, by,
                         issuer=entity_id, metadata_xml=metadata_xml,
                         metadata_url=metadata_url)


def _add_provider(kind: ProviderKind, name: str, display_name: str | None,
                  role_claim: str | None, allow_staff: bool, by: User | None,
                  **fields) -> IdentityProvider:
    """Store a checked provider. Flushes; audit-logged (never with a secret)."""
    provider = IdentityProvider(
        name=name, kind=kind, display_name=(display_name or name).strip()[:120],
        role_claim=(role_claim or DEFAULT_ROLE_CLAIM[kind]).strip()[:120],
        allow_staff=allow_staff, **fields)
    db.session.add(provider)
    db.session.flush()
    audit(by, "sso.provider_added", subject_type="identity_provider", subject_id=provider.id,
          kind=kind.value, issuer=fields["issuer"])
    return provider


def set_allow_staff(provider: IdentityProvider, allow: bool, by: User) -> None:
    provider.allow_staff = allow
    audit(by, "sso.allow_staff" if allow else "sso.disallow_staff",
          subject_type="identity_provider", subject_id=provider.id)
    db.session.flush()


def role_for(provider: IdentityProvider, affiliations: list[str]) -> Role:
    values = {str(value).strip().lower() for value in affiliations}
    # Scoped values (student@campus.edu) count by their part before the @.
    values |= {value.split("@", 1)[0] for value in values}
    for names, role in AFFILIATION_ROLES:
        if values & names:
            if role is Role.STAFF and not provider.allow_staff:
                raise SignInRefused(
                    f"{provider.display_name} says you are campus staff, and staff sign-in "
                    "with it is not switched on. Ask the career center to allow it, or log "
                    "in with your e-mail and password.")
            return role
    raise SignInRefused(
        f"{provider.display_name} did not say you are a student, an alum or staff, so we "
        "cannot open an account for you. Employers and guests log in with e-mail and "
        "password.")


def _provision(provider: IdentityProvider, assertion: Assertion, role: Role) -> User:
    if not assertion.email:
        raise SignInRefused(f"{provider.display_name} did not give us your e-mail address, "
                            "which your account needs. Ask the campus help desk.")
    name = (assertion.name or assertion.email.split("@", 1)[0]).strip()[:120]
    user = User(email=assertion.email, name=name, role=role,
                # Unusable until they choose one with "Forgot your password?".
                password_hash=hash_password(secrets.token_urlsafe(32)),
                email_verified_at=utcnow() if assertion.email_verified else None)
    if role is Role.STUDENT:
        user.student_profile = StudentProfile()
    elif role is Role.ALUMNI:
        user.alumni_profile = AlumniProfile()
    db.session.add(user)
    db.session.flush()
    notify(user, "welcome", "Welcome to Career Connections",
           f"Your account was opened with your {provider.display_name} sign-in.",
           link="home.home")
    audit(user, "user.provisioned_by_sso", subject_type="user", subject_id=user.id,
          provider=provider.name, role=role.value)
    return user


def sign_in_external(provider: IdentityProvider, assertion: Assertion) -> User:
    """The account this checked assertion opens: linked before, linked now through a
    verified e-mail, or new. Flushes. Raises ``SignInRefused`` / ``LinkAwaitsApproval``."""
    subject = (assertion.subject or "").strip()
    if not subject or len(subject) > 255:
        raise SignInRefused(f"{provider.display_name} sent no usable identifier.")
    email = (assertion.email or "").strip().lower()[:254] or None
    assertion.email = email
    identity = _identity(provider, subject)
    if identity is not None:
        return _known(provider, identity, assertion)
    role = role_for(provider, assertion.affiliations)
    try:
        with db.session.begin_nested():
            user, waiting = _first_sign_in(provider, assertion, subject, role)
    except IntegrityError:
        # The same person's first sign-in in another tab won the race: use its link.
        identity = _identity(provider, subject)
        if identity is None:
            raise SignInRefused("This address is in use by another account. Ask the career "
                                "center.") from None
        return _known(provider, identity, assertion)
    if waiting:  # raised outside the savepoint: the waiting link is kept
        raise LinkAwaitsApproval(waiting)
    return user


def _identity(provider: IdentityProvider, subject: str) -> ExternalIdentity | None:
    return db.session.scalar(sa.select(ExternalIdentity).where(
        ExternalIdentity.provider_id == provider.id, ExternalIdentity.subject == subject))


def _known(provider: IdentityProvider, identity: ExternalIdentity, assertion: Assertion) -> User:
    if identity.approved_at is None:
        raise LinkAwaitsApproval(
            "Your campus sign-in to a staff account waits for another staff member's "
            "approval. Until then, log in with your e-mail and password if you have one.")
    user = identity.user
    if not user.active:
        raise SignInRefused("This account is closed. Ask the career center.")
    if user.role is Role.STAFF and role_for(provider, assertion.affiliations) is not Role.STAFF:
        # Checked at every sign-in: someone who left the staff keeps no staff access.
        raise SignInRefused(f"{provider.display_name} no longer says you are campus staff, "
                            "so this staff account does not open with it. Ask the career "
                            "center.")
    identity.last_used_at = utcnow()
    db.session.flush()
    return user


def _first_sign_in(provider: IdentityProvider, assertion: Assertion, subject: str,
                   role: Role) -> tuple[User, str | None]:
    """Provision or link; returns the account and, when it must wait for a colleague's
    approval, what to tell the person."""
    email = assertion.email
    # Only the address an account signs in with: a personal address links nothing.
    existing = find_user_by_email(email) if email else None
    if existing is None:
        user = _provision(provider, assertion, role)
        # A new staff account waits for a colleague, like a link to an existing one.
        waiting = role is Role.STAFF
        db.session.add(ExternalIdentity(provider_id=provider.id, subject=subject, user=user,
                                        approved_at=None if waiting else utcnow(),
                                        last_used_at=None if waiting else utcnow()))
        db.session.flush()
        return user, ("Your staff account is ready; another staff member must approve it "
                      "once before it opens." if waiting else None)
    if not assertion.email_verified:
        raise SignInRefused(
            f"An account already uses {email}, and {provider.display_name} did not confirm "
            "that address is yours. Log in with your e-mail and password instead.")
    if not existing.active:
        raise SignInRefused("This account is closed. Ask the career center.")
    if existing.email_verified_at is None:
        # Someone registered this address without ever proving it was theirs; the campus
        # vouches that it is this person's. Whatever that someone set goes: the password
        # becomes unusable and every session and token ends.
        existing.password_hash = hash_password(secrets.token_urlsafe(32))
        end_sessions(existing)
        revoke_api_tokens(existing)
        existing.email_verified_at = utcnow()
        audit(existing, "sso.took_over_unconfirmed", subject_type="user",
              subject_id=existing.id, provider=provider.name)
    waiting = existing.role is Role.STAFF
    db.session.add(ExternalIdentity(provider_id=provider.id, subject=subject, user=existing,
                                    approved_at=None if waiting else utcnow(),
                                    last_used_at=None if waiting else utcnow()))
    db.session.flush()
    audit(existing, "sso.linked_requested" if waiting else "sso.linked",
          subject_type="user", subject_id=existing.id, provider=provider.name)
    return existing, ("Your campus sign-in matches a staff account. Another staff member "
                      "must approve the link once; until then, log in with your e-mail and "
                      "password." if waiting else None)


def pending_links() -> list[ExternalIdentity]:
    return db.session.scalars(sa.select(ExternalIdentity).where(
        ExternalIdentity.approved_at.is_(None)).order_by(ExternalIdentity.id)).all()


def decide_link(identity_id: int, approve: bool, by: User) -> ExternalIdentity:
    """Approve or refuse linking a campus sign-in to a staff account (not one's own)."""
    identity = db.session.get(ExternalIdentity, identity_id)
    if identity is None or identity.approved_at is not None:
        raise NotFound("No such link waiting.")
    if not can_decide_link(by, identity):
        raise SignInRefused("Another staff member must approve a link to your own account.")
    audit(by, "sso.link_approved" if approve else "sso.link_refused", subject_type="user",
          subject_id=identity.user_id, provider=identity.provider.name)
    if approve:
        identity.approved_at = utcnow()
    else:
        db.session.delete(identity)
    db.session.flush()
    return identity
