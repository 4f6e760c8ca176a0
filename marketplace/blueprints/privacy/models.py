"""Data rights: a person's request to be deleted, and what became of it."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.blueprints.accounts.models import User
from marketplace.core.db import UTCDateTime, enum_type, utcnow
from marketplace.core.extensions import db


class DeletionStatus(enum.StrEnum):
    PENDING = "pending"  # waiting in the staff queue
    CARRIED_OUT = "carried_out"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"  # the person changed their mind while it waited

    @property
    def label(self) -> str:
        return {"carried_out": "Carried out"}.get(self.value, self.value.capitalize())


# The one table of allowed moves. Anything else is refused.
TRANSITIONS: dict[DeletionStatus, frozenset[DeletionStatus]] = {
    DeletionStatus.PENDING: frozenset({DeletionStatus.CARRIED_OUT, DeletionStatus.DECLINED,
                                       DeletionStatus.WITHDRAWN}),
    DeletionStatus.CARRIED_OUT: frozenset(),
    DeletionStatus.DECLINED: frozenset(),
    DeletionStatus.WITHDRAWN: frozenset(),
}


class DeletionRequest(db.Model):
    """A person asked to be deleted; staff carry it out or decline it with a reason.

    The row outlives the erasure (ids and dates only) as the record that it was done.
    """

    __tablename__ = "deletion_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    status: Mapped[DeletionStatus] = mapped_column(enum_type(DeletionStatus),
                                                   default=DeletionStatus.PENDING)
    # The person's own words, if any; removed with everything else when carried out.
    note: Mapped[str | None] = mapped_column(sa.Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    decline_reason: Mapped[str | None] = mapped_column(sa.Text)
    # Storage keys still to remove once the erasure has committed (the
    # ``delete_erased_files`` job empties it); never shown to anyone.
    files_to_delete: Mapped[list | None] = mapped_column(sa.JSON)

    user: Mapped[User] = relationship(foreign_keys=[user_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])

    __table_args__ = (
        # One request waiting per person, whatever the requests do.
        sa.Index("uq_deletion_request_pending", "user_id", unique=True,
                 sqlite_where=sa.text("status = 'pending'"),
                 postgresql_where=sa.text("status = 'pending'")),
        sa.Index("ix_deletion_request_queue", "status", "requested_at"),
    )

    def can_move_to(self, status: DeletionStatus) -> bool:
        return status in TRANSITIONS[self.status]
