"""Alumni mentoring: slots an alum offers and the bookings students make."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.blueprints.accounts.models import User
from marketplace.core.db import UTCDateTime, enum_type, utcnow
from marketplace.core.extensions import db


class SlotMode(enum.StrEnum):
    VIDEO = "video"
    PHONE = "phone"
    IN_PERSON = "in_person"

    @property
    def label(self) -> str:
        return {"video": "Video call", "phone": "Phone call", "in_person": "In person"}[self.value]


class SlotStatus(enum.StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"


class BookingStatus(enum.StrEnum):
    BOOKED = "booked"
    COMPLETED = "completed"
    NO_SHOW = "no_show"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return {"no_show": "No-show"}.get(self.value, self.value.capitalize())


MAX_CAPACITY = 50


class MentoringSlot(db.Model):
    """A time window an alum offers. Times are UTC; ``time_zone`` is the alum's zone,
    in which a weekly series keeps its wall-clock time.

    ``booked_count`` counts live bookings; the CHECK constraint makes the database
    refuse a booking beyond capacity whatever the code above it does.
    """

    __tablename__ = "mentoring_slot"

    id: Mapped[int] = mapped_column(primary_key=True)
    alumni_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    duration_minutes: Mapped[int]
    time_zone: Mapped[str] = mapped_column(sa.String(64))
    capacity: Mapped[int] = mapped_column(default=1)
    booked_count: Mapped[int] = mapped_column(default=0)
    mode: Mapped[SlotMode] = mapped_column(enum_type(SlotMode), default=SlotMode.VIDEO)
    # The video link, the phone number to call, or the place.
    location: Mapped[str] = mapped_column(sa.String(300), default="")
    topic: Mapped[str] = mapped_column(sa.String(200))
    career_cluster: Mapped[str | None] = mapped_column(sa.String(40), index=True)
    weekly_cap: Mapped[int | None]
    series_id: Mapped[str | None] = mapped_column(sa.String(32), index=True)
    status: Mapped[SlotStatus] = mapped_column(enum_type(SlotStatus), default=SlotStatus.OPEN)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    alumni: Mapped[User] = relationship()
    bookings: Mapped[list[Booking]] = relationship(back_populates="slot",
                                                   order_by="Booking.id")

    __table_args__ = (
        sa.CheckConstraint("booked_count >= 0 AND booked_count <= capacity",
                           name="booked_within_capacity"),
        sa.CheckConstraint(f"capacity >= 1 AND capacity <= {MAX_CAPACITY}",
                           name="capacity_range"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.Index("ix_mentoring_slot_open", "status", "starts_at"),
    )

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.booked_count, 0)

    @property
    def is_past(self) -> bool:
        return self.starts_at <= utcnow()


class Booking(db.Model):
    """A student's place in a slot. The slot's times are copied so one query finds
    a student's overlapping bookings; a student holds a slot at most once at a time.
    """

    __tablename__ = "booking"

    id: Mapped[int] = mapped_column(primary_key=True)
    slot_id: Mapped[int] = mapped_column(sa.ForeignKey("mentoring_slot.id"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    status: Mapped[BookingStatus] = mapped_column(enum_type(BookingStatus),
                                                  default=BookingStatus.BOOKED)
    agenda: Mapped[str] = mapped_column(sa.Text, default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reflection: Mapped[str | None] = mapped_column(sa.Text)
    # Bumped on every change of the invitation, as iCalendar's SEQUENCE asks.
    sequence: Mapped[int] = mapped_column(default=0)

    slot: Mapped[MentoringSlot] = relationship(back_populates="bookings")
    student: Mapped[User] = relationship(foreign_keys=[student_id])

    __table_args__ = (
        sa.Index("uq_booking_live_slot_student", "slot_id", "student_id", unique=True,
                 sqlite_where=sa.text("status = 'booked'"),
                 postgresql_where=sa.text("status = 'booked'")),
        sa.Index("ix_booking_student_time", "student_id", "status", "starts_at"),
        sa.Index("ix_booking_reminder", "status", "reminder_sent_at", "starts_at"),
    )

    @property
    def is_live(self) -> bool:
        return self.status is BookingStatus.BOOKED
