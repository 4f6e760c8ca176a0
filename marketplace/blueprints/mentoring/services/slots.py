"""Slots and weekly series: an alum's open times, in their own zone."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from marketplace.blueprints.accounts.models import AlumniProfile, User
from marketplace.blueprints.accounts.policies import students_in_scope
from marketplace.blueprints.mentoring.models import (
    Booking,
    BookingStatus,
    MentoringSlot,
    SlotMode,
    SlotStatus,
)
from marketplace.blueprints.mentoring.services.bookings import notify_booking
from marketplace.core.clock import format_in_zone, in_zone, local_to_utc, start_of_day
from marketplace.core.db import UTCDateTime, lock_row, utcnow
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from marketplace.core.reference import CAREER_CLUSTERS, is_valid_time_zone

MAX_SERIES_WEEKS = 26


DURATIONS = (15, 20, 30, 45, 60, 90, 120)


@dataclass
class SlotDetails:
    """What an alum fills in. ``starts_at`` is aware; the series repeats it weekly
    at the same wall-clock time in ``time_zone``."""

    starts_at: datetime
    duration_minutes: int
    time_zone: str
    topic: str
    capacity: int = 1
    mode: SlotMode = SlotMode.VIDEO
    location: str = ""
    career_cluster: str | None = None
    weekly_cap: int | None = None
    repeat_weeks: int = 1


def validate_slot(details: SlotDetails) -> dict[str, str]:
    errors: dict[str, str] = {}
    if not is_valid_time_zone(details.time_zone):
        errors["time_zone"] = "Choose a time zone from the list."
    if details.starts_at.tzinfo is None:
        errors["starts_at"] = "Give the time with its offset or time zone."
    elif details.starts_at <= utcnow() + timedelta(minutes=30):
        errors["starts_at"] = "Offer a time at least 30 minutes from now."
    elif details.starts_at > utcnow() + timedelta(days=366):
        errors["starts_at"] = "Offer a time within the next year."
    if not 15 <= details.duration_minutes <= 240:
        errors["duration_minutes"] = "Between 15 and 240 minutes."
    if not 1 <= details.capacity <= 50:
        errors["capacity"] = "Between 1 and 50 students."
    topic = details.topic.strip()
    if not topic:
        errors["topic"] = "Say what you can help with, e.g. “Breaking into nursing”."
    elif len(topic) > 200:
        errors["topic"] = "At most 200 characters."
    if len(details.location) > 300:
        errors["location"] = "At most 300 characters."
    if details.mode is SlotMode.IN_PERSON and not details.location.strip():
        errors["location"] = "Say where to meet."
    if details.career_cluster and details.career_cluster not in CAREER_CLUSTERS:
        errors["career_cluster"] = "Choose a career cluster from the list."
    if details.weekly_cap is not None and not 1 <= details.weekly_cap <= 100:
        errors["weekly_cap"] = "Between 1 and 100, or leave it empty."
    if not 1 <= details.repeat_weeks <= MAX_SERIES_WEEKS:
        errors["repeat_weeks"] = f"Between 1 and {MAX_SERIES_WEEKS} weeks."
    return errors


def series_starts(first: datetime, zone: str, weeks: int) -> list[datetime]:
    """``weeks`` weekly instants at ``first``'s wall-clock time in ``zone``, across
    daylight-saving changes."""
    local = in_zone(first, zone)
    return [local_to_utc(local.date() + timedelta(weeks=week), local.time().replace(tzinfo=None),
                         zone) for week in range(weeks)]


def create_slots(alum: User, details: SlotDetails) -> list[MentoringSlot]:
    """Offer one slot, or a weekly series of ``repeat_weeks``. Flushes."""
    if alum.role is not Role.ALUMNI:
        raise PermissionDenied("Only alumni offer mentoring slots.")
    errors = validate_slot(details)
    if errors:
        raise ValidationFailed("Please correct the slot details.", errors)
    starts = series_starts(details.starts_at, details.time_zone, details.repeat_weeks)
    series_id = uuid.uuid4().hex if details.repeat_weeks > 1 else None
    length = timedelta(minutes=details.duration_minutes)
    slots = [MentoringSlot(
        alumni_id=alum.id, starts_at=start, ends_at=start + length,
        duration_minutes=details.duration_minutes, time_zone=details.time_zone,
        capacity=details.capacity, mode=details.mode, location=details.location.strip(),
        topic=details.topic.strip(), career_cluster=details.career_cluster or None,
        weekly_cap=details.weekly_cap, series_id=series_id) for start in starts]
    db.session.add_all(slots)
    db.session.flush()
    return slots


def cancel_slot(slot_id: int, by: User) -> MentoringSlot:
    """The alum (or staff) withdraws a slot; every booked student is told, with a
    calendar cancellation. Flushes."""
    slot = lock_row(MentoringSlot, slot_id)
    if slot is None or not (by.id == slot.alumni_id or by.role is Role.STAFF):
        raise NotFound("No such slot.")
    if slot.status is SlotStatus.CANCELLED:
        raise Conflict("This slot is already cancelled.")
    if slot.is_past:
        raise Conflict("This slot has already started; mark each booking completed or no-show.")
    now = utcnow()
    slot.status = SlotStatus.CANCELLED
    slot.cancelled_at = now
    for booking in slot.bookings:
        if booking.status is BookingStatus.BOOKED:
            booking.status = BookingStatus.CANCELLED
            booking.cancelled_at = now
            booking.cancelled_by_id = by.id
            booking.sequence += 1
            who = slot.alumni.name if by.id == slot.alumni_id else "Career staff"
            notify_booking(booking.student, booking, "booking_cancelled",
                            f"Cancelled: mentoring with {slot.alumni.name}",
                            f"{who} cancelled the session on "
                            f"{format_in_zone(slot.starts_at, booking.student.time_zone)}. "
                            "Your calendar invitation is withdrawn.")
    slot.booked_count = 0
    db.session.flush()
    return slot


@dataclass
class SlotFilters:
    cluster: str | None = None
    employer: str | None = None
    mode: SlotMode | None = None
    date_from: date | None = None
    date_to: date | None = None


def open_slot_conditions(filters: SlotFilters, zone: str) -> list:
    """What makes a slot open to book (upcoming, places left) and match ``filters``;
    dates are whole days in ``zone``."""
    conditions = [MentoringSlot.status == SlotStatus.OPEN,
                  MentoringSlot.starts_at > utcnow(),
                  MentoringSlot.booked_count < MentoringSlot.capacity]
    if filters.cluster:
        conditions.append(MentoringSlot.career_cluster == filters.cluster)
    if filters.mode:
        conditions.append(MentoringSlot.mode == filters.mode)
    if filters.employer:
        pattern = "%" + filters.employer.replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        conditions.append(MentoringSlot.alumni_id.in_(
            sa.select(AlumniProfile.user_id).where(
                AlumniProfile.employer.ilike(pattern, escape="\\"))))
    if filters.date_from:
        conditions.append(MentoringSlot.starts_at >= start_of_day(filters.date_from, zone))
    if filters.date_to:
        conditions.append(MentoringSlot.starts_at < start_of_day(
            filters.date_to + timedelta(days=1), zone))
    return conditions


def open_slots(filters: SlotFilters, zone: str, limit: int = 200,
               after: tuple[datetime, int] | None = None,
               mentor_id: int | None = None) -> list[MentoringSlot]:
    """Upcoming open slots with places left, soonest first; ``after`` (start, id) continues
    a list where its last page ended; ``mentor_id`` keeps one alum's."""
    statement = (sa.select(MentoringSlot)
                 .where(*open_slot_conditions(filters, zone))
                 .options(joinedload(MentoringSlot.alumni).joinedload(User.alumni_profile))
                 .order_by(MentoringSlot.starts_at, MentoringSlot.id).limit(limit))
    if after is not None:
        statement = statement.where(sa.tuple_(MentoringSlot.starts_at, MentoringSlot.id)
                                    > sa.tuple_(sa.literal(after[0], UTCDateTime),
                                                sa.literal(after[1])))
    if mentor_id is not None:
        statement = statement.where(MentoringSlot.alumni_id == mentor_id)
    return list(db.session.scalars(statement).unique())


def no_show_counts(minimum: int = 2, viewer: User | None = None) -> list[tuple[User, int, int]]:
    """Students with at least ``minimum`` no-shows: (student, no-shows, completed); with a
    ``viewer`` (staff), only the students they may see (a school's staff: their school's)."""
    no_shows = sa.func.sum(sa.case((Booking.status == BookingStatus.NO_SHOW, 1), else_=0))
    completed = sa.func.sum(sa.case((Booking.status == BookingStatus.COMPLETED, 1), else_=0))
    rows = db.session.execute(
        sa.select(Booking.student_id, no_shows, completed)
        .where(students_in_scope(viewer, Booking.student_id)).group_by(Booking.student_id)
        .having(no_shows >= minimum).order_by(no_shows.desc())).all()
    users = {user.id: user for user in db.session.scalars(
        sa.select(User).where(User.id.in_([row[0] for row in rows])))}
    return [(users[student_id], int(shows), int(done)) for student_id, shows, done in rows]
