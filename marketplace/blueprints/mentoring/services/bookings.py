"""Bookings: booking within capacity and the weekly cap, cancelling, marking, reminders."""

from __future__ import annotations

from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.mentoring.models import (
    Booking,
    BookingStatus,
    MentoringSlot,
    SlotStatus,
)
from marketplace.blueprints.notifications.services import notify
from marketplace.core.clock import format_in_zone, week_bounds
from marketplace.core.db import end_read_transaction, lock_row, relock, utcnow
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from marketplace.core.extensions import db, write_transaction
from marketplace.core.outbox import enqueue_after_commit
from marketplace.core.policies import Role
from marketplace.core.text import reflection_text

CANCEL_DEADLINE = timedelta(hours=12)


REMINDER_BEFORE = timedelta(hours=24)


LIVE = (BookingStatus.BOOKED, BookingStatus.COMPLETED, BookingStatus.NO_SHOW)


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
    notify_booking(student, booking, "booking_confirmed",
                    f"Booked: mentoring with {slot.alumni.name}",
                    f"{when}. {slot.mode.label}. The calendar invitation is attached.")
    notify_booking(slot.alumni, booking, "booking_confirmed",
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
    _cancel(booking, by)
    slot = booking.slot
    notify_booking(slot.alumni, booking, "booking_cancelled",
                    f"{by.name} cancelled their mentoring booking",
                    f"The session on {format_in_zone(slot.starts_at, slot.time_zone)} is "
                    "free again.")
    # The student holds the invitation too: the cancellation removes it from their calendar.
    notify_booking(by, booking, "booking_cancelled",
                    f"Cancelled: mentoring with {slot.alumni.name}",
                    f"Your session on {format_in_zone(slot.starts_at, by.time_zone)} is "
                    "cancelled. The attached cancellation removes it from your calendar.")
    db.session.flush()
    return booking


def _cancel(booking: Booking, by: User) -> None:
    """Mark a live booking cancelled (a new calendar sequence) and give its place back."""
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = utcnow()
    booking.cancelled_by_id = by.id
    booking.sequence += 1
    db.session.execute(sa.update(MentoringSlot).where(
        MentoringSlot.id == booking.slot_id, MentoringSlot.booked_count > 0)
        .values(booked_count=MentoringSlot.booked_count - 1)
        .execution_options(synchronize_session=False))


def release_bookings(student: User, by: User) -> int:
    """Cancel every upcoming live booking of ``student`` on their behalf (their account is
    being erased): the places are free again and each alum is told, with the calendar
    cancellation. No 12-hour limit: the student will not come. Returns how many. Flushes.
    """
    if by.role is not Role.STAFF:
        raise PermissionDenied("Only career staff release a student's bookings.")
    ids = db.session.scalars(sa.select(Booking.id).where(
        Booking.student_id == student.id, Booking.status == BookingStatus.BOOKED,
        Booking.starts_at > utcnow()).order_by(Booking.id)).all()
    for booking_id in ids:
        booking = relock(Booking, booking_id)
        relock(MentoringSlot, booking.slot_id)
        _cancel(booking, by)
        slot = booking.slot
        notify_booking(slot.alumni, booking, "booking_cancelled",
                       "A student's mentoring booking is cancelled",
                       f"The session on {format_in_zone(slot.starts_at, slot.time_zone)} is "
                       "free again: the student's account was closed.")
    db.session.flush()
    return len(ids)


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


def notify_booking(user: User, booking: Booking, kind: str, title: str, body: str) -> None:
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
            notify_booking(user, booking, "booking_reminder",
                            f"Tomorrow: mentoring with {other.name}",
                            f"{format_in_zone(slot.starts_at, zone)}. {slot.mode.label}"
                            + (f": {slot.location}" if slot.location else "."))
        db.session.commit()
        sent += 1
    return sent
