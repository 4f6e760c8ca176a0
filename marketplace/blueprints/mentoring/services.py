"""Mentoring: slots, bookings that never overbook, invitations, reminders.

Booking rules hold under concurrent requests because the database enforces
them: the slot's ``booked_count`` is raised by one conditional UPDATE and a
CHECK constraint refuses any count above capacity; the student's and the
alum's account rows are locked (``FOR UPDATE`` on PostgreSQL, the write lock
taken at ``BEGIN IMMEDIATE`` on SQLite) before the overlap and weekly-cap
checks, so two bookings by one student, or two bookings of one alum's week,
are decided one after the other; a partial unique index keeps one live
booking per student per slot.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from marketplace.blueprints.accounts.models import AlumniProfile, User
from marketplace.blueprints.mentoring.models import (
    Booking,
    BookingStatus,
    MentoringSlot,
    SlotMode,
    SlotStatus,
)
from marketplace.blueprints.notifications.models import Notification
from marketplace.blueprints.notifications.services import notify
from marketplace.core.clock import format_in_zone, in_zone, local_to_utc, start_of_day, week_bounds
from marketplace.core.db import end_read_transaction, lock_row, relock, utcnow
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from marketplace.core.extensions import db, write_transaction
from marketplace.core.mail import Attachment
from marketplace.core.outbox import enqueue_after_commit
from marketplace.core.policies import Role
from marketplace.core.reference import CAREER_CLUSTERS, is_valid_time_zone
from marketplace.core.text import reflection_text

CANCEL_DEADLINE = timedelta(hours=12)


REMINDER_BEFORE = timedelta(hours=24)


MAX_SERIES_WEEKS = 26


DURATIONS = (15, 20, 30, 45, 60, 90, 120)


LIVE = (BookingStatus.BOOKED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


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
            _notify_booking(booking.student, booking, "booking_cancelled",
                            f"Cancelled: mentoring with {slot.alumni.name}",
                            f"{who} cancelled the session on "
                            f"{format_in_zone(slot.starts_at, booking.student.time_zone)}. "
                            "Your calendar invitation is withdrawn.")
    slot.booked_count = 0
    db.session.flush()
    return slot


def _lock_people(*user_ids: int) -> None:
    """Lock these account rows, in id order so two bookings never deadlock."""
    with write_transaction():
        # FOR NO KEY UPDATE: other transactions may still insert rows that refer
        # to these accounts (a cancelled booking's cancelled_by) without waiting.
        db.session.execute(sa.select(User.id).where(User.id.in_(sorted(set(user_ids))))
                           .order_by(User.id).with_for_update(key_share=True))


def book(slot_id: int, student: User, agenda: str = "") -> Booking:
    """Book a place for ``student``. Raises Conflict (409) when the slot is full,
    past or cancelled, or the student is already busy then. Flushes."""
    if student.role is not Role.STUDENT:
        raise PermissionDenied("Only students book mentoring sessions.")
    agenda = (agenda or "").strip()
    if len(agenda) > 2000:
        raise ValidationFailed("Keep the agenda under 2,000 characters.",
                               {"agenda": "At most 2,000 characters."})
    slot = db.session.get(MentoringSlot, slot_id)
    if slot is None:
        raise NotFound("No such slot.")
    people = (student.id, slot.alumni_id)
    end_read_transaction()
    _lock_people(*people)
    slot = db.session.scalar(sa.select(MentoringSlot).where(MentoringSlot.id == slot_id)
                             .execution_options(populate_existing=True))
    if slot.status is SlotStatus.CANCELLED:
        raise Conflict("This slot was cancelled by the mentor.")
    if slot.is_past:
        raise Conflict("This slot has already started.")
    if slot.alumni_id == student.id:
        raise Conflict("You cannot book your own slot.")
    if db.session.scalar(sa.select(Booking.id).where(
            Booking.slot_id == slot.id, Booking.student_id == student.id,
            Booking.status == BookingStatus.BOOKED)):
        raise Conflict("You have already booked this slot.")
    clash = db.session.scalar(sa.select(Booking).where(
        Booking.student_id == student.id, Booking.status == BookingStatus.BOOKED,
        Booking.starts_at < slot.ends_at, Booking.ends_at > slot.starts_at).limit(1))
    if clash is not None:
        raise Conflict("You already have a mentoring session at that time ("
                       f"{format_in_zone(clash.starts_at, student.time_zone)}).")
    if slot.weekly_cap:
        start, end = week_bounds(slot.starts_at, slot.time_zone)
        taken = db.session.scalar(
            sa.select(sa.func.count(Booking.id)).join(MentoringSlot).where(
                MentoringSlot.alumni_id == slot.alumni_id, Booking.status.in_(LIVE),
                Booking.starts_at >= start, Booking.starts_at < end))
        if taken >= slot.weekly_cap:
            raise Conflict(f"{slot.alumni.name} has reached their limit of {slot.weekly_cap} "
                           "sessions that week. Try another week.")
    claimed = db.session.execute(
        sa.update(MentoringSlot).where(
            MentoringSlot.id == slot.id, MentoringSlot.status == SlotStatus.OPEN,
            MentoringSlot.booked_count < MentoringSlot.capacity)
        .values(booked_count=MentoringSlot.booked_count + 1)
        .execution_options(synchronize_session=False)).rowcount
    if claimed != 1:
        status = db.session.scalar(sa.select(MentoringSlot.status).where(
            MentoringSlot.id == slot.id))
        if status is SlotStatus.CANCELLED:
            raise Conflict("This slot was cancelled by the mentor.")
        raise Conflict("This slot is full. Choose another time.")
    booking = Booking(slot_id=slot.id, student_id=student.id, agenda=agenda,
                      starts_at=slot.starts_at, ends_at=slot.ends_at)
    db.session.add(booking)
    try:
        db.session.flush()
    except IntegrityError:
        db.session.rollback()
        raise Conflict("You have already booked this slot.") from None
    db.session.refresh(slot)
    when = format_in_zone(slot.starts_at, student.time_zone)
    _notify_booking(student, booking, "booking_confirmed",
                    f"Booked: mentoring with {slot.alumni.name}",
                    f"{when}. {slot.mode.label}. The calendar invitation is attached.")
    _notify_booking(slot.alumni, booking, "booking_confirmed",
                    f"{student.name} booked your mentoring slot",
                    f"{format_in_zone(slot.starts_at, slot.time_zone)}."
                    + (f" Agenda: {agenda}" if agenda else ""))
    return booking


def _load_booking(booking_id: int) -> Booking:
    booking = lock_row(Booking, booking_id)
    if booking is None:
        raise NotFound("No such booking.")
    return booking


def cancel_booking(booking_id: int, by: User) -> Booking:
    """The student gives up a place, until 12 hours before the session. Flushes.

    Locks the slot before the booking, the order ``cancel_slot`` uses, so the two
    never deadlock.
    """
    slot_id = db.session.scalar(sa.select(Booking.slot_id).where(Booking.id == booking_id))
    if slot_id is None:
        raise NotFound("No such booking.")
    lock_row(MentoringSlot, slot_id)
    booking = relock(Booking, booking_id)
    if booking.student_id != by.id:
        raise NotFound("No such booking.")
    if booking.status is not BookingStatus.BOOKED:
        raise Conflict(f"This booking is already {booking.status.label.lower()}.")
    if booking.starts_at - utcnow() < CANCEL_DEADLINE:
        raise Conflict("Bookings can be cancelled until 12 hours before the session. "
                       "Please contact your mentor directly.")
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = utcnow()
    booking.cancelled_by_id = by.id
    booking.sequence += 1
    db.session.execute(sa.update(MentoringSlot).where(
        MentoringSlot.id == booking.slot_id, MentoringSlot.booked_count > 0)
        .values(booked_count=MentoringSlot.booked_count - 1)
        .execution_options(synchronize_session=False))
    slot = booking.slot
    _notify_booking(slot.alumni, booking, "booking_cancelled",
                    f"{by.name} cancelled their mentoring booking",
                    f"The session on {format_in_zone(slot.starts_at, slot.time_zone)} is "
                    "free again.")
    db.session.flush()
    return booking


def mark_booking(booking_id: int, by: User, status: BookingStatus) -> Booking:
    """The alum confirms the session was held (``completed``) or not (``no_show``),
    once it has started. Completed sessions become Connections evidence. Flushes."""
    if status not in (BookingStatus.COMPLETED, BookingStatus.NO_SHOW):
        raise ValidationFailed("Mark a session completed or no-show.",
                               {"status": "completed or no_show."})
    booking = _load_booking(booking_id)
    if booking.slot.alumni_id != by.id:
        raise NotFound("No such booking.")
    if booking.status is not BookingStatus.BOOKED:
        raise Conflict(f"This booking is already {booking.status.label.lower()}.")
    if booking.starts_at > utcnow():
        raise Conflict("The session has not started yet.")
    booking.status = status
    booking.completed_at = utcnow()
    if status is BookingStatus.COMPLETED:
        enqueue_after_commit("record_mentoring_evidence", booking.id)
    db.session.flush()
    return booking


def add_booking_reflection(booking_id: int, student: User, text: str) -> Booking:
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.student_id != student.id:
        raise NotFound("No such booking.")
    if booking.status is not BookingStatus.COMPLETED:
        raise Conflict("You can add a reflection once your mentor confirms the session.")
    booking.reflection = reflection_text(text)
    db.session.flush()
    return booking


def _notify_booking(user: User, booking: Booking, kind: str, title: str, body: str) -> None:
    if user.id == booking.student_id:
        notification = notify(user, kind, title, body, link="mentoring.my_bookings", email=False)
    else:
        notification = notify(user, kind, title, body, link="mentoring.show_slot", email=False,
                              slot_id=booking.slot_id)
    notification.booking_id = booking.id
    db.session.flush()
    enqueue_after_commit("send_notification_email", notification.id)


def send_due_reminders(now: datetime | None = None) -> int:
    """Remind both sides of each booking starting within 24 hours, once; commits each
    booking's claim and reminders on its own, so one failure does not resend the others.

    Each booking is claimed by a conditional UPDATE of ``reminder_sent_at``;
    only the run whose UPDATE changed the row sends, so two workers running this
    at once send one reminder. Returns the number of bookings reminded.
    """
    now = now or utcnow()
    due = db.session.scalars(sa.select(Booking.id).where(
        Booking.status == BookingStatus.BOOKED, Booking.reminder_sent_at.is_(None),
        Booking.starts_at > now, Booking.starts_at <= now + REMINDER_BEFORE)
        .order_by(Booking.starts_at).limit(500)).all()
    db.session.commit()  # end the read, so each claim below takes SQLite's write lock up front
    sent = 0
    for booking_id in due:
        with write_transaction():
            claimed = db.session.execute(
                sa.update(Booking).where(Booking.id == booking_id,
                                         Booking.reminder_sent_at.is_(None),
                                         Booking.status == BookingStatus.BOOKED)
                .values(reminder_sent_at=now)
                .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            db.session.rollback()
            continue
        booking = db.session.get(Booking, booking_id)
        slot = booking.slot
        for user, zone, other in ((booking.student, booking.student.time_zone, slot.alumni),
                                  (slot.alumni, slot.time_zone, booking.student)):
            _notify_booking(user, booking, "booking_reminder",
                            f"Tomorrow: mentoring with {other.name}",
                            f"{format_in_zone(slot.starts_at, zone)}. {slot.mode.label}"
                            + (f": {slot.location}" if slot.location else "."))
        db.session.commit()
        sent += 1
    return sent


def invitation(booking: Booking, cancelled: bool | None = None) -> bytes:
    """The booking as an iCalendar invitation (REQUEST), or its CANCEL.

    The UID is stable per booking, so a calendar replaces the event on an update
    and removes it on a cancellation.
    """
    from icalendar import Calendar, Event, vCalAddress, vText

    slot = booking.slot
    if cancelled is None:
        cancelled = booking.status is BookingStatus.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", "-//Career Connections//Mentoring//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "CANCEL" if cancelled else "REQUEST")
    event = Event()
    host = current_app.config["BASE_URL"].split("://", 1)[-1].split("/")[0].split(":")[0]
    event.add("uid", f"booking-{booking.id}@{host or 'career-connections'}")
    event.add("sequence", booking.sequence)
    event.add("dtstamp", utcnow())
    zone = ZoneInfo(slot.time_zone)
    event.add("dtstart", slot.starts_at.astimezone(zone))
    event.add("dtend", slot.ends_at.astimezone(zone))
    event.add("summary", f"Mentoring: {slot.topic}")
    description = f"{slot.mode.label} with {slot.alumni.name}, booked through Career Connections."
    if booking.agenda:
        description += f"\n\nAgenda: {booking.agenda}"
    event.add("description", description)
    if slot.location and not cancelled and booking.status is BookingStatus.BOOKED:
        event.add("location", slot.location)  # only while the place is held
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{slot.alumni.email}")
    organizer.params["cn"] = vText(slot.alumni.name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{booking.student.email}")
    attendee.params["cn"] = vText(booking.student.name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("ACCEPTED")
    event.add("attendee", attendee)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def invitation_for(notification: Notification):
    """The .ics attachment a mentoring notification carries, if any."""

    if notification.booking_id is None:
        return None
    booking = db.session.get(Booking, notification.booking_id)
    if booking is None:
        return None
    cancelled = notification.kind == "booking_cancelled"
    if not cancelled and booking.status is not BookingStatus.BOOKED:
        return None  # sent late, after a cancellation: never put the event back
    return Attachment(filename="cancel.ics" if cancelled else "invite.ics",
                      content=invitation(booking, cancelled=cancelled), maintype="text",
                      subtype="calendar",
                      params={"method": "CANCEL" if cancelled else "REQUEST"})


@dataclass
class SlotFilters:
    cluster: str | None = None
    employer: str | None = None
    mode: SlotMode | None = None
    date_from: date | None = None
    date_to: date | None = None


def parse_slot_filters(args, zone: str) -> tuple[SlotFilters, dict[str, str]]:
    filters, errors = SlotFilters(), {}
    cluster = (args.get("cluster") or "").strip()
    if cluster:
        if cluster in CAREER_CLUSTERS:
            filters.cluster = cluster
        else:
            errors["cluster"] = "Unknown career cluster."
    employer = (args.get("employer") or "").strip()[:120]
    filters.employer = employer or None
    mode = (args.get("mode") or "").strip()
    if mode:
        try:
            filters.mode = SlotMode(mode)
        except ValueError:
            errors["mode"] = "Unknown mode."
    for key in ("date_from", "date_to"):
        value = (args.get(key) or "").strip()
        if value:
            try:
                day = date.fromisoformat(value)
            except ValueError:
                errors[key] = "Use a date like 2026-03-10."
                continue
            today = utcnow().date()
            if abs((day - today).days) > 3 * 366:
                errors[key] = "Choose a date within three years of today."
            else:
                setattr(filters, key, day)
    return filters, errors


def open_slots(filters: SlotFilters, zone: str, limit: int = 200) -> list[MentoringSlot]:
    """Upcoming open slots with places left, soonest first."""
    from sqlalchemy.orm import joinedload

    statement = (sa.select(MentoringSlot)
                 .where(MentoringSlot.status == SlotStatus.OPEN,
                        MentoringSlot.starts_at > utcnow(),
                        MentoringSlot.booked_count < MentoringSlot.capacity)
                 .options(joinedload(MentoringSlot.alumni).joinedload(User.alumni_profile))
                 .order_by(MentoringSlot.starts_at, MentoringSlot.id).limit(limit))
    if filters.cluster:
        statement = statement.where(MentoringSlot.career_cluster == filters.cluster)
    if filters.mode:
        statement = statement.where(MentoringSlot.mode == filters.mode)
    if filters.employer:
        pattern = "%" + filters.employer.replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        statement = statement.where(MentoringSlot.alumni_id.in_(
            sa.select(AlumniProfile.user_id).where(
                AlumniProfile.employer.ilike(pattern, escape="\\"))))
    if filters.date_from:
        statement = statement.where(MentoringSlot.starts_at >= start_of_day(
            filters.date_from, zone))
    if filters.date_to:
        statement = statement.where(MentoringSlot.starts_at < start_of_day(
            filters.date_to + timedelta(days=1), zone))
    return list(db.session.scalars(statement).unique())


def no_show_counts(minimum: int = 2) -> list[tuple[User, int, int]]:
    """Students with at least ``minimum`` no-shows: (student, no-shows, completed)."""
    no_shows = sa.func.sum(sa.case((Booking.status == BookingStatus.NO_SHOW, 1), else_=0))
    completed = sa.func.sum(sa.case((Booking.status == BookingStatus.COMPLETED, 1), else_=0))
    rows = db.session.execute(
        sa.select(Booking.student_id, no_shows, completed).group_by(Booking.student_id)
        .having(no_shows >= minimum).order_by(no_shows.desc())).all()
    users = {user.id: user for user in db.session.scalars(
        sa.select(User).where(User.id.in_([row[0] for row in rows])))}
    return [(users[student_id], int(shows), int(done)) for student_id, shows, done in rows]
