"""Tables every domain writes to: the outbox and the audit log."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db import UTCDateTime, utcnow
from marketplace.core.extensions import db


class OutboxMessage(db.Model):
    """One unit of background work, written in the same transaction as the change
    that needs it. ``completed_at`` is set in the job's own transaction, so a job
    whose effect committed is never run again."""

    __tablename__ = "outbox_message"

    id: Mapped[int] = mapped_column(primary_key=True)
    job: Mapped[str] = mapped_column(sa.String(80))
    args: Mapped[list] = mapped_column(sa.JSON, default=list)
    queue: Mapped[str] = mapped_column(sa.String(20), default="default")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    dispatched_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attempts: Mapped[int] = mapped_column(default=0)
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        # The relay and the console look only at unfinished rows.
        sa.Index("ix_outbox_message_pending", "completed_at", "created_at"),
    )

    @property
    def rq_job_id(self) -> str:
        # The creation time makes the id unique even if the database is rebuilt
        # while Redis keeps the ids of finished jobs.
        return f"outbox-{self.id}-{int(self.created_at.timestamp() * 1000)}"


class AuditEntry(db.Model):
    """Who did what to which object, when, and why. Append-only."""

    __tablename__ = "audit_entry"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    action: Mapped[str] = mapped_column(sa.String(60))
    subject_type: Mapped[str] = mapped_column(sa.String(40))
    subject_id: Mapped[int] = mapped_column()
    reason: Mapped[str | None] = mapped_column(sa.Text)
    details: Mapped[dict | None] = mapped_column(sa.JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    # Resolved by name in SQLAlchemy's registry: core imports no domain.
    actor: Mapped[User | None] = relationship("User")  # noqa: F821

    __table_args__ = (sa.Index("ix_audit_entry_subject", "subject_type", "subject_id"),)
