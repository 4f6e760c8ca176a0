"""Mentors: the alumni with open times, one card each, and one mentor's times by day."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.mentoring.models import Booking, BookingStatus, MentoringSlot
from marketplace.blueprints.mentoring.services.slots import (
    SlotFilters,
    open_slot_conditions,
    open_slots,
)
from marketplace.core.clock import in_zone
from marketplace.core.db import UTCDateTime, utcnow
from marketplace.core.extensions import db
from marketplace.core.policies import Role

MENTORS_PER_PAGE = 20


# Most open times one mentor page lists: a year of weekly series is far fewer.
MAX_MENTOR_TIMES = 500


@dataclass
class MentorCard:
    """One mentor in the list: their soonest open time matching the filters, how many
    such times they have, and what those times are about."""

    mentor: User
    next_slot: MentoringSlot
    open_count: int
    topics: list[str] = field(default_factory=list)


def listed_mentor() -> list:
    """The accounts that appear as mentors: alumni whose account is open (not closed,
    not erased)."""
    return [User.role == Role.ALUMNI, User.active.is_(True), User.erased_at.is_(None)]


def open_mentors(filters: SlotFilters, zone: str, limit: int = MENTORS_PER_PAGE,
                 after: tuple[datetime, int] | None = None,
                 ) -> tuple[list[MentorCard], tuple[datetime, int] | None]:
    """Mentors with open times matching ``filters``, the soonest available first.

    ``after`` is the (next open time, mentor id) the previous page ended at; returns the
    page and the key the next page starts after (None on the last). Reads only.
    """
    conditions = open_slot_conditions(filters, zone)
    first = sa.func.min(MentoringSlot.starts_at).label("first_start")
    statement = (sa.select(MentoringSlot.alumni_id, first, sa.func.count(MentoringSlot.id))
                 .join(User, User.id == MentoringSlot.alumni_id)
                 .where(*conditions, *listed_mentor())
                 .group_by(MentoringSlot.alumni_id)
                 .order_by(first, MentoringSlot.alumni_id).limit(limit + 1))
    if after is not None:
        statement = statement.having(sa.tuple_(first, MentoringSlot.alumni_id) > sa.tuple_(
            sa.literal(after[0], UTCDateTime), sa.literal(after[1])))
    rows = db.session.execute(statement).all()
    more, rows = len(rows) > limit, rows[:limit]
    if not rows:
        return [], None
    ids = [row[0] for row in rows]
    mentors = {user.id: user for user in db.session.scalars(
        sa.select(User).where(User.id.in_(ids)).options(joinedload(User.alumni_profile)))}
    # Each mentor's soonest matching slot (the earliest id when two start together).
    rank = sa.func.row_number().over(partition_by=MentoringSlot.alumni_id,
                                     order_by=(MentoringSlot.starts_at, MentoringSlot.id))
    ranked = (sa.select(MentoringSlot.id, rank.label("rank"))
              .where(*conditions, MentoringSlot.alumni_id.in_(ids)).subquery())
    next_slots = {slot.alumni_id: slot for slot in db.session.scalars(
        sa.select(MentoringSlot).join(ranked, ranked.c.id == MentoringSlot.id)
        .where(ranked.c.rank == 1))}
    topics: dict[int, list[str]] = {}
    for alumni_id, topic in db.session.execute(
            sa.select(MentoringSlot.alumni_id, MentoringSlot.topic)
            .where(*conditions, MentoringSlot.alumni_id.in_(ids))
            .group_by(MentoringSlot.alumni_id, MentoringSlot.topic)
            .order_by(MentoringSlot.alumni_id, sa.func.min(MentoringSlot.starts_at))):
        topics.setdefault(alumni_id, []).append(topic)
    cards = [MentorCard(mentor=mentors[alumni_id], next_slot=next_slots[alumni_id],
                        open_count=count, topics=topics.get(alumni_id, []))
             for alumni_id, _, count in rows]
    last = rows[-1]
    return cards, ((last[1], last[0]) if more else None)


def find_mentor(user_id: int) -> User | None:
    """The account with this id and its alumni profile, whoever it is (the caller checks
    it is a listed mentor)."""
    return db.session.scalar(sa.select(User).where(User.id == user_id)
                             .options(joinedload(User.alumni_profile)))


def mentor_times(mentor: User, zone: str) -> list[tuple[date, list[MentoringSlot]]]:
    """Every open time of ``mentor``, grouped by the day it falls on in ``zone`` (the
    viewer's), soonest first. Reads only."""
    slots = open_slots(SlotFilters(), zone, limit=MAX_MENTOR_TIMES, mentor_id=mentor.id)
    return times_by_day(slots, zone)


def times_by_day(slots: list[MentoringSlot], zone: str) -> list[tuple[date, list[MentoringSlot]]]:
    """``slots`` (in time order) grouped by their local day in ``zone``."""
    days: list[tuple[date, list[MentoringSlot]]] = []
    for slot in slots:
        day = in_zone(slot.starts_at, zone).date()
        if days and days[-1][0] == day:
            days[-1][1].append(slot)
        else:
            days.append((day, [slot]))
    return days


def sessions_with(student: User, mentor: User) -> list[Booking]:
    """The student's upcoming booked sessions with this mentor, soonest first."""
    return list(db.session.scalars(
        sa.select(Booking).join(MentoringSlot).where(
            Booking.student_id == student.id, MentoringSlot.alumni_id == mentor.id,
            Booking.status == BookingStatus.BOOKED, Booking.ends_at > utcnow())
        .options(joinedload(Booking.slot)).order_by(Booking.starts_at)))
