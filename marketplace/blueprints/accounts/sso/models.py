"""Campus identity providers (SAML 2.0, OpenID Connect) and the people they vouch for."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.blueprints.accounts.models import User
from marketplace.core.db import UTCDateTime, enum_type, utcnow
from marketplace.core.extensions import db


class ProviderKind(enum.StrEnum):
    OIDC = "oidc"
    SAML = "saml"


class IdentityProvider(db.Model):
    """A campus identity provider, added by staff or the CLI (never in code)."""

    __tablename__ = "identity_provider"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(40), unique=True)  # in URLs: /auth/sso/<name>/
    kind: Mapped[ProviderKind] = mapped_column(enum_type(ProviderKind))
    display_name: Mapped[str] = mapped_column(sa.String(120))
    # OpenID Connect
    issuer: Mapped[str | None] = mapped_column(sa.String(300))
    client_id: Mapped[str | None] = mapped_column(sa.String(255))
    client_secret: Mapped[str | None] = mapped_column(sa.Text)  # never shown back
    # SAML: the IdP's metadata, as given or as last fetched from ``metadata_url``.
    metadata_xml: Mapped[str | None] = mapped_column(sa.Text)
    metadata_url: Mapped[str | None] = mapped_column(sa.String(500))
    # The claim (OIDC) or attribute (SAML) whose values say student / alum / staff.
    role_claim: Mapped[str] = mapped_column(sa.String(120))
    # Staff and faculty become staff accounts only when staff allowed it.
    allow_staff: Mapped[bool] = mapped_column(default=False)
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<IdentityProvider {self.name} {self.kind}>"


class ExternalIdentity(db.Model):
    """A person as a provider knows them (its subject / NameID), linked to one account.

    ``approved_at`` is empty while a link to a staff account waits for another
    staff member: until then the campus sign-in does not open that account.
    """

    __tablename__ = "external_identity"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        sa.ForeignKey("identity_provider.id", ondelete="CASCADE"))
    subject: Mapped[str] = mapped_column(sa.String(255))
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    provider: Mapped[IdentityProvider] = relationship()
    user: Mapped[User] = relationship()

    __table_args__ = (sa.UniqueConstraint("provider_id", "subject"),)


class UsedAssertion(db.Model):
    """A SAML assertion id already accepted: a replay of it is refused until it expires."""

    __tablename__ = "used_assertion"

    id: Mapped[int] = mapped_column(primary_key=True)
    provider_id: Mapped[int] = mapped_column(
        sa.ForeignKey("identity_provider.id", ondelete="CASCADE"))
    assertion_id: Mapped[str] = mapped_column(sa.String(255))
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (sa.UniqueConstraint("provider_id", "assertion_id"),)
