"""Outreach campaigns: a segment, its stored random split, and who may be written to."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.blueprints.accounts.models import User
from marketplace.core.db import UTCDateTime, enum_type, utcnow
from marketplace.core.extensions import db


class NextStep(enum.StrEnum):
    """What the message suggests doing; its link goes there."""

    MENTOR = "mentor"  # book a mentor in your cluster
    DOCUMENT_REVIEW = "document_review"  # submit your resume for review
    POSTING = "posting"  # apply to one posting
    OUTCOMES = "outcomes"  # see your outcomes and their next steps

    @property
    def label(self) -> str:
        return NEXT_STEP_LABELS[self]


NEXT_STEP_LABELS = {
    NextStep.MENTOR: "Book a mentor in your cluster",
    NextStep.DOCUMENT_REVIEW: "Submit your resume for review",
    NextStep.POSTING: "Apply to a posting",
    NextStep.OUTCOMES: "See your outcomes and next steps",
}


class CampaignStatus(enum.StrEnum):
    SENDING = "sending"
    SENT = "sent"


class Arm(enum.StrEnum):
    CONTACTED = "contacted"  # chosen to be written to
    HOLDOUT = "holdout"  # chosen to get nothing: the comparison
    SKIPPED_RECENT = "skipped_recent"  # chosen, but had a campaign message in the last 7 days
    SKIPPED_UNSUBSCRIBED = "skipped_unsubscribed"  # chosen, but asked for no campaigns


class Campaign(db.Model):
    """One message to one segment (a class, optionally a group, missing one outcome).

    The split into contacted and holdout is drawn once, when the campaign is made, and
    stored per student (``CampaignMember``): the results compare the two arms.
    """

    __tablename__ = "campaign"

    id: Mapped[int] = mapped_column(primary_key=True)
    graduation_year: Mapped[int]
    missing_outcome: Mapped[str] = mapped_column(sa.String(40))
    group_by: Mapped[str | None] = mapped_column(sa.String(40))
    group_value: Mapped[str | None] = mapped_column(sa.String(200))
    subject: Mapped[str] = mapped_column(sa.String(150))
    message: Mapped[str] = mapped_column(sa.Text)
    next_step: Mapped[NextStep] = mapped_column(enum_type(NextStep))
    posting_id: Mapped[int | None] = mapped_column(sa.ForeignKey("opportunity.id"))
    holdout_percent: Mapped[int]
    status: Mapped[CampaignStatus] = mapped_column(enum_type(CampaignStatus),
                                                   default=CampaignStatus.SENDING)
    segment_size: Mapped[int] = mapped_column(default=0)
    holdout_size: Mapped[int] = mapped_column(default=0)
    sent: Mapped[int] = mapped_column(default=0)
    skipped_recent: Mapped[int] = mapped_column(default=0)
    skipped_unsubscribed: Mapped[int] = mapped_column(default=0)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"))
    # Made by a school's staff: that school, whose students alone the segment held; only
    # its staff (and the district's) open it. None: the whole district (or a college).
    # The school table is the schools domain's; only its id is kept here.
    school_id: Mapped[int | None] = mapped_column(sa.ForeignKey("school.id"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_by: Mapped[User] = relationship()

    @property
    def to_send(self) -> int:
        return self.segment_size - self.holdout_size

    @property
    def done(self) -> int:
        return self.sent + self.skipped_recent + self.skipped_unsubscribed


class CampaignMember(db.Model):
    """A student of a campaign's segment and their arm. ``sent_at`` is when their
    message went out (contacted only)."""

    __tablename__ = "campaign_member"

    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"), primary_key=True)
    student_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"),
                                            primary_key=True, index=True)
    arm: Mapped[Arm] = mapped_column(enum_type(Arm))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CampaignContact(db.Model):
    """When a student was last sent a campaign message: one row per student, updated
    only when the last one is older than the limit, so two campaigns sending at once
    cannot both write to the same student within it."""

    __tablename__ = "campaign_contact"

    student_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"),
                                            primary_key=True)
    last_sent_at: Mapped[datetime] = mapped_column(UTCDateTime)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign.id"))


class CampaignOptOut(db.Model):
    """A person who asked for no campaign messages (transactional mail still goes)."""

    __tablename__ = "campaign_opt_out"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("user_account.id"), primary_key=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
