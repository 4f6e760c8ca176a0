"""Outreach with a holdout: who a campaign reaches, the stored split, sending under the
weekly limit, unsubscribing, and whether it worked.

A campaign's segment is a graduating class (optionally one student group) missing one
outcome. When the campaign is made, each student of the segment is drawn into the
contacted arm or the holdout (default 10 %, exactly that share, rounded) and the draw is
stored. Only the contacted arm is written to, in batches by a worker; a student who
had a campaign message in the last 7 days, or who unsubscribed, is skipped and counted.
Results compare the arms: the share of each that reached the outcome within 30, 60 and
90 days of the campaign, with 95 % Wilson intervals, and the difference between them.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer

from marketplace.blueprints.accounts.models import StudentCluster, StudentProfile, User
from marketplace.blueprints.notifications.services import notify
from marketplace.blueprints.opportunities.audience import is_open_to
from marketplace.blueprints.opportunities.models import Opportunity
from marketplace.blueprints.outcomes.campaigns.models import (
    Arm,
    Campaign,
    CampaignContact,
    CampaignMember,
    CampaignOptOut,
    CampaignStatus,
    NextStep,
)
from marketplace.blueprints.outcomes.models import StudentAttainment
from marketplace.blueprints.outcomes.policies import can_open_campaign, staff_school_limit
from marketplace.blueprints.outcomes.reports import group_column
from marketplace.core.audit import audit
from marketplace.core.db import utcnow
from marketplace.core.errors import NotFound, ValidationFailed
from marketplace.core.extensions import db, insert_or_ignore
from marketplace.core.outbox import enqueue_after_commit
from marketplace.core.policies import Role
from marketplace.core.reference import OUTCOMES

# No student gets more than one campaign message in this long.
CONTACT_LIMIT = timedelta(days=7)


DEFAULT_HOLDOUT = 10


MAX_HOLDOUT = 50


# Results are read this many days after the campaign.
WINDOWS = (30, 60, 90)


# Messages sent per job: each batch commits, so the page shows progress.
BATCH = 500


# The groups a segment can be narrowed to (the class is chosen already).
SEGMENT_GROUPS = {"first_generation": "First-generation", "pell_eligible": "Pell-eligible",
                  "major": "Major", "cluster": "Career cluster"}


@dataclass(frozen=True)
class Segment:
    graduation_year: int
    missing_outcome: str
    group_by: str | None = None
    group_value: str | None = None


def check_segment(segment: Segment) -> dict[str, str]:
    """What is wrong with ``segment``, by field (nothing: it is fine)."""
    problems = {}
    if not 1900 <= segment.graduation_year <= 2199:
        problems["graduation_year"] = "Choose a graduating class."
    if segment.missing_outcome not in OUTCOMES:
        problems["missing_outcome"] = "Choose one of the six outcomes."
    if segment.group_by is not None and segment.group_by not in SEGMENT_GROUPS:
        problems["group"] = "Choose one of the groups."
    elif segment.group_by is not None and not (segment.group_value or "").strip():
        problems["group"] = "Say which group, e.g. first_generation=yes."
    return problems


def segment_ids(segment: Segment, school_id: int | None = None) -> sa.Select:
    """Ids of the active students of the segment: its class, its group, and not yet
    reached the outcome; of one school only, when ``school_id`` is given (a school's
    staff reach their school's students alone). Erased and closed accounts are never
    written to."""
    attained = StudentAttainment.__table__.c[segment.missing_outcome]
    statement = (sa.select(User.id).join(StudentProfile, StudentProfile.user_id == User.id)
                 .outerjoin(StudentAttainment, StudentAttainment.student_id == User.id)
                 .where(User.role == Role.STUDENT, User.active.is_(True),
                        User.erased_at.is_(None),
                        StudentProfile.graduation_year == segment.graduation_year,
                        attained.is_(None)))
    if school_id is not None:
        statement = statement.where(StudentProfile.school_id == school_id)
    if segment.group_by is not None:
        column, needs_cluster = group_column(segment.group_by)
        if needs_cluster:
            statement = statement.join(StudentCluster, StudentCluster.user_id == User.id)
        value = segment.group_value.strip()
        if segment.group_by == "major":
            statement = statement.where(sa.func.lower(column) == value.lower())
        else:
            statement = statement.where(column == value)
    return statement.distinct()


def preview(segment: Segment, holdout_percent: int = DEFAULT_HOLDOUT,
            school_id: int | None = None) -> dict:
    """How many students the segment holds (of ``school_id`` only, when given), how many
    would be held out, and how many of the rest a message could reach now (not
    unsubscribed, none in the last 7 days)."""
    ids = segment_ids(segment, school_id).subquery()
    size = db.session.scalar(sa.select(sa.func.count()).select_from(ids)) or 0
    blocked = db.session.scalar(
        sa.select(sa.func.count()).select_from(ids).where(sa.or_(
            ids.c.id.in_(sa.select(CampaignOptOut.user_id)),
            ids.c.id.in_(sa.select(CampaignContact.student_id).where(
                CampaignContact.last_sent_at > utcnow() - CONTACT_LIMIT))))) or 0
    holdout = holdout_size(size, holdout_percent)
    return {"segment_size": size, "holdout": holdout,
            # Blocked students fall in either arm; expect the same share in each.
            "reachable": max(0, round((size - holdout) * (1 - blocked / size))) if size else 0,
            "blocked": blocked}


def holdout_size(size: int, percent: int) -> int:
    return round(size * percent / 100)


def create_campaign(segment: Segment, subject: str, message: str, next_step: NextStep,
                    by: User, holdout_percent: int = DEFAULT_HOLDOUT,
                    posting_id: int | None = None, rng: random.Random | None = None
                    ) -> Campaign:
    """Make a campaign, draw and store its arms, and queue its sending. Flushes.

    The draw is a uniform random sample of exactly ``holdout_size`` students; the same
    segment drawn twice gives two independent splits. Made by a school's staff, the
    segment holds their school's students only and the campaign keeps the school.
    """
    problems = check_segment(segment)
    subject, message = " ".join(subject.split()), message.strip()
    if not subject:
        problems["subject"] = "Write a subject line."
    elif len(subject) > 150:
        problems["subject"] = "At most 150 characters."
    if not message:
        problems["message"] = "Write the message."
    elif len(message) > 4000:
        problems["message"] = "At most 4,000 characters."
    if not 0 <= holdout_percent <= MAX_HOLDOUT:
        problems["holdout"] = f"A holdout between 0 and {MAX_HOLDOUT} %."
    school_id = staff_school_limit(by)
    if next_step is NextStep.POSTING:
        posting = db.session.get(Opportunity, posting_id) if posting_id else None
        # A school's campaign may link a posting open to its school; a district's, only
        # one open to every school (its segment spans them all).
        if posting is None or not posting.is_public or not is_open_to(posting, school_id):
            problems["posting_id"] = "Choose a posting students can see."
    elif posting_id is not None:
        posting_id = None  # only a posting step links a posting
    if problems:
        raise ValidationFailed("Some fields need attention.", problems)
    ids = list(db.session.scalars(segment_ids(segment, school_id).order_by(User.id)))
    if not ids:
        raise ValidationFailed("Nobody is in this segment.",
                               {"missing_outcome": "Every student of this segment has "
                                                   "the outcome already, or none matches."})
    held = set((rng or random.SystemRandom()).sample(ids, holdout_size(len(ids),
                                                                       holdout_percent)))
    campaign = Campaign(graduation_year=segment.graduation_year,
                        missing_outcome=segment.missing_outcome, group_by=segment.group_by,
                        group_value=segment.group_value.strip() if segment.group_by else None,
                        subject=subject, message=message, next_step=next_step,
                        posting_id=posting_id, holdout_percent=holdout_percent,
                        segment_size=len(ids), holdout_size=len(held), created_by_id=by.id,
                        school_id=school_id)
    db.session.add(campaign)
    db.session.flush()
    db.session.execute(sa.insert(CampaignMember), [
        {"campaign_id": campaign.id, "student_id": student_id,
         "arm": (Arm.HOLDOUT if student_id in held else Arm.CONTACTED).value}
        for student_id in ids])
    audit(by, "campaign.create", campaign,
          reason=f"{len(ids)} students, {len(held)} held out")
    enqueue_after_commit("send_campaign_batch", campaign.id)
    return campaign


def _claim_contact(student_id: int, campaign_id: int) -> bool:
    """Note that ``student_id`` is written to now, unless they were in the last 7 days.
    One statement, so two campaigns sending at once cannot both claim the same student."""
    now = utcnow()
    upsert = insert_or_ignore(CampaignContact).values(
        student_id=student_id, last_sent_at=now, campaign_id=campaign_id)
    claimed = db.session.execute(upsert.on_conflict_do_update(
        index_elements=["student_id"],
        set_={"last_sent_at": now, "campaign_id": campaign_id},
        where=CampaignContact.__table__.c.last_sent_at <= now - CONTACT_LIMIT,
    ).returning(CampaignContact.student_id)).first()
    return claimed is not None


def send_batch(campaign_id: int) -> bool:
    """Write to the next ``BATCH`` contacted students not yet handled. Returns whether
    any remain (the job then queues itself again). Safe to rerun: a handled member is
    never handled twice, and each batch commits with its outbox row."""
    campaign = db.session.get(Campaign, campaign_id, with_for_update=True)
    if campaign is None or campaign.status is CampaignStatus.SENT:
        return False
    members = db.session.scalars(
        sa.select(CampaignMember).where(CampaignMember.campaign_id == campaign_id,
                                        CampaignMember.arm == Arm.CONTACTED,
                                        CampaignMember.sent_at.is_(None))
        .order_by(CampaignMember.student_id).limit(BATCH)).all()
    opted_out = set(db.session.scalars(sa.select(CampaignOptOut.user_id).where(
        CampaignOptOut.user_id.in_([m.student_id for m in members]))))
    students = {user.id: user for user in db.session.scalars(
        sa.select(User).where(User.id.in_([m.student_id for m in members])))}
    link, values = _link(campaign)
    now = utcnow()
    for member in members:
        student = students.get(member.student_id)
        if member.student_id in opted_out or student is None or not student.active:
            member.arm = Arm.SKIPPED_UNSUBSCRIBED
            campaign.skipped_unsubscribed += 1
        elif not _claim_contact(member.student_id, campaign.id):
            member.arm = Arm.SKIPPED_RECENT
            campaign.skipped_recent += 1
        else:
            member.sent_at = now
            campaign.sent += 1
            notify(student, "campaign", campaign.subject, campaign.message, link, **values)
    remaining = len(members) == BATCH
    if not remaining:
        campaign.status = CampaignStatus.SENT
        campaign.finished_at = now
    db.session.flush()
    return remaining


def _link(campaign: Campaign) -> tuple[str, dict]:
    """The endpoint the message's next step links to, and its URL values."""
    if campaign.next_step is NextStep.POSTING and campaign.posting_id:
        return "opportunities.show_opportunity", {"opportunity_id": campaign.posting_id}
    if campaign.next_step is NextStep.MENTOR:
        return "mentoring.browse", {}
    return "outcomes.my_outcomes", {}


# -- Unsubscribing ------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.secret_key, salt="campaign-unsubscribe")


def unsubscribe_token(user_id: int) -> str:
    """A link's token that unsubscribes ``user_id`` from campaigns. Using it twice does
    nothing more; it never signs anyone in and touches nothing else."""
    return _serializer().dumps(user_id)


def user_for_token(token: str) -> User | None:
    try:
        user_id = _serializer().loads(token)
    except BadSignature:
        return None
    if not isinstance(user_id, int) or isinstance(user_id, bool):
        return None
    user = db.session.get(User, user_id)
    return user if user is not None and user.active else None


def unsubscribe(user: User) -> bool:
    """Stop campaign messages to ``user``. Returns True when this changed anything."""
    added = db.session.execute(insert_or_ignore(CampaignOptOut).values(
        user_id=user.id, created_at=utcnow()).on_conflict_do_nothing(
        index_elements=["user_id"]).returning(CampaignOptOut.user_id)).first()
    return added is not None


def is_unsubscribed(user: User) -> bool:
    return db.session.get(CampaignOptOut, user.id) is not None


def resubscribe(user: User) -> None:
    db.session.execute(sa.delete(CampaignOptOut).where(CampaignOptOut.user_id == user.id))


# -- Results ------------------------------------------------------------------------


@dataclass
class Share:
    gained: int
    n: int
    low: float
    high: float
    open: bool  # the window has not ended yet: the count may still grow

    @property
    def rate(self) -> float:
        return self.gained / self.n if self.n else 0.0


@dataclass
class WindowResult:
    days: int
    contacted: Share
    holdout: Share
    difference: float  # contacted minus holdout, in points
    difference_low: float
    difference_high: float


@dataclass
class Results:
    campaign: Campaign
    contacted: int
    holdout: int
    windows: list[WindowResult]


Z95 = 1.959964


def wilson(gained: int, n: int) -> tuple[float, float]:
    """The 95 % Wilson score interval of a share (it stays inside [0, 1] for small n)."""
    if n == 0:
        return 0.0, 0.0
    p = gained / n
    centre = (p + Z95 ** 2 / (2 * n)) / (1 + Z95 ** 2 / n)
    margin = Z95 * math.sqrt(p * (1 - p) / n + Z95 ** 2 / (4 * n * n)) / (1 + Z95 ** 2 / n)
    return max(0.0, centre - margin), min(1.0, centre + margin)


def difference_interval(a: int, n: int, b: int, m: int) -> tuple[float, float]:
    """95 % interval of a/n - b/m (Newcombe's hybrid score method, from the two Wilson
    intervals): honest for small arms, where the plain normal one is not."""
    if n == 0 or m == 0:
        return 0.0, 0.0
    p, q = a / n, b / m
    (l1, u1), (l2, u2) = wilson(a, n), wilson(b, m)
    low = p - q - math.sqrt((p - l1) ** 2 + (u2 - q) ** 2)
    high = p - q + math.sqrt((u1 - p) ** 2 + (q - l2) ** 2)
    return low, high


def results(campaign: Campaign, now: datetime | None = None) -> Results:
    """Per arm, how many reached the campaign's outcome within each window of its start.

    The contacted arm counts the students actually written to (skipped ones are left
    out of both the arm and the comparison: they got nothing, but not at random).
    One grouped query.
    """
    now = now or utcnow()
    start = campaign.created_at
    attained = StudentAttainment.__table__.c[campaign.missing_outcome]
    counts = [sa.func.count(sa.case((sa.and_(attained > start,
                                             attained <= start + timedelta(days=days)), 1)))
              for days in WINDOWS]
    rows = db.session.execute(
        sa.select(CampaignMember.arm, sa.func.count(), *counts)
        .outerjoin(StudentAttainment, StudentAttainment.student_id == CampaignMember.student_id)
        .where(CampaignMember.campaign_id == campaign.id,
               CampaignMember.arm.in_([Arm.CONTACTED, Arm.HOLDOUT]),
               sa.or_(CampaignMember.arm == Arm.HOLDOUT, CampaignMember.sent_at.is_not(None)))
        .group_by(CampaignMember.arm)).all()
    by_arm = {Arm(row[0]): row[1:] for row in rows}
    contacted = by_arm.get(Arm.CONTACTED, (0, 0, 0, 0))
    holdout = by_arm.get(Arm.HOLDOUT, (0, 0, 0, 0))
    windows = []
    for index, days in enumerate(WINDOWS):
        is_open = now < start + timedelta(days=days)
        a, n = contacted[index + 1], contacted[0]
        b, m = holdout[index + 1], holdout[0]
        low, high = difference_interval(a, n, b, m)
        windows.append(WindowResult(
            days, Share(a, n, *wilson(a, n), is_open), Share(b, m, *wilson(b, m), is_open),
            round(((a / n if n else 0) - (b / m if m else 0)) * 100, 1),
            round(low * 100, 1), round(high * 100, 1)))
    return Results(campaign, contacted[0], holdout[0], windows)


def campaign_for(campaign_id: int, viewer: User) -> Campaign:
    """The campaign, if ``viewer`` may open it (another school's: NotFound)."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None or not can_open_campaign(viewer, campaign):
        raise NotFound("No such campaign.")
    return campaign


def recent_campaigns(viewer: User, limit: int = 50) -> list[Campaign]:
    """The latest campaigns ``viewer`` may open: a school's staff their school's, the
    district's staff every one."""
    school_id = staff_school_limit(viewer)
    statement = sa.select(Campaign).order_by(Campaign.id.desc()).limit(limit)
    if school_id is not None:
        statement = statement.where(Campaign.school_id == school_id)
    return db.session.scalars(statement).all()
