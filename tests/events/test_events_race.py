"""Registrations, promotions, check-ins and conversations under concurrent requests, on the
suite's database (SQLite or PostgreSQL): the database, not luck, keeps places right."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.blueprints.accounts.services import create_user, issue_api_token
from marketplace.blueprints.events import services as events
from marketplace.blueprints.events.models import (
    Conversation,
    Event,
    EventKind,
    EventRegistration,
    FairStatus,
    RegistrationStatus,
)
from marketplace.blueprints.notifications.models import Notification
from marketplace.core.extensions import db
from marketplace.core.models import OutboxMessage
from marketplace.core.policies import Role
from tests.events.helpers import make_event
from tests.support import at_once, migrated_app, post_concurrently

pytestmark = pytest.mark.no_db


@pytest.fixture(scope="module")
def app():
    app = migrated_app("events_race")
    yield app
    with app.app_context():
        db.engine.dispose()


def people(app, tag: str, count: int, role: Role = Role.STUDENT, organization=None):
    """Create ``count`` users; returns (ids, tokens)."""
    with app.app_context():
        users = [create_user(f"{role.value}{n}-{tag}@race.example", f"{role.label} {n} {tag}",
                             role, "a long passphrase", organization_name=organization)
                 if organization else
                 create_user(f"{role.value}{n}-{tag}@race.example", f"{role.label} {n} {tag}",
                             role, "a long passphrase") for n in range(count)]
        tokens = [issue_api_token(user) for user in users]
        db.session.commit()
        return [user.id for user in users], tokens


def new_event(app, capacity: int, **values) -> int:
    with app.app_context():
        event = make_event(capacity=capacity, **values)
        db.session.commit()
        return event.id


def send_concurrently(app, calls: list[tuple[str, str, str, dict | None]]):
    """Send ``(method, token, path, json)`` requests at the same moment, one thread each."""
    def sender(method: str, token: str, path: str, body: dict | None):
        client = app.test_client()

        def send():
            response = client.open(path, method=method, json=body,
                                   headers={"Authorization": f"Bearer {token}"})
            return response.status_code, response.get_json()

        return send

    return at_once(*[sender(*call) for call in calls])


def places(app, event_id: int) -> tuple[int, dict[RegistrationStatus, list]]:
    with app.app_context():
        event = db.session.get(Event, event_id)
        rows = db.session.scalars(sa.select(EventRegistration).where(
            EventRegistration.event_id == event_id)).all()
        by_status: dict = {}
        for row in rows:
            by_status.setdefault(row.status, []).append(row)
        return event.registered_count, {status: [(r.student_id, r.waitlist_position)
                                                 for r in group]
                                        for status, group in by_status.items()}


def test_thirty_students_ten_places(app):
    _, tokens = people(app, "thirty", 30)
    event_id = new_event(app, capacity=10)
    answers = post_concurrently(app, [(token, f"/api/v1/events/{event_id}/registrations", None)
                                      for token in tokens])
    codes = [status for status, _ in answers]
    print(f"capacity 10, 30 concurrent registrations: {codes.count(201)} × 201, "
          f"{codes.count(202)} × 202")
    assert (codes.count(201), codes.count(202)) == (10, 20), sorted(set(codes))
    count, by_status = places(app, event_id)
    assert count == len(by_status[RegistrationStatus.REGISTERED]) == 10
    positions = sorted(position for _, position in by_status[RegistrationStatus.WAITLISTED])
    assert positions == list(range(1, 21))  # each in line once, in arrival order


def test_promotion_while_registrations_arrive(app):
    """Five cancellations, ten new registrations and a capacity increase at once: the ten
    freed places go to the ten students already waiting, in order, never beyond capacity."""
    ids, tokens = people(app, "promote", 30)
    staff_ids, staff_tokens = people(app, "promote-staff", 1, Role.STAFF)
    event_id = new_event(app, capacity=10)
    for token in tokens[:20]:  # ten places taken, ten in line (sequentially: in this order)
        post_concurrently(app, [(token, f"/api/v1/events/{event_id}/registrations", None)])
    first_in_line = ids[10:20]
    calls = [("DELETE", token, f"/api/v1/events/{event_id}/registrations/mine", None)
             for token in tokens[:5]]
    calls += [("POST", token, f"/api/v1/events/{event_id}/registrations", None)
              for token in tokens[20:30]]
    calls.append(("PATCH", staff_tokens[0], f"/api/v1/events/{event_id}", {"capacity": 15}))
    answers = send_concurrently(app, calls)
    assert [status for status, _ in answers[:5]] == [200] * 5, answers[:5]
    assert [status for status, _ in answers[5:15]] == [202] * 10, answers[5:15]
    assert answers[15][0] == 200, answers[15]
    count, by_status = places(app, event_id)
    registered = {student for student, _ in by_status[RegistrationStatus.REGISTERED]}
    assert count == len(registered) == 15
    assert registered == set(ids[5:10]) | set(first_in_line)
    assert {student for student, _ in by_status[RegistrationStatus.WAITLISTED]} == set(
        ids[20:30])
    with app.app_context():
        told = db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
            Notification.kind == "event_promoted", Notification.user_id.in_(first_in_line)))
        assert told == 10


def test_a_check_in_sent_twice_at_once_counts_once(app):
    (student_id,), _ = people(app, "twice", 1)
    _, staff_tokens = people(app, "twice-staff", 2, Role.STAFF)
    event_id = new_event(app, capacity=5, starts_in=timedelta(hours=1))
    with app.app_context():
        from marketplace.blueprints.accounts.models import User

        code = events.current_code(db.session.get(User, student_id)).code
        db.session.commit()
    answers = post_concurrently(app, [(token, f"/api/v1/events/{event_id}/checkins",
                                       {"code": code}) for token in staff_tokens])
    assert sorted(body["status"] for _, body in answers) == ["already_checked_in",
                                                             "checked_in"], answers
    count, by_status = places(app, event_id)
    assert count == 1 and len(by_status[RegistrationStatus.ATTENDED]) == 1


def test_two_representatives_logging_one_student_at_once_make_one_conversation(app):
    (student_id,), _ = people(app, "met", 1)
    (first_rep,), first_tokens = people(app, "rep", 1, Role.EMPLOYER, organization="Race Co")
    with app.app_context():
        from marketplace.blueprints.accounts.models import OrganizationStatus, User

        rep = db.session.get(User, first_rep)
        colleague = create_user("rep2-race@race.example", "Colleague", Role.EMPLOYER,
                                "a long passphrase", organization_name="Race Co 2")
        colleague.organization_id = rep.organization_id
        rep.organization.status = OrganizationStatus.VERIFIED
        colleague_token = issue_api_token(colleague)
        event = make_event(capacity=50, kind=EventKind.CAREER_FAIR,
                           starts_in=timedelta(hours=1))
        staff = create_user("staff-met@race.example", "Staff", Role.STAFF, "a long passphrase")
        events.register_organization(event.id, rep, 2)
        events.decide_organization(event.id, rep.organization_id, staff, FairStatus.APPROVED)
        code = events.current_code(db.session.get(User, student_id)).code
        db.session.commit()
        event_id = event.id
    answers = post_concurrently(app, [
        (token, f"/api/v1/events/{event_id}/conversations", {"code": code, "note": note})
        for token, note in ((first_tokens[0], "first"), (colleague_token, "second"))])
    assert sorted(status for status, _ in answers) == [200, 201], answers
    with app.app_context():
        conversations = db.session.scalars(sa.select(Conversation).where(
            Conversation.event_id == event_id)).all()
        assert len(conversations) == 1
        queued = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.job == "record_event_evidence"))
        assert queued == 1


def test_reminders_run_twice_at_once_send_one(app):
    ids, tokens = people(app, "remind", 3)
    event_id = new_event(app, capacity=5, starts_in=timedelta(hours=10))
    post_concurrently(app, [(token, f"/api/v1/events/{event_id}/registrations", None)
                            for token in tokens])

    def run():
        with app.app_context():
            try:
                return events.send_due_reminders()
            finally:
                db.session.remove()

    assert sum(at_once(run, run)) == 3
    with app.app_context():
        told = db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
            Notification.kind == "event_reminder", Notification.user_id.in_(ids)))
        assert told == 3
