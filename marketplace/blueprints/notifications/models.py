"""The outbox (background work waiting to be done) and notifications."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.core.db import UTCDateTime, enum_type, utcnow
from marketplace.core.extensions import db


class Notification(db.Model):
    """A message in a user's in-app notification centre (and maybe an e-mail)."""

    __tablename__ = "notification"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    kind: Mapped[str] = mapped_column(sa.String(60))
    title: Mapped[str] = mapped_column(sa.String(200))
    body: Mapped[str] = mapped_column(sa.Text, default="")
    link: Mapped[str | None] = mapped_column(sa.String(300))
    # A mentoring notice carries the booking whose calendar invitation it attaches.
    booking_id: Mapped[int | None] = mapped_column(sa.ForeignKey("booking.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User")

    __table_args__ = (sa.Index("ix_notification_user_unread", "user_id", "read_at"),)


class DeliveryStatus(enum.StrEnum):
    SENT = "sent"
    FAILED = "failed"
    LOGGED = "logged"  # no MAIL_SERVER: written to the application log instead


class EmailDelivery(db.Model):
    """One attempt to send one e-mail. Every attempt is kept, failed ones with the error."""

    __tablename__ = "email_delivery"

    id: Mapped[int] = mapped_column(primary_key=True)
    notification_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("notification.id"), index=True)
    # Whose e-mail it was: a person's export and erasure find their rows by this, never
    # by an address another account may hold later.
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    to_address: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(200))
    template: Mapped[str] = mapped_column(sa.String(80))
    status: Mapped[DeliveryStatus] = mapped_column(enum_type(DeliveryStatus))
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
