"""Applications to postings, their timeline, and who looked at a student's records."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.opportunities.models import Opportunity
from marketplace.core.db import UTCDateTime, enum_type, utcnow
from marketplace.core.extensions import db


class ApplicationStatus(enum.StrEnum):
    SUBMITTED = "submitted"
    REVIEWING = "reviewing"
    INTERVIEWING = "interviewing"
    OFFERED = "offered"
    HIRED = "hired"
    OFFER_DECLINED = "offer_declined"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"

    @property
    def label(self) -> str:
        return {"offer_declined": "Offer declined"}.get(self.value, self.value.capitalize())


A = ApplicationStatus


OPEN_STATUSES = frozenset({A.SUBMITTED, A.REVIEWING, A.INTERVIEWING, A.OFFERED})


# Who may make each move (SPEC: Domain states). Anything else is refused.
EMPLOYER_MOVES: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    A.SUBMITTED: frozenset({A.REVIEWING, A.INTERVIEWING, A.OFFERED, A.DECLINED}),
    A.REVIEWING: frozenset({A.INTERVIEWING, A.OFFERED, A.DECLINED}),
    A.INTERVIEWING: frozenset({A.OFFERED, A.DECLINED}),
    A.OFFERED: frozenset({A.DECLINED}),
}


STUDENT_MOVES: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    A.SUBMITTED: frozenset({A.WITHDRAWN}),
    A.REVIEWING: frozenset({A.WITHDRAWN}),
    A.INTERVIEWING: frozenset({A.WITHDRAWN}),
    A.OFFERED: frozenset({A.HIRED, A.OFFER_DECLINED, A.WITHDRAWN}),
}


class Application(db.Model):
    __tablename__ = "application"

    id: Mapped[int] = mapped_column(primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunity.id"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(enum_type(ApplicationStatus),
                                                      default=ApplicationStatus.SUBMITTED)
    cover_letter: Mapped[str] = mapped_column(sa.Text, default="")
    # The file is stored under a generated name outside static/; the student's
    # own file name is kept for display only.
    resume_stored_name: Mapped[str | None] = mapped_column(sa.String(80))
    resume_filename: Mapped[str | None] = mapped_column(sa.String(200))
    resume_size: Mapped[int | None]
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    opportunity: Mapped[Opportunity] = relationship()
    student: Mapped[User] = relationship()
    events: Mapped[list[ApplicationEvent]] = relationship(
        back_populates="application", order_by="ApplicationEvent.id",
        cascade="all, delete-orphan")

    __table_args__ = (
        # One application per student per posting, whatever the requests do.
        sa.UniqueConstraint("opportunity_id", "student_id"),
        sa.Index("ix_application_pipeline", "opportunity_id", "status"),
    )

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES


class ApplicationEvent(db.Model):
    """One step of an application's timeline: the new status, who moved it, a note."""

    __tablename__ = "application_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), index=True)
    status: Mapped[ApplicationStatus] = mapped_column(enum_type(ApplicationStatus))
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    note: Mapped[str | None] = mapped_column(sa.Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    application: Mapped[Application] = relationship(back_populates="events")
    actor: Mapped[User | None] = relationship()


class RecordAccess(db.Model):
    """Someone other than the student viewed or downloaded their application or resume,
    or (no application) a staff member opened the student's page of records."""

    __tablename__ = "record_access"

    id: Mapped[int] = mapped_column(primary_key=True)
    viewer_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    application_id: Mapped[int | None] = mapped_column(sa.ForeignKey("application.id"),
                                                       index=True)
    # "application", "resume", "export" (an applicants CSV) or "profile" (no application)
    what: Mapped[str] = mapped_column(sa.String(20))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    viewer: Mapped[User] = relationship(foreign_keys=[viewer_id])


class PlacementStatus(enum.StrEnum):
    # A minor's placement waits for a parent's or guardian's consent (schools decides who).
    AWAITING_CONSENT = "awaiting_consent"
    ACTIVE = "active"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


# The moves a placement can make besides completion (``complete_placement``: active only).
PLACEMENT_MOVES: dict[PlacementStatus, frozenset[PlacementStatus]] = {
    PlacementStatus.AWAITING_CONSENT: frozenset({PlacementStatus.ACTIVE,
                                                 PlacementStatus.CANCELLED}),
    PlacementStatus.ACTIVE: frozenset({PlacementStatus.COMPLETED, PlacementStatus.CANCELLED}),
}


class Placement(db.Model):
    """A hired student at a host: created by the accepted offer, one per application."""

    __tablename__ = "placement"

    id: Mapped[int] = mapped_column(primary_key=True)
    application_id: Mapped[int] = mapped_column(sa.ForeignKey("application.id"), unique=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunity.id"), index=True)
    status: Mapped[PlacementStatus] = mapped_column(enum_type(PlacementStatus),
                                                    default=PlacementStatus.ACTIVE)
    hours: Mapped[float | None] = mapped_column(sa.Float)
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    ratings: Mapped[dict | None] = mapped_column(sa.JSON)  # NACE competency key -> 1..4
    comment: Mapped[str | None] = mapped_column(sa.Text)
    reflection: Mapped[str | None] = mapped_column(sa.Text)
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The host's supervisor, who may have no account: links are e-mailed to this address.
    supervisor_name: Mapped[str | None] = mapped_column(sa.String(120))
    supervisor_email: Mapped[str | None] = mapped_column(sa.String(254))

    application: Mapped[Application] = relationship()
    student: Mapped[User] = relationship(foreign_keys=[student_id])
    opportunity: Mapped[Opportunity] = relationship()
