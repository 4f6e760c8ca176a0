"""Bookings under concurrent requests, on the suite's database (SQLite or PostgreSQL):
the database, not luck, keeps capacity, overlaps and reminders right."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.accounts.services import create_user, issue_api_token
from marketplace.blueprints.mentoring import services as mentoring
from marketplace.blueprints.mentoring.models import Booking, BookingStatus, MentoringSlot
from marketplace.blueprints.notifications.models import Notification
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.support import at_once, in_transaction, migrated_app, post_concurrently

pytestmark = pytest.mark.no_db

REQUESTS = 20


@pytest.fixture(scope="module")
def app():
    app = migrated_app("mentoring_race")
    yield app
    with app.app_context():
        db.engine.dispose()


def people(app, tag: str, students: int, alumni: int = 1) -> tuple[list[int], list[str], list[int]]:
    """Create alumni and students; returns (alumni ids, student tokens, student ids)."""
    with app.app_context():
        alums = [create_user(f"alum{n}-{tag}@race.example", f"Alum {n}", Role.ALUMNI,
                             "alumni passphrase") for n in range(alumni)]
        users = [create_user(f"s{n}-{tag}@race.example", f"Student {n}", Role.STUDENT,
                             "student passphrase") for n in range(students)]
        tokens = [issue_api_token(user) for user in users]
        db.session.commit()
        return [a.id for a in alums], tokens, [u.id for u in users]


def add_slot(app, alumni_id: int, starts_in: timedelta, capacity: int = 1,
             minutes: int = 60) -> int:
    with app.app_context():
        start = (utcnow() + starts_in).replace(microsecond=0)
        slot = MentoringSlot(alumni_id=alumni_id, starts_at=start,
                             ends_at=start + timedelta(minutes=minutes), duration_minutes=minutes,
                             time_zone="America/New_York", capacity=capacity, topic="Race")
        db.session.add(slot)
        db.session.commit()
        return slot.id


def outcome(answers) -> tuple[int, int, list]:
    statuses = [status for status, _ in answers]
    return statuses.count(201), statuses.count(409), sorted(set(statuses))


def test_twenty_students_one_place(app):
    (alum,), tokens, _ = people(app, "one-place", REQUESTS)
    slot_id = add_slot(app, alum, timedelta(days=2))
    answers = post_concurrently(app, [
        (token, f"/api/v1/mentoring/slots/{slot_id}/bookings", {"agenda": "hi"})
        for token in tokens])
    created, refused, kinds = outcome(answers)
    print(f"capacity 1, {REQUESTS} concurrent bookings: {created} × 201, {refused} × 409")
    assert (created, refused) == (1, REQUESTS - 1), kinds
    assert all("full" in body["error"]["message"] for status, body in answers if status == 409)
    with app.app_context():
        slot = db.session.get(MentoringSlot, slot_id)
        assert slot.booked_count == 1
        assert db.session.scalar(sa.select(sa.func.count(Booking.id)).where(
            Booking.slot_id == slot_id)) == 1


def test_twenty_students_three_places(app):
    (alum,), tokens, _ = people(app, "group", REQUESTS)
    slot_id = add_slot(app, alum, timedelta(days=3), capacity=3)
    answers = post_concurrently(app, [
        (token, f"/api/v1/mentoring/slots/{slot_id}/bookings", None) for token in tokens])
    assert outcome(answers)[:2] == (3, REQUESTS - 3)
    with app.app_context():
        assert db.session.get(MentoringSlot, slot_id).booked_count == 3


def test_one_student_twenty_overlapping_slots(app):
    alumni, (token,), (student_id,) = people(app, "overlap", 1, alumni=REQUESTS)
    # Twenty hour-long slots, two minutes apart: every pair overlaps.
    slots = [add_slot(app, alum, timedelta(days=4, minutes=2 * n))
             for n, alum in enumerate(alumni)]
    answers = post_concurrently(app, [
        (token, f"/api/v1/mentoring/slots/{slot_id}/bookings", None) for slot_id in slots])
    created, refused, kinds = outcome(answers)
    print(f"one student, {REQUESTS} overlapping slots at once: {created} × 201, "
          f"{refused} × 409")
    assert (created, refused) == (1, REQUESTS - 1), kinds
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Booking.id)).where(
            Booking.student_id == student_id, Booking.status == BookingStatus.BOOKED)) == 1


def test_reminders_once_with_two_runs_at_the_same_moment(app):
    alumni, _, students = people(app, "remind", 12, alumni=3)
    with app.app_context():
        for n, student_id in enumerate(students):
            slot_id = add_slot(app, alumni[n % 3], timedelta(hours=3, minutes=n), capacity=5)
            mentoring.book(slot_id, db.session.get(User, student_id))
            db.session.commit()
    def reminders() -> int:
        with app.app_context():
            try:
                return mentoring.send_due_reminders()
            finally:
                db.session.remove()

    sent = at_once(reminders, reminders, timeout=120)
    print(f"two reminder runs at once: {sent[0]} + {sent[1]} bookings reminded")
    assert sum(sent) == len(students)
    with app.app_context():
        reminders = db.session.execute(
            sa.select(Notification.booking_id, sa.func.count(Notification.id))
            .where(Notification.kind == "booking_reminder").group_by(Notification.booking_id)
        ).all()
        assert len(reminders) == len(students)
        assert {count for _, count in reminders} == {2}  # the student and the alum, once each


def run_together(app, *calls) -> list:
    """Run service calls at the same moment, each in its own app context and transaction."""
    return at_once(*[lambda call=call: in_transaction(app, call) for call in calls])


def test_cancellations_and_bookings_racing_a_slot_cancellation_never_deadlock(app):
    alumni, _, students = people(app, "cancel-race", 16, alumni=8)
    seen = set()
    for round_ in range(8):
        alum_id = alumni[round_]
        slot_id = add_slot(app, alum_id, timedelta(days=5, hours=round_), capacity=3)
        first, second = students[2 * round_], students[2 * round_ + 1]
        with app.app_context():
            booking = mentoring.book(slot_id, db.session.get(User, first))
            db.session.commit()
            booking_id = booking.id

        def student_cancels(booking_id=booking_id, first=first):
            mentoring.cancel_booking(booking_id, db.session.get(User, first))

        def other_books(slot_id=slot_id, second=second):
            mentoring.book(slot_id, db.session.get(User, second))

        def alum_cancels(slot_id=slot_id, alum_id=alum_id):
            mentoring.cancel_slot(slot_id, db.session.get(User, alum_id))

        outcomes = run_together(app, student_cancels, other_books, alum_cancels)
        seen.update(outcomes)
        # Each call either succeeds or is refused with a clear conflict; nothing else.
        assert set(outcomes) <= {"ok", "Conflict"}, outcomes
        with app.app_context():
            slot = db.session.get(MentoringSlot, slot_id)
            live = db.session.scalar(sa.select(sa.func.count(Booking.id)).where(
                Booking.slot_id == slot_id, Booking.status == BookingStatus.BOOKED))
            assert slot.booked_count == live
            assert live == 0 or slot.status.value == "open"
    assert "ok" in seen
