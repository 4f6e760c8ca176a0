"""An alum's home: sessions coming up, sessions to confirm, the weekly cap."""

from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.home.services.common import LIST_LIMIT
from marketplace.blueprints.mentoring.models import (
    Booking,
    BookingStatus,
    MentoringSlot,
    SlotStatus,
)
from marketplace.blueprints.mentoring.services import LIVE
from marketplace.core.clock import week_bounds
from marketplace.core.db import utcnow
from marketplace.core.extensions import db


@dataclass
class AlumniHome:
    zone: str
    upcoming: list[Booking]
    to_confirm: list[Booking]
    open_slots: int
    weekly_cap: int | None
    booked_this_week: int


def alumni_home(alum: User) -> AlumniHome:
    """Upcoming sessions, past ones still to be marked held or no-show, the weekly cap
    of the latest upcoming slot offered and this week's bookings against it. Four queries."""
    now = utcnow()
    zone = alum.time_zone
    bookings = (sa.select(Booking).join(Booking.slot).join(Booking.student)
                .options(contains_eager(Booking.slot), contains_eager(Booking.student))
                .where(MentoringSlot.alumni_id == alum.id,
                       Booking.status == BookingStatus.BOOKED))
    upcoming = db.session.scalars(bookings.where(Booking.starts_at > now)
                                  .order_by(Booking.starts_at, Booking.id)
                                  .limit(LIST_LIMIT)).unique().all()
    to_confirm = db.session.scalars(bookings.where(Booking.starts_at <= now)
                                    .order_by(Booking.starts_at, Booking.id)
                                    .limit(LIST_LIMIT)).unique().all()
    open_count, cap = db.session.execute(sa.select(
        sa.select(sa.func.count(MentoringSlot.id)).where(
            MentoringSlot.alumni_id == alum.id, MentoringSlot.status == SlotStatus.OPEN,
            MentoringSlot.starts_at > now,
            MentoringSlot.booked_count < MentoringSlot.capacity).scalar_subquery(),
        # Each slot carries the cap it was offered with: the latest offer still to come
        # says today's.
        sa.select(MentoringSlot.weekly_cap).where(
            MentoringSlot.alumni_id == alum.id, MentoringSlot.status == SlotStatus.OPEN,
            MentoringSlot.starts_at > now)
        .order_by(MentoringSlot.created_at.desc(), MentoringSlot.id.desc())
        .limit(1).scalar_subquery())).one()
    start, end = week_bounds(now, zone)
    this_week = db.session.scalar(
        sa.select(sa.func.count(Booking.id)).join(Booking.slot).where(
            MentoringSlot.alumni_id == alum.id, Booking.status.in_(LIVE),
            Booking.starts_at >= start, Booking.starts_at < end))
    return AlumniHome(zone, upcoming, to_confirm, int(open_count or 0), cap, int(this_week or 0))
