"""Schools of a district, guardians' consent for minors, and what a placement's supervisor
confirms by e-mailed link: weekly hours and the mid-point and final evaluations."""

from __future__ import annotations

import enum
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.blueprints.applications.models import Placement
from marketplace.core.db import UTCDateTime, enum_type, utcnow
from marketplace.core.extensions import db


class InstitutionKind(enum.StrEnum):
    COLLEGE = "college"
    DISTRICT = "district"


class InstitutionSetting(db.Model):
    """One row (id 1): a college (today's behaviour) or a district of schools."""

    __tablename__ = "institution_setting"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[InstitutionKind] = mapped_column(enum_type(InstitutionKind),
                                                  default=InstitutionKind.COLLEGE)
    # Perkins V 5S3: a placement counts as work-based learning from this many hours.
    min_wbl_hours: Mapped[int] = mapped_column(default=20)


class School(db.Model):
    __tablename__ = "school"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class SchoolStaff(db.Model):
    """A staff account that sees one school's students only. Staff without a row are
    district (or college) staff and see everyone."""

    __tablename__ = "school_staff"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), primary_key=True)
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), index=True)

    school: Mapped[School] = relationship()


class ConsentStatus(enum.StrEnum):
    PENDING = "pending"
    CONSENTED = "consented"
    REFUSED = "refused"


class GuardianConsent(db.Model):
    """The consent request for a minor's placement: one per placement. ``nonce`` is in
    every link sent; a resend changes it, so the older links stop working."""

    __tablename__ = "guardian_consent"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placement.id"), unique=True)
    guardian_email: Mapped[str | None] = mapped_column(sa.String(254))
    language: Mapped[str] = mapped_column(sa.String(2), default="en")
    status: Mapped[ConsentStatus] = mapped_column(enum_type(ConsentStatus),
                                                  default=ConsentStatus.PENDING)
    nonce: Mapped[str] = mapped_column(sa.String(32))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_count: Mapped[int] = mapped_column(default=0)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_ip: Mapped[str | None] = mapped_column(sa.String(45))
    guardian_name: Mapped[str | None] = mapped_column(sa.String(120))
    emergency_name: Mapped[str | None] = mapped_column(sa.String(120))
    emergency_phone: Mapped[str | None] = mapped_column(sa.String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    placement: Mapped[Placement] = relationship()


class SupervisorLinks(db.Model):
    """Per placement, the nonce every supervisor link carries: sending the links again
    to a new (or the same) supervisor changes it, and the older links stop working."""

    __tablename__ = "supervisor_links"

    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placement.id"), primary_key=True)
    nonce: Mapped[str] = mapped_column(sa.String(32))
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class WeeklyHours(db.Model):
    """Hours a student logged for one week of a placement, and the supervisor's check."""

    __tablename__ = "weekly_hours"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placement.id"), index=True)
    week_start: Mapped[date]  # a Monday
    hours: Mapped[float] = mapped_column(sa.Float)
    note: Mapped[str | None] = mapped_column(sa.String(500))
    logged_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_ip: Mapped[str | None] = mapped_column(sa.String(45))

    __table_args__ = (sa.UniqueConstraint("placement_id", "week_start"),)


class EvaluationKind(enum.StrEnum):
    MIDPOINT = "midpoint"
    FINAL = "final"


class Evaluation(db.Model):
    """A supervisor's evaluation on the NACE competencies: one of each kind per placement
    (the unique constraint makes a second submission of a link fail, whatever the race)."""

    __tablename__ = "supervisor_evaluation"

    id: Mapped[int] = mapped_column(primary_key=True)
    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placement.id"), index=True)
    kind: Mapped[EvaluationKind] = mapped_column(enum_type(EvaluationKind))
    ratings: Mapped[dict] = mapped_column(sa.JSON)
    comment: Mapped[str | None] = mapped_column(sa.Text)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_ip: Mapped[str | None] = mapped_column(sa.String(45))

    __table_args__ = (sa.UniqueConstraint("placement_id", "kind"),)


class EvaluationReminder(db.Model):
    """A reminder sent for one due evaluation: the row's key makes it once per evaluation."""

    __tablename__ = "evaluation_reminder"

    placement_id: Mapped[int] = mapped_column(sa.ForeignKey("placement.id"), primary_key=True)
    kind: Mapped[EvaluationKind] = mapped_column(enum_type(EvaluationKind), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
