"""Events: registration and the waitlist, check-in codes and the kiosk, employers at fairs,
conversations that count as Connections, reminders and no-shows, the pages."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import icalendar
import pytest
import sqlalchemy as sa

from marketplace.blueprints.events import services as events
from marketplace.blueprints.events.models import (
    CheckInCode,
    Conversation,
    Event,
    EventKind,
    EventRegistration,
    EventStatus,
    FairStatus,
    RegistrationPause,
    RegistrationStatus,
)
from marketplace.blueprints.notifications.models import Notification
from marketplace.blueprints.outcomes.models import OutcomeEvidence, SourceKind
from marketplace.core.db import utcnow
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from marketplace.core.extensions import db
from tests.events.helpers import make_event
from tests.factories import (
    DEFAULT_PASSWORD,
    EmployerFactory,
    OrganizationFactory,
    StaffFactory,
    StudentFactory,
)


def notifications(user, kind: str) -> int:
    return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.kind == kind))


def statuses(event) -> dict[int, tuple[str, int | None]]:
    return {r.student_id: (r.status.value, r.waitlist_position) for r in db.session.scalars(
        sa.select(EventRegistration).where(EventRegistration.event_id == event.id))}


# Registration and the waitlist

def test_full_event_waitlists_and_promotes_in_order_when_a_place_frees():
    event = make_event(capacity=2)
    students = [StudentFactory() for _ in range(4)]
    answers = [events.register(event.id, student)[0].status for student in students]
    db.session.commit()
    assert answers == [RegistrationStatus.REGISTERED] * 2 + [RegistrationStatus.WAITLISTED] * 2
    assert events.waitlist_rank(events.registration_of(event.id, students[3].id)) == 2

    events.cancel_registration(event.id, students[0])
    db.session.commit()
    event = db.session.get(Event, event.id)
    assert event.registered_count == 2
    assert statuses(event)[students[2].id] == ("registered", None)  # first in line
    assert statuses(event)[students[3].id] == ("waitlisted", 2)
    assert events.waitlist_rank(events.registration_of(event.id, students[3].id)) == 1
    assert notifications(students[2], "event_promoted") == 1
    assert notifications(students[3], "event_promoted") == 0


def test_leaving_the_waitlist_frees_no_place_and_registering_again_goes_to_the_back():
    event = make_event(capacity=1)
    first, second, third = StudentFactory(), StudentFactory(), StudentFactory()
    for student in (first, second, third):
        events.register(event.id, student)
    events.cancel_registration(event.id, second)
    registration, created = events.register(event.id, second)
    db.session.commit()
    assert created and registration.status is RegistrationStatus.WAITLISTED
    assert events.waitlist_rank(registration) == 2  # behind the third student now
    assert db.session.get(Event, event.id).registered_count == 1


def test_registering_twice_returns_the_same_registration():
    event = make_event(capacity=1)
    student = StudentFactory()
    first, created = events.register(event.id, student)
    again, created_again = events.register(event.id, student)
    assert created and not created_again and first.id == again.id
    assert db.session.get(Event, event.id).registered_count == 1


def test_more_capacity_promotes_the_waitlist_in_order():
    staff = StaffFactory()
    event = make_event(capacity=1)
    students = [StudentFactory() for _ in range(4)]
    for student in students:
        events.register(event.id, student)
    details = events.EventDetails(
        kind=event.kind, title=event.title, starts_at=event.starts_at, ends_at=event.ends_at,
        time_zone=event.time_zone, capacity=3, place=event.place, status=event.status)
    events.update_event(event.id, details, staff)
    db.session.commit()
    state = statuses(event)
    assert [state[s.id][0] for s in students] == ["registered", "registered", "registered",
                                                  "waitlisted"]
    details.capacity = 1
    with pytest.raises(ValidationFailed) as refused:
        events.update_event(event.id, details, staff)
    assert "3 students already hold places" in refused.value.fields["capacity"]


def test_deadline_audience_pause_and_roles_are_refused_clearly():
    student = StudentFactory()
    closed = make_event(registration_deadline=utcnow() - timedelta(minutes=1))
    with pytest.raises(Conflict, match="Registration closed"):
        events.register(closed.id, student)
    db.session.rollback()
    seniors = make_event(audience_years=[2026])
    with pytest.raises(ValidationFailed, match="class of 2026") as outside:
        events.register(seniors.id, student)
    assert "audience" in outside.value.fields
    db.session.rollback()
    nurses = make_event(audience_clusters=["healthcare_human_services"])
    with pytest.raises(ValidationFailed, match="career clusters"):
        events.register(nurses.id, student)
    db.session.rollback()
    draft = make_event(status=EventStatus.DRAFT)
    with pytest.raises(NotFound):
        events.register(draft.id, student)
    db.session.rollback()
    with pytest.raises(PermissionDenied):
        events.register(make_event().id, EmployerFactory())


def test_api_answers_201_then_202_and_the_event_shows_my_registration(api_client):
    event = make_event(capacity=1)
    first, second = StudentFactory(), StudentFactory()
    db.session.commit()
    response = api_client(first).post(f"/api/v1/events/{event.id}/registrations")
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["status"] == "registered"
    client = api_client(second)
    response = client.post(f"/api/v1/events/{event.id}/registrations")
    assert response.status_code == 202
    assert response.get_json()["waitlist_position"] == 1
    assert client.post(f"/api/v1/events/{event.id}/registrations").status_code == 200
    body = client.get(f"/api/v1/events/{event.id}").get_json()
    assert (body["registered"], body["waitlisted"], body["my_registration"]) == (
        1, 1, "waitlisted")
    assert body["starts_at"].endswith(("-05:00", "-04:00"))  # in the event's zone
    listed = client.get("/api/v1/events").get_json()["items"]
    assert [item["id"] for item in listed if item["id"] == event.id] == [event.id]
    response = client.delete(f"/api/v1/events/{event.id}/registrations/mine")
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    assert client.delete(f"/api/v1/events/{event.id}/registrations/mine").status_code == 404


def test_api_refuses_closed_and_outside_the_audience(api_client):
    student = StudentFactory()
    closed = make_event(registration_deadline=utcnow() - timedelta(hours=1))
    seniors = make_event(audience_years=[2026])
    draft = make_event(status=EventStatus.DRAFT)
    db.session.commit()
    client = api_client(student)
    response = client.post(f"/api/v1/events/{closed.id}/registrations")
    assert response.status_code == 409
    assert "Registration closed" in response.get_json()["error"]["message"]
    response = client.post(f"/api/v1/events/{seniors.id}/registrations")
    assert response.status_code == 422 and "audience" in response.get_json()["error"]["fields"]
    assert client.post(f"/api/v1/events/{draft.id}/registrations").status_code == 404
    assert client.get(f"/api/v1/events/{draft.id}").status_code == 404
    assert api_client(StaffFactory()).get(f"/api/v1/events/{draft.id}").status_code == 200


def test_staff_create_and_change_events_through_the_api(api_client):
    staff = api_client(StaffFactory())
    body = {"title": "Spring career fair", "kind": "career_fair",
            "starts_at": "2027-03-14T10:00", "ends_at": "2027-03-14T14:00",
            "time_zone": "America/Chicago", "capacity": 300, "place": "Gym",
            "status": "published", "class_years": [2027, 2028]}
    response = staff.post("/api/v1/events", json=body)
    assert response.status_code == 201, response.get_json()
    created = response.get_json()
    # 10:00 in Chicago on the day after the clocks went forward is UTC-5.
    assert created["starts_at"] == "2027-03-14T10:00:00-05:00"
    assert created["audience"]["class_years"] == [2027, 2028]
    response = staff.patch(f"/api/v1/events/{created['id']}", json={"capacity": 350})
    assert response.status_code == 200 and response.get_json()["capacity"] == 350
    bad = staff.post("/api/v1/events", json={**body, "ends_at": "2027-03-14T09:00"})
    assert bad.status_code == 422 and "ends_at" in bad.get_json()["error"]["fields"]
    skipped = staff.post("/api/v1/events", json={**body, "starts_at": "2027-03-14T02:30"})
    assert skipped.status_code == 422  # the clocks skip 02:30 that night
    nowhere = staff.post("/api/v1/events", json={**body, "place": ""})
    assert nowhere.status_code == 422 and "place" in nowhere.get_json()["error"]["fields"]
    script = staff.post("/api/v1/events", json={**body, "video_link": "javascript:alert(1)"})
    assert script.status_code == 422
    student = api_client(StudentFactory())
    assert student.post("/api/v1/events", json=body).status_code == 403


# Check-in codes and the kiosk

def test_codes_are_personal_and_rotate(api_client):
    student = StudentFactory()
    db.session.commit()
    client = api_client(student)
    first = client.get("/api/v1/me/code").get_json()
    assert client.get("/api/v1/me/code").get_json()["code"] == first["code"]
    assert first["display"] == f"{first['code'][:4]}-{first['code'][4:]}"
    rotated = client.post("/api/v1/me/code/rotate").get_json()
    assert rotated["code"] != first["code"]
    assert db.session.scalar(sa.select(sa.func.count(CheckInCode.id)).where(
        CheckInCode.student_id == student.id, CheckInCode.retired_at.is_(None))) == 1
    assert api_client(EmployerFactory()).get("/api/v1/me/code").status_code == 403


def test_kiosk_checks_in_once_registers_walk_ins_and_explains_every_refusal(api_client):
    staff = StaffFactory()
    event = make_event(capacity=2, starts_in=timedelta(hours=1))
    registered, walk_in, late, waiting = (StudentFactory() for _ in range(4))
    events.register(event.id, registered)
    codes = {s.id: events.current_code(s).code for s in (registered, walk_in, late, waiting)}
    db.session.commit()
    kiosk = api_client(staff)
    url = f"/api/v1/events/{event.id}/checkins"

    answer = kiosk.post(url, json={"code": codes[registered.id].lower()[:4] + "-"
                                   + codes[registered.id][4:]})
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["status"] == "checked_in" and not answer.get_json()["walk_in"]
    again = kiosk.post(url, json={"code": codes[registered.id]})
    assert again.status_code == 200 and again.get_json()["status"] == "already_checked_in"
    answer = kiosk.post(url, json={"code": codes[walk_in.id]})
    assert answer.status_code == 200 and answer.get_json()["walk_in"] is True
    db.session.refresh(event)
    assert event.registered_count == 2  # counted once each
    full = kiosk.post(url, json={"code": codes[late.id]})
    assert full.status_code == 409 and "not registered" in full.get_json()["error"]["message"]

    old = codes[waiting.id]
    events.rotate_code(waiting)
    db.session.commit()
    replaced = kiosk.post(url, json={"code": old})
    assert replaced.status_code == 422
    assert "replaced" in replaced.get_json()["error"]["message"]
    unknown = kiosk.post(url, json={"code": "ZZZZZZZZ"})
    assert unknown.status_code == 422 and "No student" in unknown.get_json()["error"]["message"]
    for nonsense in ("", "x" * 64, "DROP TABLE", "K7QM 3XP"):
        assert kiosk.post(url, json={"code": nonsense}).status_code == 422, nonsense
    assert kiosk.post(url, json={"code": 12345678}).status_code == 422
    assert kiosk.post(url, json={}).status_code == 422
    assert kiosk.post("/api/v1/events/999999/checkins",
                      json={"code": codes[late.id]}).status_code == 404
    assert api_client(registered).post(url, json={"code": codes[late.id]}).status_code == 403


def test_checkin_for_another_event_is_a_walk_in_or_a_clear_no():
    staff = StaffFactory()
    today = make_event(capacity=1, starts_in=timedelta(hours=1))
    other = make_event(capacity=5, starts_in=timedelta(hours=2))
    holder, elsewhere = StudentFactory(), StudentFactory()
    events.register(today.id, holder)
    events.register(other.id, elsewhere)
    code = events.current_code(elsewhere).code
    db.session.commit()
    with pytest.raises(Conflict, match="not registered for this event, and it is full"):
        events.check_in(today.id, code, staff)
    db.session.rollback()
    result = events.check_in(other.id, code, staff)
    assert not result.walk_in and result.registration.status is RegistrationStatus.ATTENDED


# Employers at fairs and conversations

def fair_with_employer(approved: bool = True):
    fair_event = make_event(capacity=100, kind=EventKind.CAREER_FAIR,
                            starts_in=timedelta(hours=1), title="Fall fair")
    employer = EmployerFactory()
    events.register_organization(fair_event.id, employer, 2, "Nursing internships")
    if approved:
        events.decide_organization(fair_event.id, employer.organization_id, StaffFactory(),
                                   FairStatus.APPROVED, "A4")
    return fair_event, employer


def test_employers_register_for_fairs_and_staff_decide(api_client):
    fair_event = make_event(kind=EventKind.CAREER_FAIR)
    workshop = make_event()
    employer, pending_org = EmployerFactory(), EmployerFactory(
        organization=OrganizationFactory(status="pending"))
    staff = StaffFactory()
    db.session.commit()
    client = api_client(employer)
    body = {"representatives": 3, "recruiting_for": "Summer internships"}
    response = client.post(f"/api/v1/events/{fair_event.id}/employers", json=body)
    assert response.status_code == 201 and response.get_json()["status"] == "pending"
    assert client.post(f"/api/v1/events/{fair_event.id}/employers",
                       json=body).status_code == 409
    assert client.post(f"/api/v1/events/{workshop.id}/employers", json=body).status_code == 409
    assert client.post(f"/api/v1/events/{fair_event.id}/employers",
                       json={"representatives": 0}).status_code == 422
    assert api_client(pending_org).post(f"/api/v1/events/{fair_event.id}/employers",
                                        json=body).status_code == 403
    approve = f"/api/v1/events/{fair_event.id}/employers/{employer.organization_id}/approve"
    response = api_client(staff).post(approve, json={"table_label": "B12"})
    assert response.status_code == 200
    assert response.get_json()["status"] == "approved"
    assert response.get_json()["table_label"] == "B12"
    assert api_client(staff).post(approve).status_code == 409
    assert notifications(employer, "fair_registration_decided") == 1


def test_conversation_records_connections_evidence_once(api_client, run_jobs):
    fair_event, employer = fair_with_employer()
    student = StudentFactory()
    code = events.current_code(student).code
    db.session.commit()
    client = api_client(employer)
    url = f"/api/v1/events/{fair_event.id}/conversations"
    response = client.post(url, json={"code": code, "note": "Wants ICU rotation",
                                      "follow_up": True})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["shared"] is False
    again = client.post(url, json={"code": code, "note": "Also pediatrics"})
    assert again.status_code == 200 and again.get_json()["note"] == "Also pediatrics"
    assert again.get_json()["follow_up"] is True  # kept: not sent again
    colleague = EmployerFactory(organization=employer.organization)
    db.session.commit()
    assert api_client(colleague).post(url, json={"code": code}).status_code == 200
    run_jobs()
    from marketplace.blueprints.events.jobs import record_event_evidence

    conversation = db.session.scalar(sa.select(Conversation))
    record_event_evidence(conversation.id)  # a rerun adds nothing
    db.session.commit()
    rows = db.session.scalars(sa.select(OutcomeEvidence).where(
        OutcomeEvidence.student_id == student.id)).all()
    assert [(r.outcome, r.source_kind, r.source_id) for r in rows] == [
        ("connections", SourceKind.EVENT, conversation.id)]
    assert rows[0].details["organization"] == employer.organization.name
    assert notifications(student, "evidence_recorded") == 1
    evidence = api_client(student).get(f"/api/v1/students/{student.id}/evidence").get_json()
    assert [item["source_kind"] for item in evidence["items"]] == ["event"]


def test_attendance_alone_records_nothing(run_jobs):
    event = make_event(starts_in=timedelta(hours=1))
    student = StudentFactory()
    events.register(event.id, student)
    events.check_in(event.id, events.current_code(student).code, StaffFactory())
    db.session.commit()
    run_jobs()
    assert db.session.scalar(sa.select(sa.func.count(OutcomeEvidence.id)).where(
        OutcomeEvidence.student_id == student.id)) == 0


def test_only_approved_organizations_log_conversations(api_client):
    fair_event, pending_employer = fair_with_employer(approved=False)
    stranger = EmployerFactory()
    student = StudentFactory()
    code = events.current_code(student).code
    db.session.commit()
    url = f"/api/v1/events/{fair_event.id}/conversations"
    for employer in (pending_employer, stranger):
        response = api_client(employer).post(url, json={"code": code})
        assert response.status_code == 403
        assert "approved" in response.get_json()["error"]["message"]
    assert api_client(student).post(url, json={"code": code}).status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Conversation.id))) == 0


def signed_in(app, user):
    client = app.test_client()
    assert client.submit("/auth/login", {"email": user.email,
                                         "password": DEFAULT_PASSWORD}).status_code == 302
    return client


def test_contacts_export_holds_only_students_who_shared_and_is_formula_safe(app, login_as):
    fair_event, employer = fair_with_employer()
    sharer = StudentFactory(name="=HYPERLINK(\"http://evil\")")
    shy = StudentFactory(name="Shy Student")
    for student in (sharer, shy):
        conversation, _ = events.log_conversation(fair_event.id,
                                                  events.current_code(student).code,
                                                  employer, note="+1 great")
        if student is sharer:
            events.share_profile(conversation.id, student)
    db.session.commit()
    client = login_as(employer)
    response = client.get(f"/events/{fair_event.id}/contacts.csv")
    assert response.status_code == 200
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0][:2] == ["name", "email"]
    assert [row[0] for row in rows[1:]] == ["'=HYPERLINK(\"http://evil\")"]
    assert rows[1][-1] == "'+1 great"
    other = signed_in(app, EmployerFactory())
    assert other.get(f"/events/{fair_event.id}/contacts.csv").status_code == 403


def test_student_sees_who_they_met_and_shares_their_profile(login_as):
    fair_event, employer = fair_with_employer()
    student = StudentFactory()
    events.log_conversation(fair_event.id, events.current_code(student).code, employer)
    db.session.commit()
    client = login_as(student)
    page = client.get(f"/events/{fair_event.id}").get_data(as_text=True)
    assert "Who you met" in page and employer.organization.name in page
    conversation = db.session.scalar(sa.select(Conversation))
    response = client.submit(f"/events/conversations/{conversation.id}/share", {"share": "1"},
                             page=f"/events/{fair_event.id}")
    assert response.status_code == 302
    db.session.refresh(conversation)
    assert conversation.shared_at is not None
    assert employer.organization.name in client.get("/events/mine").get_data(as_text=True)


# Reminders, no-shows and pauses

def test_reminders_go_once_a_day_before():
    soon_event = make_event(starts_in=timedelta(hours=20))
    later = make_event(starts_in=timedelta(days=3))
    student = StudentFactory()
    events.register(soon_event.id, student)
    events.register(later.id, student)
    db.session.commit()
    assert events.send_due_reminders() == 1
    assert events.send_due_reminders() == 0
    assert notifications(student, "event_reminder") == 1


def test_three_no_shows_in_a_term_pause_registrations_until_staff_lift_it(login_as):
    student, staff = StudentFactory(), StaffFactory()
    past = []
    for _ in range(3):
        event = make_event(starts_in=timedelta(hours=2))
        events.register(event.id, student)
        other = StudentFactory()
        events.register(event.id, other)
        events.check_in(event.id, events.current_code(other).code, staff)
        past.append(event)
    untaken = make_event(starts_in=timedelta(hours=3))  # nobody checked in: no attendance
    events.register(untaken.id, student)
    db.session.commit()
    later = utcnow() + timedelta(hours=8)
    # The events ended in the same term as "later", unless a term began in between.
    if events.term_start(later) > utcnow():
        pytest.skip("a term starts within the next hours")
    assert events.mark_no_shows(now=later) == 3
    assert events.mark_no_shows(now=later) == 0  # safe to rerun
    assert statuses(untaken)[student.id] == ("registered", None)
    assert db.session.scalar(sa.select(sa.func.count(RegistrationPause.id)).where(
        RegistrationPause.student_id == student.id)) == 1
    with pytest.raises(Conflict, match="paused"):
        events.register(make_event().id, student)
    db.session.rollback()
    client = login_as(staff)
    assert student.name in client.get("/staff/events").get_data(as_text=True)
    response = client.submit(f"/staff/events/pauses/{student.id}/lift", page="/staff/events")
    assert response.status_code == 302
    registration, _ = events.register(make_event().id, student)
    assert registration.status is RegistrationStatus.REGISTERED


# Pages

def test_staff_create_a_fair_with_the_form_and_bad_input_is_kept(login_as):
    client = login_as(StaffFactory())
    day = (utcnow() + timedelta(days=30)).date().isoformat()
    form = {"kind": "career_fair", "title": "Winter fair", "day": day, "start_time": "10:00",
            "end_time": "09:00", "time_zone": "America/New_York", "capacity": "200",
            "place": "Student center", "class_years": "2027, 20x8", "published": "y"}
    response = client.submit("/staff/events/new", form)
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Graduation years separated by commas" in page and "Winter fair" in page
    response = client.submit("/staff/events/new", {**form, "class_years": "2027"})
    assert response.status_code == 422
    assert "The end must come after the start." in response.get_data(as_text=True)
    response = client.submit("/staff/events/new", {**form, "class_years": "2027",
                                                   "end_time": "14:00"})
    assert response.status_code == 302
    event = db.session.scalar(sa.select(Event).where(Event.title == "Winter fair"))
    assert event.status is EventStatus.PUBLISHED and event.audience_years == [2027]
    assert client.get(f"/staff/events/{event.id}").status_code == 200
    assert client.get(f"/staff/events/{event.id}/edit").status_code == 200


def test_kiosk_page_checks_in_without_script(login_as):
    event = make_event(starts_in=timedelta(hours=1))
    student = StudentFactory(name="Ada Kiosk")
    events.register(event.id, student)
    code = events.current_code(student).code
    db.session.commit()
    client = login_as(StaffFactory())
    url = f"/staff/events/{event.id}/kiosk"
    page = client.get(url).get_data(as_text=True)
    assert 'data-endpoint="/api/v1/events/' in page and "kiosk.js" in page
    response = client.submit(url, {"code": code})
    assert response.status_code == 200 and "Ada Kiosk is checked in" in \
        response.get_data(as_text=True)
    response = client.submit(url, {"code": "nonsense"})
    assert response.status_code == 422 and "not a check-in code" in \
        response.get_data(as_text=True)


def test_code_page_draws_the_qr_code_on_the_server(login_as):
    student = StudentFactory()
    db.session.commit()
    page = login_as(student).get("/me/code").get_data(as_text=True)
    code = db.session.scalar(sa.select(CheckInCode.code).where(
        CheckInCode.student_id == student.id))
    assert "<svg" in page and f"{code[:4]}-{code[4:]}" in page


def test_event_pages_render_for_every_role_and_ics_parses(app, client):
    event = make_event(kind=EventKind.CAREER_FAIR, description="**Bring** <script>x</script>")
    draft = make_event(status=EventStatus.DRAFT, title="Secret draft")
    db.session.commit()
    page = client.get(f"/events/{event.id}").get_data(as_text=True)
    assert "<strong>Bring</strong>" in page and "<script>x" not in page
    assert "calendar.google.com" in page and "outlook.live.com" in page
    assert client.get(f"/events/{draft.id}").status_code == 404
    assert "Secret draft" not in client.get("/events").get_data(as_text=True)
    calendar = icalendar.Calendar.from_ical(
        client.get(f"/events/{event.id}/calendar.ics").get_data())
    entry = next(iter(calendar.walk("VEVENT")))
    assert entry["dtstart"].dt == event.starts_at
    for factory in (StudentFactory, EmployerFactory, StaffFactory):
        user_client = signed_in(app, factory())
        assert user_client.get(f"/events/{event.id}").status_code == 200
        assert user_client.get("/events?kind=career_fair").status_code == 200
        assert user_client.get("/events?kind=nonsense&past=1").status_code == 200


@pytest.mark.parametrize("change", [
    {"starts_at": "9999-12-31T23:59:00-05:00"}, {"ends_at": "9999-12-31T23:59:00-05:00"},
    {"registration_deadline": "0001-01-01T00:00:00+05:00"},
    {"registration_deadline": "0001-01-01T00:00:00"}, {"starts_at": "not a time"},
    {"starts_at": 20270314}, {"time_zone": "Mars/Olympus"}, {"capacity": 0},
    {"capacity": True}, {"host_organization_id": 2**40}, {"host_organization_id": 999999},
    {"class_years": ["2027"]}, {"clusters": ["astrology"]}, {"kind": "party"},
    {"title": ""}, {"title": None}, {"status": "cancelled"}, {"unknown": 1},
])
def test_bad_event_input_is_a_clear_4xx_never_a_500(api_client, change):
    staff = api_client(StaffFactory())
    body = {"title": "Fair", "kind": "career_fair", "starts_at": "2027-03-14T10:00",
            "ends_at": "2027-03-14T14:00", "time_zone": "America/Chicago", "capacity": 30,
            "place": "Gym", **change}
    response = staff.post("/api/v1/events", json=body)
    assert response.status_code in (400, 422), (change, response.get_data(as_text=True)[:300])
    assert response.get_json()["error"]["message"]
