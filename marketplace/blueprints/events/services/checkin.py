"""Personal check-in codes, and checking students in at an event's door (the kiosk)."""

from __future__ import annotations

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.accounts.policies import can_staff_see_student
from marketplace.blueprints.events.models import (
    CheckInCode,
    Event,
    EventRegistration,
    EventStatus,
    RegistrationStatus,
)
from marketplace.blueprints.events.services.registrations import registration_of, waitlist_rank
from marketplace.core.db import lock_row, utcnow
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.policies import Role

# No 0/O, 1/I/L or U: a code read aloud or typed from a phone is not misread.
ALPHABET = "ABCDEFGHJKMNPQRSTVWXYZ23456789"
LENGTH = 8
CODE_FORMAT = re.compile(f"[{ALPHABET}]{{{LENGTH}}}")
# The doors open this long before the start and check-ins are taken until this long
# after the end (a late kiosk sync, a paper list typed in afterwards).
DOORS_OPEN = timedelta(hours=24)
DOORS_CLOSE = timedelta(hours=12)


def normalize_code(text: str | None) -> str | None:
    """A code as typed or scanned (any case, spaces, dashes) in its stored form, or None
    when it cannot be a code at all."""
    if not isinstance(text, str):
        return None
    code = re.sub(r"[\s\-]", "", text).upper()
    return code if CODE_FORMAT.fullmatch(code) else None


def display_code(code: str) -> str:
    """``K7QM3XPD`` as ``K7QM-3XPD``: easier to read out and type."""
    return f"{code[:4]}-{code[4:]}"


def _new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def current_code(student: User) -> CheckInCode:
    """The student's live code, issued on first ask. Two first asks at once make one
    (a partial unique index keeps one live code per student). Flushes."""
    if student.role is not Role.STUDENT:
        raise PermissionDenied("Only students have check-in codes.")
    live = _live(student.id)
    if live is not None:
        return live
    return _issue(student.id)


def _live(student_id: int) -> CheckInCode | None:
    return db.session.scalar(sa.select(CheckInCode).where(
        CheckInCode.student_id == student_id, CheckInCode.retired_at.is_(None)))


def _issue(student_id: int) -> CheckInCode:
    for _ in range(5):
        code = CheckInCode(student_id=student_id, code=_new_code())
        try:
            with db.session.begin_nested():
                db.session.add(code)
            return code
        except IntegrityError:
            live = _live(student_id)
            if live is not None:
                return live  # another request issued it a moment ago
    raise Conflict("Could not issue a code just now; try again.")


def rotate_code(student: User) -> CheckInCode:
    """Retire the student's code (a kiosk then says it was replaced) and issue a new one.
    Flushes."""
    if student.role is not Role.STUDENT:
        raise PermissionDenied("Only students have check-in codes.")
    db.session.execute(sa.update(CheckInCode).where(
        CheckInCode.student_id == student.id, CheckInCode.retired_at.is_(None))
        .values(retired_at=utcnow()).execution_options(synchronize_session=False))
    db.session.flush()
    return _issue(student.id)


def student_for_code(text: str | None) -> User:
    """The student a typed or scanned code belongs to. Raises ValidationFailed with a
    message a person at a kiosk can act on: not a code, unknown, or replaced."""
    code = normalize_code(text)
    if code is None:
        raise ValidationFailed("That is not a check-in code: codes have 8 letters and "
                               "digits, like K7QM-3XPD.", {"code": "Not a check-in code."})
    row = db.session.scalar(sa.select(CheckInCode).where(CheckInCode.code == code))
    if row is None:
        raise ValidationFailed("No student has this code. Check it was typed right.",
                               {"code": "Unknown code."})
    if row.retired_at is not None:
        raise ValidationFailed("This code was replaced by a newer one. Ask the student to "
                               "open their current code.", {"code": "Replaced code."})
    return row.student


@dataclass
class CheckIn:
    registration: EventRegistration
    student: User
    already: bool
    walk_in: bool

    @property
    def message(self) -> str:
        name = self.student.name
        if self.already:
            return f"{name} was already checked in."
        if self.walk_in:
            return f"{name} is registered on the spot and checked in."
        return f"{name} is checked in. Welcome!"


def doors_open(event: Event) -> bool:
    now = utcnow()
    return event.starts_at - DOORS_OPEN <= now <= event.ends_at + DOORS_CLOSE


def check_in(event_id: int, code_text: str | None, by: User) -> CheckIn:
    """Check a student in by their code. A second check-in changes nothing and says so; a
    student without a place is registered on the spot when there is room. A school's
    staff check in their school's students only (another's code: NotFound). Locks the
    event row. Flushes."""
    if by.role is not Role.STAFF:
        raise PermissionDenied("Only career staff check students in.")
    student = student_for_code(code_text)
    if not can_staff_see_student(by, student.id):
        # A school's staff check in their school's students: another's is not there.
        raise NotFound("No student of your school has this code.")
    event = lock_row(Event, event_id)
    if event is None or event.status is EventStatus.DRAFT:
        raise NotFound("No such event.")
    if event.status is EventStatus.CANCELLED:
        raise Conflict("This event was cancelled.")
    if not doors_open(event):
        raise Conflict("Check-in is open from a day before the event until 12 hours "
                       "after it ends.")
    registration = registration_of(event.id, student.id)
    now = utcnow()
    if registration is not None and registration.status is RegistrationStatus.ATTENDED:
        return CheckIn(registration, student, already=True, walk_in=registration.walk_in)
    walk_in = False
    if registration is None or registration.status in (RegistrationStatus.CANCELLED,
                                                       RegistrationStatus.WAITLISTED):
        if event.registered_count >= event.capacity:
            if registration is not None and registration.status is RegistrationStatus.WAITLISTED:
                raise Conflict(f"{student.name} is number {waitlist_rank(registration)} on "
                               "the waitlist and the event is full.")
            raise Conflict(f"{student.name} is not registered for this event, and it is "
                           "full.")
        if registration is None:
            registration = EventRegistration(event_id=event.id, student_id=student.id)
            db.session.add(registration)
        registration.waitlist_position = None
        registration.registered_at = now
        registration.walk_in = walk_in = True
        event.registered_count += 1
    registration.status = RegistrationStatus.ATTENDED
    registration.checked_in_at = now
    registration.checked_in_by_id = by.id
    registration.no_show_at = None
    db.session.flush()
    return CheckIn(registration, student, already=False, walk_in=walk_in)
