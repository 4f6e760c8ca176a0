"""The institution's signing keys, the credentials issued from evidence rows, and the
links students share their whole record by."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.blueprints.accounts.models import User
from marketplace.core.db import UTCDateTime, utcnow
from marketplace.core.extensions import db


class IssuerKey(db.Model):
    """A P-256 signing key. The private half is kept encrypted (``keys.seal``); a retired
    key signs nothing new but stays published, so what it signed still verifies."""

    __tablename__ = "issuer_key"

    kid: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    algorithm: Mapped[str] = mapped_column(sa.String(10))
    public_jwk: Mapped[dict] = mapped_column(sa.JSON)
    sealed_private_key: Mapped[str] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Credential(db.Model):
    """One Open Badges 3.0 credential for one evidence row, signed as a VC-JWT.

    Its id is also its bit in the revocation status list. ``shared``: its public page
    answers (the student can hide it again).
    """

    __tablename__ = "credential"

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[str] = mapped_column(sa.String(36), unique=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    evidence_id: Mapped[int] = mapped_column(sa.ForeignKey("outcome_evidence.id"), unique=True)
    outcome: Mapped[str] = mapped_column(sa.String(40))
    kid: Mapped[str] = mapped_column(sa.ForeignKey("issuer_key.kid"))
    jwt: Mapped[str] = mapped_column(sa.Text)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    shared: Mapped[bool] = mapped_column(default=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_reason: Mapped[str | None] = mapped_column(sa.String(300))
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    student: Mapped[User] = relationship(foreign_keys=[student_id])

    @property
    def status(self) -> str:
        return "revoked" if self.revoked_at else "active"


class RecordShare(db.Model):
    """A link to a student's whole learner record. Only its hash is kept; stopping it
    makes the link answer 404."""

    __tablename__ = "record_share"

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
