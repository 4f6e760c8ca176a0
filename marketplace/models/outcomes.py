"""The outcome evidence ledger: what shows a student reached a Career Learning Outcome."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from ..extensions import db
from .accounts import User
from .base import UTCDateTime, enum_type, utcnow


class SourceKind(enum.StrEnum):
    PLACEMENT = "placement"
    MENTORING = "mentoring"
    STAFF = "staff"


class OutcomeEvidence(db.Model):
    """Append-only. At most one row per (student, outcome, source kind, source id)."""

    __tablename__ = "outcome_evidence"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(40))
    source_kind: Mapped[SourceKind] = mapped_column(enum_type(SourceKind))
    source_id: Mapped[int]
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    details: Mapped[dict | None] = mapped_column(sa.JSON)

    student: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("student_id", "outcome", "source_kind", "source_id"),
        sa.Index("ix_outcome_evidence_outcome", "outcome", "student_id"),
    )
