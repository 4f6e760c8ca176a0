"""Opportunities employers post, and the students who save them."""

from __future__ import annotations

import enum
from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.blueprints.accounts.models import Organization, OrganizationStatus, User
from marketplace.core.db import UTCDateTime, enum_type, utcnow
from marketplace.core.extensions import db


class OpportunityKind(enum.StrEnum):
    INTERNSHIP = "internship"
    APPRENTICESHIP = "apprenticeship"
    MICRO_INTERNSHIP = "micro_internship"
    JOB_SHADOW = "job_shadow"

    @property
    def label(self) -> str:
        return self.value.replace("_", "-" if self is OpportunityKind.MICRO_INTERNSHIP
                                  else " ").capitalize()


class OpportunityStatus(enum.StrEnum):
    DRAFT = "draft"
    AWAITING_PAYMENT = "awaiting_payment"
    PENDING_REVIEW = "pending_review"
    PUBLISHED = "published"
    REJECTED = "rejected"
    CLOSED = "closed"
    EXPIRED = "expired"

    @property
    def label(self) -> str:
        return self.value.replace("_", " ").capitalize()


class WorkMode(enum.StrEnum):
    ONSITE = "onsite"
    HYBRID = "hybrid"
    REMOTE = "remote"


# The one table of allowed moves (SPEC: Domain states). Anything else is refused.
TRANSITIONS: dict[OpportunityStatus, frozenset[OpportunityStatus]] = {
    OpportunityStatus.DRAFT: frozenset({OpportunityStatus.AWAITING_PAYMENT,
                                        OpportunityStatus.PENDING_REVIEW,
                                        OpportunityStatus.PUBLISHED}),
    # Published at once when a trusted organization's fee is authorized.
    OpportunityStatus.AWAITING_PAYMENT: frozenset({OpportunityStatus.PENDING_REVIEW,
                                                   OpportunityStatus.PUBLISHED,
                                                   OpportunityStatus.DRAFT}),
    # Back to awaiting payment when the fee's authorization lapses before a decision.
    OpportunityStatus.PENDING_REVIEW: frozenset({OpportunityStatus.PUBLISHED,
                                                 OpportunityStatus.REJECTED,
                                                 OpportunityStatus.AWAITING_PAYMENT}),
    OpportunityStatus.PUBLISHED: frozenset({OpportunityStatus.CLOSED, OpportunityStatus.EXPIRED,
                                            OpportunityStatus.PENDING_REVIEW}),
    OpportunityStatus.REJECTED: frozenset({OpportunityStatus.PENDING_REVIEW,
                                           OpportunityStatus.PUBLISHED,
                                           OpportunityStatus.AWAITING_PAYMENT}),
    OpportunityStatus.CLOSED: frozenset(),
    OpportunityStatus.EXPIRED: frozenset(),
}


EDITABLE = frozenset({OpportunityStatus.DRAFT, OpportunityStatus.PENDING_REVIEW,
                      OpportunityStatus.PUBLISHED, OpportunityStatus.REJECTED})


class Opportunity(db.Model):
    __tablename__ = "opportunity"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    title: Mapped[str] = mapped_column(sa.String(200))
    kind: Mapped[OpportunityKind] = mapped_column(enum_type(OpportunityKind))
    status: Mapped[OpportunityStatus] = mapped_column(
        enum_type(OpportunityStatus), default=OpportunityStatus.DRAFT)
    description: Mapped[str] = mapped_column(sa.Text, default="")
    location: Mapped[str] = mapped_column(sa.String(200), default="")
    work_mode: Mapped[WorkMode] = mapped_column(enum_type(WorkMode), default=WorkMode.ONSITE)
    paid: Mapped[bool] = mapped_column(default=True)
    pay_min: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    pay_max: Mapped[Decimal | None] = mapped_column(sa.Numeric(10, 2))
    pay_period: Mapped[str | None] = mapped_column(sa.String(10))
    hours_per_week: Mapped[int | None]
    start_date: Mapped[date | None]
    end_date: Mapped[date | None]
    application_deadline: Mapped[date | None]
    positions: Mapped[int] = mapped_column(default=1)
    career_cluster: Mapped[str] = mapped_column(sa.String(40))
    skills: Mapped[list] = mapped_column(sa.JSON, default=list)
    risk_flags: Mapped[list] = mapped_column(sa.JSON, default=list)
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    rejection_reason: Mapped[str | None] = mapped_column(sa.Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A paid featured upgrade: shown first on the opportunities page until then.
    featured_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    created_by: Mapped[User | None] = relationship(foreign_keys=[created_by_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    # In a district: the schools whose students may see it. None: every school.
    school_rows: Mapped[list[OpportunitySchool]] = relationship(
        cascade="all, delete-orphan", order_by="OpportunitySchool.school_id")

    __table_args__ = (
        # Browse: newest first, and by deadline, among published postings.
        sa.Index("ix_opportunity_browse_newest", "status", "published_at", "id"),
        sa.Index("ix_opportunity_browse_deadline", "status", "application_deadline", "id"),
        # Filtered browse (cluster and kind), newest first, without a sort step.
        sa.Index("ix_opportunity_browse_filtered", "status", "career_cluster", "kind",
                 "published_at", "id"),
        sa.Index("ix_opportunity_review_queue", "status", "submitted_at"),
        # The featured strip: only the few postings ever featured are in it.
        sa.Index("ix_opportunity_featured", "featured_until",
                 sqlite_where=sa.text("featured_until IS NOT NULL"),
                 postgresql_where=sa.text("featured_until IS NOT NULL")),
        sa.CheckConstraint("positions >= 1", name="positions_positive"),
    )

    @property
    def organization_name(self) -> str:
        # Result cards show this; browse's card rows carry it as a column.
        return self.organization.name

    @property
    def school_ids(self) -> list[int]:
        """The schools it is open to; empty: open to every school."""
        return [row.school_id for row in self.school_rows]

    @school_ids.setter
    def school_ids(self, ids) -> None:
        existing = {row.school_id: row for row in self.school_rows}
        self.school_rows = [existing.get(school_id) or OpportunitySchool(school_id=school_id)
                            for school_id in sorted(set(ids))]

    def can_move_to(self, status: OpportunityStatus) -> bool:
        return status in TRANSITIONS[self.status]

    @property
    def is_public(self) -> bool:
        return (self.status is OpportunityStatus.PUBLISHED
                and self.organization.status is OrganizationStatus.VERIFIED)

    def __repr__(self) -> str:
        return f"<Opportunity {self.id} {self.title!r} {self.status}>"


class OpportunitySchool(db.Model):
    """A school whose students may see a posting (issue 19). A posting without any is open
    to every school, as every posting is in a college, which has no schools. A change here
    bumps the catalog version like a change to the posting (triggers of migration 0023)."""

    __tablename__ = "opportunity_school"

    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunity.id"),
                                                primary_key=True)
    # The school table belongs to the schools domain, above this one: only its id is
    # kept here (as on the student profile).
    school_id: Mapped[int] = mapped_column(sa.ForeignKey("school.id"), primary_key=True,
                                           index=True)


class CatalogVersion(db.Model):
    """One row counting committed changes to postings and organizations.

    The database bumps it (triggers from migrations 0008 and 0023), so every writer is
    counted: the ORM, bulk updates and jobs alike. Pages that visitors see
    without logging in are cached under the version they were rendered at
    (``marketplace.pagecache``).
    """

    __tablename__ = "catalog_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class SavedOpportunity(db.Model):
    __tablename__ = "saved_opportunity"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), primary_key=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunity.id"),
                                                primary_key=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
