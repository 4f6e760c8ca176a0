"""Events and career fairs: events, registrations and their waitlist, personal check-in
codes, organizations at fairs, and the conversations employers log there."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.blueprints.accounts.models import Organization, User
from marketplace.core.db import UTCDateTime, enum_type, utcnow
from marketplace.core.extensions import db


class EventKind(enum.StrEnum):
    WORKSHOP = "workshop"
    INFO_SESSION = "info_session"
    CAREER_FAIR = "career_fair"

    @property
    def label(self) -> str:
        return {"workshop": "Workshop", "info_session": "Information session",
                "career_fair": "Career fair"}[self.value]


class EventStatus(enum.StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class RegistrationStatus(enum.StrEnum):
    REGISTERED = "registered"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"
    ATTENDED = "attended"
    NO_SHOW = "no_show"

    @property
    def label(self) -> str:
        return {"no_show": "No-show"}.get(self.value, self.value.capitalize())


# A registration that holds one of the event's places.
HOLDS_PLACE = (RegistrationStatus.REGISTERED, RegistrationStatus.ATTENDED,
               RegistrationStatus.NO_SHOW)


class FairStatus(enum.StrEnum):
    """An organization's registration for a career fair."""

    PENDING = "pending"
    APPROVED = "approved"
    REFUSED = "refused"

    @property
    def label(self) -> str:
        return self.value.capitalize()


MAX_CAPACITY = 5000


class Event(db.Model):
    """A workshop, an employer's information session or a career fair.

    Times are UTC; ``time_zone`` is the zone the event was planned in (its calendar
    invitation carries it). ``registered_count`` counts the places held; the CHECK
    constraint refuses a count above capacity whatever the code does, and every change
    of it happens with the event row locked.
    """

    __tablename__ = "event"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[EventKind] = mapped_column(enum_type(EventKind))
    title: Mapped[str] = mapped_column(sa.String(200))
    description: Mapped[str] = mapped_column(sa.Text, default="")
    # The organization hosting an information session.
    host_organization_id: Mapped[int | None] = mapped_column(sa.ForeignKey("organization.id"))
    place: Mapped[str] = mapped_column(sa.String(300), default="")
    video_link: Mapped[str] = mapped_column(sa.String(500), default="")
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    time_zone: Mapped[str] = mapped_column(sa.String(64))
    capacity: Mapped[int]
    registered_count: Mapped[int] = mapped_column(default=0)
    # The last waitlist position handed out: positions only grow, so order is kept.
    waitlist_counter: Mapped[int] = mapped_column(default=0)
    # None: registration stays open until the event starts.
    registration_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Empty lists: every student.
    audience_years: Mapped[list] = mapped_column(sa.JSON, default=list)
    audience_clusters: Mapped[list] = mapped_column(sa.JSON, default=list)
    status: Mapped[EventStatus] = mapped_column(enum_type(EventStatus),
                                                default=EventStatus.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Bumped on each change of time or place, as iCalendar's SEQUENCE asks.
    sequence: Mapped[int] = mapped_column(default=0)

    host_organization: Mapped[Organization | None] = relationship()

    __table_args__ = (
        sa.CheckConstraint("registered_count >= 0 AND registered_count <= capacity",
                           name="registered_within_capacity"),
        sa.CheckConstraint(f"capacity >= 1 AND capacity <= {MAX_CAPACITY}",
                           name="capacity_range"),
        sa.CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        sa.Index("ix_event_status_starts", "status", "starts_at"),
    )

    @property
    def remaining(self) -> int:
        return max(self.capacity - self.registered_count, 0)

    @property
    def is_fair(self) -> bool:
        return self.kind is EventKind.CAREER_FAIR

    @property
    def closes_at(self) -> datetime:
        """When registration closes: the deadline, or the start."""
        return self.registration_deadline or self.starts_at


class EventRegistration(db.Model):
    """A student's place (or place in the line) at an event; one row per student and
    event, reused when they register again after cancelling."""

    __tablename__ = "event_registration"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"))
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    status: Mapped[RegistrationStatus] = mapped_column(enum_type(RegistrationStatus))
    waitlist_position: Mapped[int | None]
    walk_in: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checked_in_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    no_show_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    student: Mapped[User] = relationship(foreign_keys=[student_id])

    __table_args__ = (
        sa.UniqueConstraint("event_id", "student_id"),
        sa.Index("ix_event_registration_line", "event_id", "status", "waitlist_position"),
    )


class CheckInCode(db.Model):
    """A student's personal check-in code. Rotating retires the live one (kept, so a
    kiosk can tell "replaced" from "unknown") and issues a new one."""

    __tablename__ = "checkin_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    code: Mapped[str] = mapped_column(sa.String(16), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    retired_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    student: Mapped[User] = relationship()

    __table_args__ = (
        # One live code per student, whatever two requests do at once.
        sa.Index("uq_checkin_code_live", "student_id", unique=True,
                 sqlite_where=sa.text("retired_at IS NULL"),
                 postgresql_where=sa.text("retired_at IS NULL")),
    )


class FairEmployer(db.Model):
    """An organization's registration for a career fair, which staff approve."""

    __tablename__ = "fair_employer"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"))
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    status: Mapped[FairStatus] = mapped_column(enum_type(FairStatus), default=FairStatus.PENDING)
    table_label: Mapped[str] = mapped_column(sa.String(40), default="")
    representatives: Mapped[int] = mapped_column(default=1)
    recruiting_for: Mapped[str] = mapped_column(sa.String(500), default="")
    registered_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    event: Mapped[Event] = relationship()
    organization: Mapped[Organization] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("event_id", "organization_id"),
        sa.CheckConstraint("representatives >= 1 AND representatives <= 20",
                           name="representatives_range"),
    )


class Conversation(db.Model):
    """A conversation an employer's representative logged with a student at an event.
    One per (student, organization, event): it is the source of one Connections row."""

    __tablename__ = "event_conversation"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[int] = mapped_column(sa.ForeignKey("event.id"))
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    representative_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    note: Mapped[str] = mapped_column(sa.Text, default="")
    follow_up: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # When the student shared their profile with the organization (None: not shared).
    shared_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    event: Mapped[Event] = relationship()
    student: Mapped[User] = relationship(foreign_keys=[student_id])
    organization: Mapped[Organization] = relationship()
    representative: Mapped[User | None] = relationship(foreign_keys=[representative_id])

    __table_args__ = (
        sa.UniqueConstraint("student_id", "organization_id", "event_id"),
        sa.Index("ix_event_conversation_event", "event_id", "organization_id"),
    )


class RegistrationPause(db.Model):
    """Registrations paused after three no-shows in a term, until staff lift it."""

    __tablename__ = "registration_pause"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    paused_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    reason: Mapped[str] = mapped_column(sa.String(300), default="")
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))

    student: Mapped[User] = relationship(foreign_keys=[student_id])

    __table_args__ = (
        sa.Index("uq_registration_pause_active", "student_id", unique=True,
                 sqlite_where=sa.text("lifted_at IS NULL"),
                 postgresql_where=sa.text("lifted_at IS NULL")),
    )
