"""Career staff's people search and each person's records on one page.

Read-only: nothing here changes a row (the view logs a look at a student's page through
``applications.services.record_profile_access``), so everything is safe to call again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from marketplace.blueprints.accounts.models import Organization, User
from marketplace.blueprints.accounts.policies import students_in_scope
from marketplace.blueprints.applications.models import Application, Placement
from marketplace.blueprints.mentoring.models import Booking, MentoringSlot
from marketplace.blueprints.opportunities.models import Opportunity
from marketplace.blueprints.outcomes.models import OutcomeEvidence
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from marketplace.core.reference import OUTCOMES

# The people staff look up; staff accounts are listed at /staff/users.
SEARCHED_ROLES = (Role.STUDENT, Role.EMPLOYER, Role.ALUMNI)
PER_PAGE = 25
MAX_WORDS = 8
MAX_QUERY = 200


@dataclass
class PersonHit:
    user: User
    matched: int  # how many of the words matched: all of them rank first


@dataclass
class PeoplePage:
    hits: list[PersonHit]
    page: int
    has_next: bool
    words: list[str]


def search_words(q: str) -> list[str]:
    """The words of a search, lower-cased, each once, at most ``MAX_WORDS``."""
    words: list[str] = []
    for word in q[:MAX_QUERY].lower().split():
        if word not in words:
            words.append(word)
    return words[:MAX_WORDS]


def search_people(q: str, role: Role | None = None, page: int = 1,
                  per_page: int = PER_PAGE, scope: sa.ColumnElement | None = None
                  ) -> PeoplePage:
    """Active students, employers and alumni whose name, e-mail (school or personal) or
    organization holds any of the words, case-insensitively; those with all the words
    first, then by name. No words, no results: the search never lists everyone. ``scope``
    (a clause on ``User.id``) keeps the students a school's staff may see."""
    words = search_words(q)
    if not words:
        return PeoplePage([], page, False, [])
    matches = [sa.or_(sa.func.lower(User.name).contains(word, autoescape=True),
                      sa.func.lower(User.email).contains(word, autoescape=True),
                      sa.func.lower(User.personal_email).contains(word, autoescape=True),
                      sa.func.lower(Organization.name).contains(word, autoescape=True))
               for word in words]
    matched = sum((sa.case((match, 1), else_=0) for match in matches), sa.literal(0))
    roles = (role,) if role in SEARCHED_ROLES else SEARCHED_ROLES
    rows = db.session.execute(
        sa.select(User, matched.label("matched"))
        .outerjoin(Organization, Organization.id == User.organization_id)
        .where(User.active.is_(True), User.erased_at.is_(None), User.role.in_(roles),
               sa.or_(*matches),
               sa.or_(User.role != Role.STUDENT, scope) if scope is not None else sa.true())
        .options(joinedload(User.organization), joinedload(User.student_profile),
                 joinedload(User.alumni_profile))
        .order_by(sa.desc("matched"), sa.func.lower(User.name), User.id)
        .offset((page - 1) * per_page).limit(per_page + 1)).unique().all()
    hits = [PersonHit(user, count) for user, count in rows]
    return PeoplePage(hits[:per_page], page, len(hits) > per_page, words)


def find_person(user_id: int) -> User | None:
    """The account with its organization and profiles, or None."""
    return db.session.get(User, user_id, options=[
        joinedload(User.organization), joinedload(User.student_profile),
        joinedload(User.alumni_profile)])


@dataclass
class OutcomeLine:
    key: str
    label: str
    count: int
    first: datetime | None


@dataclass
class PersonRecords:
    """What the person page shows; each list is empty where it does not apply."""

    applications: list[Application] = field(default_factory=list)
    placements: list[Placement] = field(default_factory=list)
    bookings: list[Booking] = field(default_factory=list)
    outcomes: list[OutcomeLine] = field(default_factory=list)
    postings: list[Opportunity] = field(default_factory=list)
    slots: list[MentoringSlot] = field(default_factory=list)
    sessions: list[Booking] = field(default_factory=list)


LIMIT = 200  # per list: a page, not an export


def person_records(person: User, viewer: User | None = None) -> PersonRecords:
    """A person's records by role, each list newest first: a student's applications,
    placements, mentoring bookings and evidence per outcome; an employer's organization's
    postings; an alum's slots and the sessions booked on them (by the students
    ``viewer`` may see, when given). A fixed number of queries."""
    records = PersonRecords()
    if person.role is Role.STUDENT:
        records.applications = db.session.scalars(
            sa.select(Application).where(Application.student_id == person.id)
            .options(joinedload(Application.opportunity).joinedload(Opportunity.organization))
            .order_by(Application.created_at.desc(), Application.id.desc())
            .limit(LIMIT)).unique().all()
        records.placements = db.session.scalars(
            sa.select(Placement).where(Placement.student_id == person.id)
            .options(joinedload(Placement.opportunity).joinedload(Opportunity.organization))
            .order_by(Placement.created_at.desc(), Placement.id.desc())
            .limit(LIMIT)).unique().all()
        records.bookings = db.session.scalars(
            sa.select(Booking).where(Booking.student_id == person.id)
            .options(joinedload(Booking.slot).joinedload(MentoringSlot.alumni))
            .order_by(Booking.starts_at.desc(), Booking.id.desc())
            .limit(LIMIT)).unique().all()
        when = sa.func.coalesce(OutcomeEvidence.occurred_at, OutcomeEvidence.recorded_at)
        found = {key: (count, first) for key, count, first in db.session.execute(
            sa.select(OutcomeEvidence.outcome, sa.func.count(OutcomeEvidence.id),
                      sa.func.min(when))
            .where(OutcomeEvidence.student_id == person.id)
            .group_by(OutcomeEvidence.outcome))}
        records.outcomes = [OutcomeLine(key, label, *found.get(key, (0, None)))
                            for key, label in OUTCOMES.items()]
    elif person.role is Role.EMPLOYER and person.organization_id is not None:
        records.postings = db.session.scalars(
            sa.select(Opportunity).where(Opportunity.organization_id == person.organization_id)
            .order_by(Opportunity.id.desc()).limit(LIMIT)).all()
    elif person.role is Role.ALUMNI:
        records.slots = db.session.scalars(
            sa.select(MentoringSlot).where(MentoringSlot.alumni_id == person.id)
            .order_by(MentoringSlot.starts_at.desc(), MentoringSlot.id.desc())
            .limit(LIMIT)).all()
        records.sessions = db.session.scalars(
            sa.select(Booking).join(MentoringSlot, MentoringSlot.id == Booking.slot_id)
            .where(MentoringSlot.alumni_id == person.id,
                   students_in_scope(viewer, Booking.student_id))
            .options(joinedload(Booking.student), joinedload(Booking.slot))
            .order_by(Booking.starts_at.desc(), Booking.id.desc())
            .limit(LIMIT)).unique().all()
    return records

