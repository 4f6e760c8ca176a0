"""Postings and mentors to suggest to a student, each with the reason it was chosen.

What the product knows about a student is their career clusters, their major, and
what they saved and applied to. A posting is suggested when it is in one of their
clusters, names their major, or asks for a skill that postings they saved or applied
to asked for; a mentor when they offer an open slot in one of the student's
clusters, work at an organization the student applied to or saved, or offer to talk
about the major. Nothing else is guessed: with none of these there is no suggestion.

Each list costs one query whatever the catalogue's size (a bounded pool ordered by
score in SQL, the reasons worded in Python), plus one query for what the student
saved and applied to; the home page and ``GET /api/v1/me/recommendations`` share it.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import aliased, contains_eager

from marketplace.blueprints.accounts.models import (
    AlumniProfile,
    Organization,
    OrganizationStatus,
    User,
)
from marketplace.blueprints.accounts.services import viewer_clusters
from marketplace.blueprints.applications.models import Application
from marketplace.blueprints.mentoring.models import (
    Booking,
    BookingStatus,
    MentoringSlot,
    SlotStatus,
)
from marketplace.blueprints.opportunities.audience import open_to_school, student_school_id
from marketplace.blueprints.opportunities.models import (
    Opportunity,
    OpportunityStatus,
    SavedOpportunity,
)
from marketplace.blueprints.opportunities.pagecache import add_kept_values, kept_until_change
from marketplace.core.clock import institution_today
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.reference import CAREER_CLUSTERS

POSTINGS = 5
MENTORS = 3
# Skills and organizations of this many of the student's latest saves and applications.
INTEREST_WINDOW = 30
# Skills to look for, the most frequent first.
INTEREST_SKILLS = 8


@dataclass
class Interests:
    """What a student's profile and activity say they care about."""

    clusters: list[str] = field(default_factory=list)
    major: str = ""
    skills: list[str] = field(default_factory=list)  # as the postings wrote them
    organizations: dict[str, str] = field(default_factory=dict)  # lower-case -> as written
    applied_to: set[str] = field(default_factory=set)  # lower-case: applied, not only saved
    touched: frozenset[int] = frozenset()  # the postings those were read from
    seen: tuple = (0, None)  # how many postings they saved or applied to, and their ids' sum

    @property
    def empty(self) -> bool:
        return not (self.clusters or self.major or self.skills or self.organizations)


@dataclass(frozen=True)
class OrganizationName:
    id: int
    name: str


@dataclass(frozen=True)
class PostingSummary:
    """What a suggestion shows of its posting: kept between requests (``kept_postings``),
    so plain values, not a row of the database session."""

    id: int
    title: str
    organization: OrganizationName
    kind: object  # OpportunityKind
    work_mode: object  # WorkMode
    career_cluster: str | None
    location: str | None
    application_deadline: object  # date | None

    @property
    def organization_id(self) -> int:
        return self.organization.id

    @classmethod
    def of(cls, opportunity: Opportunity) -> PostingSummary:
        return cls(opportunity.id, opportunity.title,
                   OrganizationName(opportunity.organization_id, opportunity.organization.name),
                   opportunity.kind, opportunity.work_mode, opportunity.career_cluster,
                   opportunity.location, opportunity.application_deadline)


@dataclass
class PostingPick:
    opportunity: PostingSummary
    reasons: list[str]

    @property
    def reason(self) -> str:
        return self.reasons[0]


@dataclass
class MentorPick:
    alum: User
    slot: MentoringSlot  # the soonest open slot that earned the suggestion
    reasons: list[str]

    @property
    def reason(self) -> str:
        return self.reasons[0]


@dataclass
class Recommendations:
    postings: list[PostingPick]
    mentors: list[MentorPick]
    interests: Interests


def _like(text: str) -> str:
    return "%" + text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"


def _word(text: str) -> re.Pattern:
    return re.compile(r"(?<!\w)" + re.escape(text) + r"(?!\w)", re.IGNORECASE)


def interests_of(student: User) -> Interests:
    """The student's clusters and major, and the skills and organizations of what they
    saved and applied to (the latest few). One query beyond the profile. Reads only."""
    profile = student.student_profile
    interests = Interests(clusters=list(viewer_clusters(student)) if profile else [],
                          major=((profile.major or "").strip() if profile else ""))
    saved = sa.select(SavedOpportunity.opportunity_id.label("id"),
                      SavedOpportunity.created_at.label("at"),
                      sa.literal(False).label("applied")).where(
        SavedOpportunity.user_id == student.id)
    applied = sa.select(Application.opportunity_id.label("id"),
                        Application.created_at.label("at"),
                        sa.literal(True).label("applied")).where(
        Application.student_id == student.id)
    touched = sa.union_all(saved, applied).subquery()
    # All of them, not only the latest few: their number and the sum of their ids say
    # when the set the suggestions leave out has changed (``kept_postings``).
    every = sa.union_all(saved, applied).subquery()
    rows = db.session.execute(
        sa.select(Opportunity.skills, Organization.name, touched.c.applied, touched.c.id,
                  sa.select(sa.func.count()).select_from(every).scalar_subquery()
                  .label("seen"),
                  sa.select(sa.func.sum(every.c.id)).scalar_subquery().label("seen_ids"))
        .join(Opportunity, Opportunity.id == touched.c.id)
        .join(Organization, Organization.id == Opportunity.organization_id)
        .order_by(touched.c.at.desc()).limit(INTEREST_WINDOW)).all()
    counts: Counter[str] = Counter()
    written: dict[str, str] = {}
    for skills, organization, was_applied, *_ in rows:
        for skill in skills or []:
            if isinstance(skill, str) and skill.strip():
                counts[skill.strip().lower()] += 1
                written.setdefault(skill.strip().lower(), skill.strip())
        interests.organizations.setdefault(organization.lower(), organization)
        if was_applied:
            interests.applied_to.add(organization.lower())
    interests.skills = [written[key] for key, _ in counts.most_common(INTEREST_SKILLS)]
    interests.touched = frozenset(row.id for row in rows)
    interests.seen = (rows[0].seen, rows[0].seen_ids) if rows else (0, None)
    return interests


def recommend(student: User, postings: int = POSTINGS, mentors: int = MENTORS) -> Recommendations:
    """Suggested postings and mentors for ``student``, best first, each with its reasons.

    At most three queries (interests, postings, slots) plus the profile's. Reads only.
    """
    interests = interests_of(student)
    if interests.empty:
        return Recommendations([], [], interests)
    return Recommendations(kept_postings(student, interests, postings),
                           recommend_mentors(student, interests, mentors), interests)


def init_app(app) -> None:
    add_kept_values(app, "recommendations_cache")


def kept_postings(student: User, interests: Interests, limit: int) -> list[PostingPick]:
    """``recommend_postings``, kept under the catalog version: the picks follow only
    from the catalog, the day, the student's school and the interests (with the postings
    they were read from, which are left out), so students with the same ones share them, and a
    change to any posting or organization, a new save or application, or a new day
    asks again. What is kept are plain values (``PostingSummary``)."""
    key = (tuple(interests.clusters), interests.major, tuple(interests.skills),
           interests.touched, interests.seen, student_school_id(student), institution_today(),
           limit)
    return kept_until_change("recommendations_cache", key,
                             lambda: recommend_postings(student, interests, limit))


CANDIDATE_WINDOW = 2000


def recommend_postings(student: User, interests: Interests, limit: int) -> list[PostingPick]:
    """Open public postings the student has neither saved nor applied to, scored
    cluster (4) > major (2) > a shared skill (1), newest first within a score.

    They come from the newest open postings (``CANDIDATE_WINDOW``): scoring a bounded
    window, read through the newest-first index, keeps a home fast whatever the size of
    the catalogue.
    """
    today = institution_today()
    postgresql = db.session.get_bind().dialect.name == "postgresql"
    # PostgreSQL looks for the major in the posting's text index: reading every
    # candidate's description with ILIKE cost most of the home page.
    vector = ([sa.literal_column("opportunity.search_vector").label("search_vector")]
              if postgresql and interests.major else [])
    window = (sa.select(Opportunity, *vector)
              .where(Opportunity.status == OpportunityStatus.PUBLISHED,
                     sa.or_(Opportunity.application_deadline.is_(None),
                            Opportunity.application_deadline >= today),
                     open_to_school(student_school_id(student)))
              .order_by(Opportunity.published_at.desc(), Opportunity.id.desc())
              .limit(CANDIDATE_WINDOW).subquery())
    o = aliased(Opportunity, window)
    skill_text = sa.cast(o.skills, sa.Text)
    tests: list[tuple[sa.ColumnElement, int]] = []
    if interests.clusters:
        tests.append((o.career_cluster.in_(interests.clusters), 4))
    if interests.major:
        pattern = _like(interests.major)
        in_text = (window.c.search_vector.op("@@")(
            sa.func.plainto_tsquery("english", interests.major)) if vector else
            sa.or_(o.title.ilike(pattern, escape="\\"),
                   o.description.ilike(pattern, escape="\\")))
        tests.append((sa.or_(in_text, skill_text.ilike(pattern, escape="\\")), 2))
    if interests.skills:
        tests.append((sa.or_(*[skill_text.ilike(_like(f'"{skill}"'), escape="\\")
                              for skill in interests.skills]), 1))
    if not tests:
        return []
    score = sum((sa.case((test, points), else_=0) for test, points in tests), sa.literal(0))
    seen = sa.union_all(
        sa.select(SavedOpportunity.opportunity_id).where(SavedOpportunity.user_id == student.id),
        sa.select(Application.opportunity_id).where(Application.student_id == student.id))
    rows = db.session.scalars(
        sa.select(o).join(o.organization)
        .options(contains_eager(o.organization))
        .where(Organization.status == OrganizationStatus.VERIFIED,
               sa.or_(*[test for test, _ in tests]),
               o.id.not_in(seen))
        .order_by(score.desc(), o.published_at.desc(), o.id.desc())
        # A few more than needed: a major found inside another word is dropped below.
        .limit(limit * 4)).unique().all()
    picks = []
    for opportunity in rows:
        reasons = posting_reasons(opportunity, interests)
        if reasons:
            picks.append(PostingPick(PostingSummary.of(opportunity), reasons))
        if len(picks) == limit:
            break
    return picks


def posting_reasons(opportunity: Opportunity, interests: Interests) -> list[str]:
    """Why this posting suits these interests, strongest first (empty: it does not)."""
    reasons = []
    if opportunity.career_cluster in interests.clusters:
        reasons.append(f"Matches your cluster {CAREER_CLUSTERS[opportunity.career_cluster]}")
    skills = [s for s in (opportunity.skills or []) if isinstance(s, str)]
    if interests.major and any(_word(interests.major).search(text) for text in (
            opportunity.title, opportunity.description or "", *skills)):
        reasons.append(f"Mentions your major, {interests.major}")
    wanted = {skill.lower() for skill in interests.skills}
    shared = [skill for skill in skills if skill.strip().lower() in wanted]
    if shared:
        reasons.append(f"Asks for {', '.join(shared[:3])}, like postings you chose")
    return reasons


def recommend_mentors(student: User, interests: Interests, limit: int) -> list[MentorPick]:
    """Alumni with an open slot soon, scored cluster (4) > works at an organization the
    student chose (2) > the topic names their major (1); one suggestion per alum."""
    cluster = sa.func.coalesce(MentoringSlot.career_cluster, AlumniProfile.cluster)
    tests: list[tuple[sa.ColumnElement, int]] = []
    if interests.clusters:
        tests.append((cluster.in_(interests.clusters), 4))
    if interests.organizations:
        tests.append((sa.func.lower(AlumniProfile.employer).in_(
            list(interests.organizations)), 2))
    if interests.major:
        tests.append((MentoringSlot.topic.ilike(_like(interests.major), escape="\\"), 1))
    if not tests:
        return []
    score = sum((sa.case((test, points), else_=0) for test, points in tests), sa.literal(0))
    mine = sa.select(Booking.slot_id).where(Booking.student_id == student.id,
                                            Booking.status == BookingStatus.BOOKED)
    slots = db.session.scalars(
        sa.select(MentoringSlot).join(MentoringSlot.alumni)
        .outerjoin(AlumniProfile, AlumniProfile.user_id == User.id)
        .options(contains_eager(MentoringSlot.alumni).contains_eager(User.alumni_profile))
        .where(MentoringSlot.status == SlotStatus.OPEN, MentoringSlot.starts_at > utcnow(),
               MentoringSlot.booked_count < MentoringSlot.capacity,
               MentoringSlot.alumni_id != student.id, User.active.is_(True),
               MentoringSlot.id.not_in(mine), sa.or_(*[test for test, _ in tests]))
        .order_by(score.desc(), MentoringSlot.starts_at, MentoringSlot.id)
        # Several slots of one alum may lead; a bounded pool still finds `limit` people.
        .limit(limit * 10)).unique().all()
    picks: list[MentorPick] = []
    chosen: set[int] = set()
    for slot in slots:
        if slot.alumni_id in chosen:
            continue
        reasons = mentor_reasons(slot, interests)
        if reasons:
            chosen.add(slot.alumni_id)
            picks.append(MentorPick(slot.alumni, slot, reasons))
        if len(picks) == limit:
            break
    return picks


def mentor_reasons(slot: MentoringSlot, interests: Interests) -> list[str]:
    """Why this alum (through this slot) suits these interests, strongest first."""
    reasons = []
    profile = slot.alumni.alumni_profile
    cluster = slot.career_cluster or (profile.cluster if profile else None)
    if cluster in interests.clusters:
        reasons.append(f"Mentors in your cluster {CAREER_CLUSTERS[cluster]}")
    employer = (profile.employer or "").strip() if profile else ""
    if employer and employer.lower() in interests.organizations:
        where = ("where you applied" if employer.lower() in interests.applied_to
                 else "whose posting you saved")
        reasons.append(f"Works at {interests.organizations[employer.lower()]}, {where}")
    if interests.major and _word(interests.major).search(slot.topic):
        reasons.append(f"Talks about your major, {interests.major}")
    return reasons
