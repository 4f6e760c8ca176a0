"""Registration: places within capacity, a waitlist promoted in order, reminders,
no-shows and the pause that three of them in a term bring.

Every change of an event's places happens with the event row locked (``FOR UPDATE`` on
PostgreSQL, the write lock taken at ``BEGIN IMMEDIATE`` on SQLite), so registrations,
cancellations, check-ins and capacity changes of one event are decided one at a time;
the CHECK constraint on ``registered_count`` refuses a count above capacity whatever
the code above it does.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from marketplace.blueprints.accounts.models import StudentProfile, User
from marketplace.blueprints.accounts.policies import can_staff_see_student
from marketplace.blueprints.events.models import (
    Event,
    EventRegistration,
    EventStatus,
    RegistrationPause,
    RegistrationStatus,
)
from marketplace.blueprints.notifications.services import notify
from marketplace.core.clock import format_in_zone
from marketplace.core.db import lock_row, utcnow
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from marketplace.core.extensions import db, write_transaction
from marketplace.core.policies import Role

REMINDER_BEFORE = timedelta(hours=24)
NO_SHOWS_TO_PAUSE = 3
# Attendance is final this long after an event ends (late check-ins, a slow kiosk).
NO_SHOW_AFTER = timedelta(hours=2)


def _notify(student: User, event: Event, kind: str, title: str, body: str) -> None:
    notify(student, kind, title, body, link="events.show_event", event_id=event.id)


def tell_registrants(event: Event, kind: str, title: str, body: Callable[[str], str],
                     waiting_too: bool = False) -> None:
    """Notify every student holding a place (and those waiting, if asked); ``body``
    gets each student's time zone."""
    statuses = [RegistrationStatus.REGISTERED]
    if waiting_too:
        statuses.append(RegistrationStatus.WAITLISTED)
    for registration in db.session.scalars(sa.select(EventRegistration).where(
            EventRegistration.event_id == event.id,
            EventRegistration.status.in_(statuses))):
        student = registration.student
        _notify(student, event, kind, title, body(student.time_zone))


def active_pause(student_id: int) -> RegistrationPause | None:
    return db.session.scalar(sa.select(RegistrationPause).where(
        RegistrationPause.student_id == student_id, RegistrationPause.lifted_at.is_(None)))


def audience_problem(event: Event, student: User) -> str | None:
    """Why ``student`` is outside the event's audience, or None."""
    profile = db.session.get(StudentProfile, student.id)
    years = event.audience_years or []
    if years and (profile is None or profile.graduation_year not in years):
        listed = ", ".join(str(year) for year in years)
        return (f"This event is for the class of {listed}. Your profile says "
                f"{profile.graduation_year if profile and profile.graduation_year else 'no year'}.")
    clusters = set(event.audience_clusters or [])
    if clusters and (profile is None or not clusters & set(profile.clusters)):
        return ("This event is for students interested in other career clusters. Add the "
                "cluster to your profile if it interests you.")
    return None


def registration_of(event_id: int, student_id: int) -> EventRegistration | None:
    return db.session.scalar(sa.select(EventRegistration).where(
        EventRegistration.event_id == event_id, EventRegistration.student_id == student_id))


def register(event_id: int, student: User) -> tuple[EventRegistration, bool]:
    """Give ``student`` a place, or a place in line when the event is full.

    Returns (registration, created): a second request for the same student returns their
    registration as it stands. Raises NotFound (no such published event), Conflict
    (cancelled, closed, paused) or ValidationFailed (outside the audience). Locks the
    event row. Flushes.
    """
    if student.role is not Role.STUDENT:
        raise PermissionDenied("Only students register for events.")
    event = lock_row(Event, event_id)
    if event is None or event.status is EventStatus.DRAFT:
        raise NotFound("No such event.")
    if event.status is EventStatus.CANCELLED:
        raise Conflict("This event was cancelled.")
    existing = registration_of(event.id, student.id)
    if existing is not None and existing.status is not RegistrationStatus.CANCELLED:
        return existing, False
    now = utcnow()
    if now >= event.closes_at:
        raise Conflict("Registration closed on "
                       f"{format_in_zone(event.closes_at, student.time_zone)}.")
    problem = audience_problem(event, student)
    if problem:
        raise ValidationFailed(problem, {"audience": problem})
    if active_pause(student.id) is not None:
        raise Conflict("Your event registrations are paused after three no-shows this "
                       "term. Ask the career center to lift the pause.")
    registration = existing or EventRegistration(event_id=event.id, student_id=student.id)
    registration.cancelled_at = None
    # Counted in SQL, not from the values read: under the lock they agree, and should a
    # path ever skip the lock the conditional UPDATE still never passes capacity.
    claimed = db.session.execute(
        sa.update(Event).where(Event.id == event.id,
                               Event.registered_count < Event.capacity)
        .values(registered_count=Event.registered_count + 1)
        .execution_options(synchronize_session=False)).rowcount
    if claimed == 1:
        registration.status = RegistrationStatus.REGISTERED
        registration.registered_at = now
        registration.waitlist_position = None
    else:
        registration.status = RegistrationStatus.WAITLISTED
        registration.waitlist_position = db.session.scalar(
            sa.update(Event).where(Event.id == event.id)
            .values(waitlist_counter=Event.waitlist_counter + 1)
            .returning(Event.waitlist_counter).execution_options(synchronize_session=False))
    db.session.refresh(event, ["registered_count", "waitlist_counter"])
    if existing is None:
        db.session.add(registration)
    db.session.flush()
    zone = student.time_zone
    if registration.status is RegistrationStatus.REGISTERED:
        _notify(student, event, "event_registered", f"Registered: {event.title}",
                f"{format_in_zone(event.starts_at, zone)}. Show your check-in code at the door.")
    else:
        _notify(student, event, "event_waitlisted", f"On the waitlist: {event.title}",
                f"You are number {waitlist_rank(registration)} in line. We will tell you "
                "as soon as a place frees up.")
    return registration, True


def waitlist_rank(registration: EventRegistration) -> int | None:
    """1 for the next in line."""
    if registration.status is not RegistrationStatus.WAITLISTED:
        return None
    return db.session.scalar(sa.select(sa.func.count(EventRegistration.id)).where(
        EventRegistration.event_id == registration.event_id,
        EventRegistration.status == RegistrationStatus.WAITLISTED,
        EventRegistration.waitlist_position <= registration.waitlist_position))


def cancel_registration(event_id: int, student: User) -> EventRegistration:
    """The student gives up their place (the next in line gets it) or leaves the line,
    until the event starts. Locks the event row. Flushes."""
    event = lock_row(Event, event_id)
    if event is None or event.status is EventStatus.DRAFT:
        raise NotFound("No such event.")
    registration = registration_of(event.id, student.id)
    if registration is None or registration.status is RegistrationStatus.CANCELLED:
        raise NotFound("You are not registered for this event.")
    if registration.status not in (RegistrationStatus.REGISTERED,
                                   RegistrationStatus.WAITLISTED):
        raise Conflict(f"Your registration is already {registration.status.label.lower()}.")
    if utcnow() >= event.starts_at:
        raise Conflict("The event has started; registrations can no longer be cancelled.")
    held = registration.status is RegistrationStatus.REGISTERED
    registration.status = RegistrationStatus.CANCELLED
    registration.cancelled_at = utcnow()
    registration.waitlist_position = None
    if held:
        event.registered_count -= 1
    db.session.flush()
    fill_places(event)
    db.session.flush()
    return registration


def fill_places(event: Event) -> int:
    """Give free places to the waitlist, first in line first, and tell each student.
    The caller holds the event row's lock. Returns how many were promoted. Flushes."""
    if event.status is not EventStatus.PUBLISHED or event.starts_at <= utcnow():
        return 0
    free = event.capacity - event.registered_count
    if free <= 0:
        return 0
    promoted = db.session.scalars(sa.select(EventRegistration).where(
        EventRegistration.event_id == event.id,
        EventRegistration.status == RegistrationStatus.WAITLISTED)
        .order_by(EventRegistration.waitlist_position).limit(free)).all()
    now = utcnow()
    for registration in promoted:
        registration.status = RegistrationStatus.REGISTERED
        registration.waitlist_position = None
        registration.registered_at = now
        event.registered_count += 1
        db.session.flush()
        student = registration.student
        _notify(student, event, "event_promoted", f"You have a place: {event.title}",
                f"A place freed up and it is yours. "
                f"{format_in_zone(event.starts_at, student.time_zone)}.")
    return len(promoted)


def send_due_reminders(now: datetime | None = None) -> int:
    """Remind each registered student of an event starting within 24 hours, once; commits
    each registration's claim with its notification, so one failure resends nothing.

    Each registration is claimed by a conditional UPDATE of ``reminder_sent_at``; only the
    run whose UPDATE changed the row sends, so two runs at once send one reminder.
    """
    now = now or utcnow()
    due = db.session.scalars(sa.select(EventRegistration.id).join(Event).where(
        EventRegistration.status == RegistrationStatus.REGISTERED,
        EventRegistration.reminder_sent_at.is_(None), Event.status == EventStatus.PUBLISHED,
        Event.starts_at > now, Event.starts_at <= now + REMINDER_BEFORE)
        .order_by(Event.starts_at).limit(1000)).all()
    db.session.commit()  # end the read, so each claim below takes SQLite's write lock up front
    sent = 0
    for registration_id in due:
        with write_transaction():
            claimed = db.session.execute(
                sa.update(EventRegistration).where(
                    EventRegistration.id == registration_id,
                    EventRegistration.reminder_sent_at.is_(None),
                    EventRegistration.status == RegistrationStatus.REGISTERED)
                .values(reminder_sent_at=now)
                .execution_options(synchronize_session=False)).rowcount
        if claimed != 1:
            db.session.rollback()
            continue
        registration = db.session.get(EventRegistration, registration_id)
        event, student = registration.event, registration.student
        _notify(student, event, "event_reminder", f"Tomorrow: {event.title}",
                f"{format_in_zone(event.starts_at, student.time_zone)}"
                + (f", {event.place}" if event.place else "")
                + ". Bring your check-in code (My check-in code in the menu).")
        db.session.commit()
        sent += 1
    return sent


def term_start(instant: datetime) -> datetime:
    """The start of the term ``instant`` falls in: terms run January–June and
    July–December in the institution's time zone."""
    zone = ZoneInfo(current_app.config.get("INSTITUTION_TIME_ZONE", "America/New_York"))
    local = instant.astimezone(zone)
    month = 1 if local.month <= 6 else 7
    return datetime(local.year, month, 1, tzinfo=zone).astimezone(UTC)


def mark_no_shows(now: datetime | None = None) -> int:
    """After an event at which attendance was taken (at least one check-in), mark every
    place still only registered as a no-show, then pause the students with three no-shows
    this term. Commits per event. Safe to rerun: a marked place is not marked again.
    Returns how many places were marked."""
    now = now or utcnow()
    took_attendance = sa.exists().where(
        EventRegistration.event_id == Event.id,
        EventRegistration.status == RegistrationStatus.ATTENDED)
    events = db.session.scalars(sa.select(Event.id).where(
        Event.status == EventStatus.PUBLISHED, Event.ends_at <= now - NO_SHOW_AFTER,
        Event.ends_at > now - timedelta(days=30), took_attendance,
        sa.exists().where(EventRegistration.event_id == Event.id,
                          EventRegistration.status == RegistrationStatus.REGISTERED))).all()
    db.session.commit()
    marked = 0
    for event_id in events:
        with write_transaction():
            students = db.session.scalars(
                sa.update(EventRegistration).where(
                    EventRegistration.event_id == event_id,
                    EventRegistration.status == RegistrationStatus.REGISTERED)
                .values(status=RegistrationStatus.NO_SHOW, no_show_at=now)
                .returning(EventRegistration.student_id)
                .execution_options(synchronize_session=False)).all()
        for student_id in students:
            pause_if_due(student_id, now)
        db.session.commit()
        marked += len(students)
    return marked


def no_shows_this_term(student_id: int, now: datetime | None = None) -> int:
    """No-shows at events of the current term, after the last pause staff lifted."""
    now = now or utcnow()
    since = term_start(now)
    lifted = db.session.scalar(sa.select(sa.func.max(RegistrationPause.lifted_at)).where(
        RegistrationPause.student_id == student_id))
    statement = sa.select(sa.func.count(EventRegistration.id)).join(Event).where(
        EventRegistration.student_id == student_id,
        EventRegistration.status == RegistrationStatus.NO_SHOW, Event.starts_at >= since)
    if lifted is not None:
        statement = statement.where(EventRegistration.no_show_at > lifted)
    return db.session.scalar(statement) or 0


def pause_if_due(student_id: int, now: datetime | None = None) -> RegistrationPause | None:
    """Pause the student's registrations at their third no-show this term, once. Flushes."""
    if active_pause(student_id) is not None or \
            no_shows_this_term(student_id, now) < NO_SHOWS_TO_PAUSE:
        return None
    pause = RegistrationPause(student_id=student_id, reason=(
        f"{NO_SHOWS_TO_PAUSE} no-shows this term"))
    try:
        with db.session.begin_nested():
            db.session.add(pause)
    except IntegrityError:
        return None  # paused by a run at the same moment (one active pause per student)
    student = db.session.get(User, student_id)
    notify(student, "event_registrations_paused", "Your event registrations are paused",
           f"You missed {NO_SHOWS_TO_PAUSE} events you had registered for this term. The "
           "career center can lift the pause: just ask.", link="events.list_events")
    return pause


def lift_pause(student_id: int, by: User) -> RegistrationPause:
    """Staff lift a student's pause; earlier no-shows no longer count. Flushes."""
    if by.role is not Role.STAFF:
        raise PermissionDenied("Only career staff lift a pause.")
    pause = active_pause(student_id)
    if pause is None or not can_staff_see_student(by, student_id):
        raise NotFound("This student's registrations are not paused.")
    pause.lifted_at = utcnow()
    pause.lifted_by_id = by.id
    db.session.flush()
    notify(pause.student, "event_registrations_resumed", "You can register for events again",
           "The career center lifted the pause on your event registrations.",
           link="events.list_events")
    return pause
