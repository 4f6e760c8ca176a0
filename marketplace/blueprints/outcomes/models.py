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
    EVENT = "event"  # a conversation an employer logged with the student at an event
    CAREER_PLAN = "career_plan"  # a career plan staff signed off (an OutcomeReview's id)
    EVALUATION = "evaluation"  # a host's completion evaluation (the placement's id)
    DOCUMENT_REVIEW = "document_review"  # a document staff approved (an OutcomeReview's id)
    JOB_SEARCH = "job_search"  # a search campaign, once per student (the student's id)


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
    # The version of the evidence rule that recorded the row (outcomes.rules); None for
    # rows from before rules had versions and for staff records.
    rule_version_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outcome_rule.id"))
    # Set on a row that takes another back (a withdrawn approval): the ledger stays
    # append-only. Such a row has the same outcome and source kind; its source id is the
    # act that took it back (the withdrawal). Neither row counts any more.
    reverses_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outcome_evidence.id"),
                                                    unique=True)

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


# --- Outcomes from real work: versioned evidence rules, career plans, document reviews ---


class OutcomeRule(db.Model):
    """One version of an evidence rule (``outcomes.rules.RULES`` names the keys).

    Append-only: a change adds the next version, so the evidence rows that name an
    older version keep saying what recorded them.
    """

    __tablename__ = "outcome_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(sa.String(60))
    version: Mapped[int]
    params: Mapped[dict] = mapped_column(sa.JSON)
    note: Mapped[str | None] = mapped_column(sa.String(500))
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User | None] = relationship()

    __table_args__ = (
        # Two staff saving at once cannot both make version n + 1.
        sa.UniqueConstraint("key", "version"),
    )


class ReviewStatus(enum.StrEnum):
    """Where a career plan or a submitted document stands with career staff."""

    SUBMITTED = "submitted"
    APPROVED = "approved"
    CHANGES_REQUESTED = "changes_requested"
    APPROVAL_WITHDRAWN = "approval_withdrawn"

    @property
    def label(self) -> str:
        return {"submitted": "Waiting for review", "approved": "Approved",
                "changes_requested": "Changes requested",
                "approval_withdrawn": "Approval withdrawn"}[self.value]


# What staff may decide from each status; anything else is refused (a 409).
REVIEW_MOVES: dict[ReviewStatus, frozenset[ReviewStatus]] = {
    ReviewStatus.SUBMITTED: frozenset({ReviewStatus.APPROVED, ReviewStatus.CHANGES_REQUESTED}),
    ReviewStatus.APPROVED: frozenset({ReviewStatus.APPROVAL_WITHDRAWN}),
}


class CareerPlan(db.Model):
    """A student's career plan (one per student): goals, a target cluster and roles, and
    exactly three next steps with dates. Staff sign it off or ask for changes."""

    __tablename__ = "career_plan"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), unique=True)
    goals: Mapped[str] = mapped_column(sa.Text)
    cluster: Mapped[str] = mapped_column(sa.String(40))
    roles: Mapped[str] = mapped_column(sa.String(300))
    next_steps: Mapped[list] = mapped_column(sa.JSON)  # [{"step": str, "due": "YYYY-MM-DD"}] x3
    status: Mapped[ReviewStatus] = mapped_column(enum_type(ReviewStatus),
                                                 default=ReviewStatus.SUBMITTED)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    student: Mapped[User] = relationship()

    __table_args__ = (sa.Index("ix_career_plan_queue", "status", "submitted_at"),)


class DocumentKind(enum.StrEnum):
    RESUME = "resume"
    COVER_LETTER = "cover_letter"

    @property
    def label(self) -> str:
        return {"resume": "Resume", "cover_letter": "Cover letter"}[self.value]


class DocumentSubmission(db.Model):
    """A resume or cover letter (PDF) a student sends to the review queue. The file is in
    the store under ``documents/<stored_name>``; the student's file name is for display."""

    __tablename__ = "document_submission"

    id: Mapped[int] = mapped_column(primary_key=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    kind: Mapped[DocumentKind] = mapped_column(enum_type(DocumentKind))
    stored_name: Mapped[str] = mapped_column(sa.String(80), unique=True)
    filename: Mapped[str] = mapped_column(sa.String(200))
    size: Mapped[int]
    status: Mapped[ReviewStatus] = mapped_column(enum_type(ReviewStatus),
                                                 default=ReviewStatus.SUBMITTED)
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    student: Mapped[User] = relationship()

    __table_args__ = (sa.Index("ix_document_submission_queue", "status", "submitted_at"),)


class OutcomeReview(db.Model):
    """One staff decision on a career plan or a document, with its comment: the history
    the student and staff read. An approval's id is the evidence row's source id, so a
    plan approved again after a withdrawal is a new act with a row of its own."""

    __tablename__ = "outcome_review"

    id: Mapped[int] = mapped_column(primary_key=True)
    subject: Mapped[str] = mapped_column(sa.String(20))  # "career_plan" | "document"
    subject_id: Mapped[int]
    decision: Mapped[ReviewStatus] = mapped_column(enum_type(ReviewStatus))
    comment: Mapped[str | None] = mapped_column(sa.Text)
    # A withdrawal names the approval it takes back.
    withdraws_id: Mapped[int | None] = mapped_column(sa.ForeignKey("outcome_review.id"),
                                                     unique=True)
    reviewer_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    reviewer: Mapped[User] = relationship()

    __table_args__ = (sa.Index("ix_outcome_review_subject", "subject", "subject_id"),)
