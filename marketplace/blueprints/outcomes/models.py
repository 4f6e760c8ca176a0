"""The outcome evidence ledger: what shows a student reached a Career Learning Outcome."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.blueprints.accounts.models import User
from marketplace.core.db import UTCDateTime, enum_type, utcnow
from marketplace.core.extensions import db


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
    # When the work happened (a placement's end, a session's start, a workshop's
    # date), which may be long before it was recorded; the trend uses it.
    occurred_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    details: Mapped[dict | None] = mapped_column(sa.JSON)

    student: Mapped[User] = relationship()

    __table_args__ = (
        sa.UniqueConstraint("student_id", "outcome", "source_kind", "source_id"),
        sa.Index("ix_outcome_evidence_outcome", "outcome", "student_id"),
    )


class StudentAttainment(db.Model):
    """Per student, when each outcome was first reached (None: not yet).

    Derived from the ledger: ``record_evidence`` keeps it in step and
    ``rebuild_attainment`` recreates it. One row per student lets the dashboard
    count a cohort's students, per group and per month, in one pass.
    """

    __tablename__ = "student_attainment"

    student_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"),
                                            primary_key=True)
    career_design: Mapped[datetime | None] = mapped_column(UTCDateTime)
    skills_competencies: Mapped[datetime | None] = mapped_column(UTCDateTime)
    experiential_learning: Mapped[datetime | None] = mapped_column(UTCDateTime)
    connections: Mapped[datetime | None] = mapped_column(UTCDateTime)
    articulation: Mapped[datetime | None] = mapped_column(UTCDateTime)
    job_search: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StaffRecord(db.Model):
    """Evidence career staff record for the outcomes no marketplace activity proves
    (a workshop, a course, a reviewed résumé). One ledger row points at each."""

    __tablename__ = "staff_record"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    outcome: Mapped[str] = mapped_column(sa.String(40))
    occurred_on: Mapped[date]
    description: Mapped[str] = mapped_column(sa.String(500))
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        # Importing the same file twice records nothing new.
        sa.UniqueConstraint("student_id", "outcome", "occurred_on", "description"),
    )


class DestinationCategory(enum.StrEnum):
    """NACE first-destination categories (SPEC: Career clusters)."""

    EMPLOYED_FULL_TIME = "employed_full_time"
    EMPLOYED_PART_TIME = "employed_part_time"
    SELF_EMPLOYED = "self_employed"
    POSTGRAD_INTERNSHIP = "postgrad_internship"
    VOLUNTEER_SERVICE = "volunteer_service"
    MILITARY = "military"
    CONTINUING_EDUCATION = "continuing_education"
    SEEKING_EMPLOYMENT = "seeking_employment"
    SEEKING_EDUCATION = "seeking_education"
    NOT_SEEKING = "not_seeking"
    NO_INFORMATION = "no_information"

    @property
    def label(self) -> str:
        return DESTINATION_LABELS[self]


DESTINATION_LABELS = {
    DestinationCategory.EMPLOYED_FULL_TIME: "Employed full-time",
    DestinationCategory.EMPLOYED_PART_TIME: "Employed part-time",
    DestinationCategory.SELF_EMPLOYED: "Self-employed / contract",
    DestinationCategory.POSTGRAD_INTERNSHIP: "Post-graduate internship",
    DestinationCategory.VOLUNTEER_SERVICE: "Volunteer service",
    DestinationCategory.MILITARY: "Military",
    DestinationCategory.CONTINUING_EDUCATION: "Continuing education",
    DestinationCategory.SEEKING_EMPLOYMENT: "Seeking employment",
    DestinationCategory.SEEKING_EDUCATION: "Seeking continuing education",
    DestinationCategory.NOT_SEEKING: "Not seeking",
    DestinationCategory.NO_INFORMATION: "No information",
}


D = DestinationCategory


# Career outcomes rate = these / (known outcomes - not seeking) (SPEC).
POSITIVE_DESTINATIONS = frozenset({D.EMPLOYED_FULL_TIME, D.EMPLOYED_PART_TIME, D.SELF_EMPLOYED,
                                   D.POSTGRAD_INTERNSHIP, D.VOLUNTEER_SERVICE, D.MILITARY,
                                   D.CONTINUING_EDUCATION})


class FirstDestination(db.Model):
    """What a graduate did after graduating: one record per student, the latest kept."""

    __tablename__ = "first_destination"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), unique=True)
    category: Mapped[DestinationCategory] = mapped_column(enum_type(DestinationCategory))
    employer: Mapped[str | None] = mapped_column(sa.String(200))
    recorded_on: Mapped[date]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


class ExportStatus(enum.StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"


class ExportJob(db.Model):
    """A CSV a worker builds for staff; the page polls ``progress`` (0-100)."""

    __tablename__ = "export_job"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(30))
    params: Mapped[dict | None] = mapped_column(sa.JSON)
    status: Mapped[ExportStatus] = mapped_column(enum_type(ExportStatus),
                                                 default=ExportStatus.QUEUED)
    progress: Mapped[int] = mapped_column(default=0)
    rows: Mapped[int] = mapped_column(default=0)
    # A random name under instance/exports; never a path a user gave.
    filename: Mapped[str | None] = mapped_column(sa.String(100))
    error: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User] = relationship()
