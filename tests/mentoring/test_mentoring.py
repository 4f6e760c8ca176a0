"""Mentoring: slots in the alum's time zone, booking rules, invitations, evidence."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from marketplace.blueprints.mentoring import services as mentoring
from marketplace.blueprints.mentoring.models import (
    Booking,
    BookingStatus,
    MentoringSlot,
    SlotMode,
    SlotStatus,
)
from marketplace.blueprints.mentoring.services import SlotDetails
from marketplace.blueprints.notifications.models import Notification
from marketplace.blueprints.outcomes.models import OutcomeEvidence, SourceKind
from marketplace.core.clock import format_in_zone, local_to_utc, start_of_day
from marketplace.core.db import utcnow
from marketplace.core.errors import Conflict, ValidationFailed
from marketplace.core.extensions import db
from tests.factories import AlumniFactory, StaffFactory, StudentFactory
from tests.support import read_calendar

NEW_YORK = "America/New_York"


def make_slot(alum, starts_at: datetime, capacity: int = 1, minutes: int = 30,
              **extra) -> MentoringSlot:
    """A slot written directly (past times included), as the service would store it."""
    slot = MentoringSlot(alumni_id=alum.id, starts_at=starts_at,
                         ends_at=starts_at + timedelta(minutes=minutes),
                         duration_minutes=minutes, time_zone=extra.pop("time_zone", NEW_YORK),
                         capacity=capacity, topic=extra.pop("topic", "Careers in data"),
                         **extra)
    db.session.add(slot)
    db.session.flush()
    return slot


def soon(hours: float = 48) -> datetime:
    return (utcnow() + timedelta(hours=hours)).replace(microsecond=0)


# -- time zones ---------------------------------------------------------------

def test_weekly_series_keeps_local_time_across_the_march_change():
    alum = AlumniFactory()
    first = local_to_utc(date(2027, 3, 4), time(18, 0), NEW_YORK)
    slots = mentoring.create_slots(alum, SlotDetails(
        starts_at=first, duration_minutes=45, time_zone=NEW_YORK, topic="Nursing",
        repeat_weeks=4))
    local = [s.starts_at.astimezone(ZoneInfo(NEW_YORK)) for s in slots]
    assert [(d.month, d.day, d.hour, d.minute) for d in local] == [
        (3, 4, 18, 0), (3, 11, 18, 0), (3, 18, 18, 0), (3, 25, 18, 0)]
    # 18:00 EST is 23:00 UTC; after the change 18:00 EDT is 22:00 UTC.
    assert [s.starts_at.hour for s in slots] == [23, 23, 22, 22]
    assert len({s.series_id for s in slots}) == 1 and slots[0].series_id
    assert all(s.ends_at - s.starts_at == timedelta(minutes=45) for s in slots)


def test_weekly_series_keeps_local_time_across_the_november_change():
    first = datetime(2027, 10, 28, 18, 0, tzinfo=ZoneInfo(NEW_YORK))
    starts = mentoring.series_starts(first, NEW_YORK, 3)
    assert [s.astimezone(UTC).strftime("%m-%d %H:%M") for s in starts] == [
        "10-28 22:00", "11-04 22:00", "11-11 23:00"]
    assert {s.astimezone(ZoneInfo(NEW_YORK)).strftime("%H:%M") for s in starts} == {"18:00"}


def test_a_viewer_elsewhere_sees_the_right_instant():
    # Europe changes three weeks after America: 18:00 in New York is midnight in
    # Berlin before both changes, 23:00 between them.
    before = local_to_utc(date(2027, 3, 4), time(18, 0), NEW_YORK)
    between = local_to_utc(date(2027, 3, 18), time(18, 0), NEW_YORK)
    assert format_in_zone(before, "Europe/Berlin").startswith("Mar 5, 2027, 12:00 AM CET")
    assert format_in_zone(between, "Europe/Berlin").startswith("Mar 18, 2027, 11:00 PM CET")
    assert format_in_zone(between, NEW_YORK) == "Mar 18, 2027, 6:00 PM EDT (New York)"


def test_a_local_time_the_clocks_skip_is_refused_and_a_doubled_one_is_the_first():
    with pytest.raises(ValidationFailed, match="does not exist"):
        local_to_utc(date(2027, 3, 14), time(2, 30), NEW_YORK)
    doubled = local_to_utc(date(2027, 11, 7), time(1, 30), NEW_YORK)
    assert doubled == datetime(2027, 11, 7, 5, 30, tzinfo=UTC)  # 1:30 EDT, the first one


def test_slot_details_are_validated_with_clear_messages():
    alum = AlumniFactory()
    with pytest.raises(ValidationFailed) as caught:
        mentoring.create_slots(alum, SlotDetails(
            starts_at=utcnow() - timedelta(days=1), duration_minutes=5, time_zone="Mars/Base",
            topic=" ", capacity=0, mode=SlotMode.IN_PERSON, repeat_weeks=40, weekly_cap=0))
    assert set(caught.value.fields) == {"starts_at", "duration_minutes", "time_zone", "topic",
                                        "capacity", "location", "repeat_weeks", "weekly_cap"}


# -- booking rules ------------------------------------------------------------

def test_booking_fills_a_slot_then_refuses_with_a_clear_message():
    alum, first, second = AlumniFactory(), StudentFactory(), StudentFactory()
    slot = make_slot(alum, soon())
    booking = mentoring.book(slot.id, first, "Résumé questions")
    assert booking.status is BookingStatus.BOOKED and booking.starts_at == slot.starts_at
    db.session.refresh(slot)
    assert slot.booked_count == 1 and slot.remaining == 0
    with pytest.raises(Conflict, match="full"):
        mentoring.book(slot.id, second)


def test_the_database_refuses_more_bookings_than_capacity():
    slot = make_slot(AlumniFactory(), soon(), capacity=2)
    db.session.commit()
    with pytest.raises(sa.exc.IntegrityError):
        db.session.execute(sa.update(MentoringSlot).where(MentoringSlot.id == slot.id)
                           .values(booked_count=3))
        db.session.flush()
    db.session.rollback()


def test_no_two_overlapping_bookings_for_one_student():
    student = StudentFactory()
    start = soon()
    one = make_slot(AlumniFactory(), start, minutes=60)
    overlapping = make_slot(AlumniFactory(), start + timedelta(minutes=30))
    after = make_slot(AlumniFactory(), start + timedelta(minutes=60))
    mentoring.book(one.id, student)
    with pytest.raises(Conflict, match="already have a mentoring session"):
        mentoring.book(overlapping.id, student)
    assert mentoring.book(after.id, student).status is BookingStatus.BOOKED  # touching is fine


def test_past_cancelled_own_and_repeated_bookings_are_refused():
    alum, student = AlumniFactory(), StudentFactory()
    past = make_slot(alum, utcnow() - timedelta(hours=1))
    cancelled = make_slot(alum, soon(), status=SlotStatus.CANCELLED)
    group = make_slot(alum, soon(72), capacity=5)
    with pytest.raises(Conflict, match="already started"):
        mentoring.book(past.id, student)
    with pytest.raises(Conflict, match="cancelled"):
        mentoring.book(cancelled.id, student)
    mentoring.book(group.id, student)
    with pytest.raises(Conflict, match="already booked"):
        mentoring.book(group.id, student)
    from marketplace.core.errors import PermissionDenied

    with pytest.raises(PermissionDenied):
        mentoring.book(group.id, alum)  # alumni (the owner included) do not book


def test_weekly_cap_holds_across_the_alums_slots():
    alum = AlumniFactory()
    monday = local_to_utc(date(2027, 3, 1), time(12, 0), NEW_YORK)
    slots = [make_slot(alum, monday + timedelta(days=day), weekly_cap=2) for day in range(3)]
    next_week = make_slot(alum, monday + timedelta(days=7), weekly_cap=2)
    mentoring.book(slots[0].id, StudentFactory())
    mentoring.book(slots[1].id, StudentFactory())
    with pytest.raises(Conflict, match="limit of 2 sessions that week"):
        mentoring.book(slots[2].id, StudentFactory())
    assert mentoring.book(next_week.id, StudentFactory()).status is BookingStatus.BOOKED


def test_student_cancels_until_twelve_hours_before():
    alum, student = AlumniFactory(), StudentFactory()
    later = make_slot(alum, soon(48))
    close = make_slot(alum, soon(6))
    booking = mentoring.book(later.id, student)
    near = mentoring.book(close.id, student)
    mentoring.cancel_booking(booking.id, student)
    db.session.refresh(later)
    assert booking.status is BookingStatus.CANCELLED and later.booked_count == 0
    assert booking.sequence == 1
    with pytest.raises(Conflict, match="12 hours"):
        mentoring.cancel_booking(near.id, student)
    from marketplace.core.errors import NotFound

    with pytest.raises(NotFound):
        mentoring.cancel_booking(near.id, StudentFactory())  # someone else's booking
    # A place given up can be taken again.
    assert mentoring.book(later.id, StudentFactory()).status is BookingStatus.BOOKED


def test_alum_cancels_a_slot_and_every_booked_student_is_told():
    alum = AlumniFactory()
    slot = make_slot(alum, soon(), capacity=3)
    students = [StudentFactory() for _ in range(2)]
    bookings = [mentoring.book(slot.id, s) for s in students]
    mentoring.cancel_slot(slot.id, alum)
    assert slot.status is SlotStatus.CANCELLED and slot.booked_count == 0
    assert {b.status for b in bookings} == {BookingStatus.CANCELLED}
    for student in students:
        kinds = db.session.scalars(sa.select(Notification.kind).where(
            Notification.user_id == student.id).order_by(Notification.id)).all()
        assert kinds == ["booking_confirmed", "booking_cancelled"]
    from marketplace.core.errors import NotFound

    with pytest.raises(NotFound):
        mentoring.cancel_slot(make_slot(alum, soon(96)).id, AlumniFactory())


# -- invitations --------------------------------------------------------------

def test_invitation_parses_back_to_the_same_instants(app):
    alum, student = AlumniFactory(), StudentFactory()
    start = local_to_utc(date(2027, 3, 18), time(18, 0), NEW_YORK)
    slot = make_slot(alum, start, minutes=45, location="https://meet.example/abc")
    booking = mentoring.book(slot.id, student, "Breaking into data")
    calendar = Calendar.from_ical(mentoring.invitation(booking))
    assert str(calendar["method"]) == "REQUEST"
    event = next(iter(calendar.walk("VEVENT")))
    assert event.decoded("dtstart") == start and event.decoded("dtend") == start + timedelta(
        minutes=45)
    assert event.decoded("dtstart").tzinfo.key == NEW_YORK  # sent with the alum's zone
    assert str(event["uid"]) == f"booking-{booking.id}@127.0.0.1"
    assert str(event["organizer"]) == f"mailto:{alum.email}"
    assert str(event["attendee"]) == f"mailto:{student.email}"
    assert str(event["location"]) == "https://meet.example/abc"
    assert calendar.walk("VTIMEZONE"), "the zone travels with the invitation"

    mentoring.cancel_booking(booking.id, student)
    cancel = Calendar.from_ical(mentoring.invitation(booking))
    cancelled_event = next(iter(cancel.walk("VEVENT")))
    assert str(cancel["method"]) == "CANCEL" and str(cancelled_event["status"]) == "CANCELLED"
    assert str(cancelled_event["uid"]) == str(event["uid"])  # the same event, withdrawn
    assert cancelled_event.decoded("sequence") > event.decoded("sequence")


def test_confirmation_email_carries_the_invitation(app, run_jobs, smtp):
    alum, student = AlumniFactory(), StudentFactory()
    slot = make_slot(alum, soon())
    mentoring.book(slot.id, student)
    db.session.commit()
    run_jobs()
    messages = {m["To"]: m for m in smtp.messages}
    assert set(messages) >= {student.email, alum.email}
    for address in (student.email, alum.email):
        attachments = [part for part in messages[address].iter_attachments()]
        assert [a.get_content_type() for a in attachments] == ["text/calendar"]
        event = next(iter(Calendar.from_ical(attachments[0].get_content()).walk("VEVENT")))
        assert event.decoded("dtstart") == slot.starts_at


# -- after the session --------------------------------------------------------

def test_completed_session_becomes_one_connections_row(run_jobs):
    alum, student = AlumniFactory(), StudentFactory()
    slot = make_slot(alum, soon())
    booking = mentoring.book(slot.id, student)
    db.session.commit()
    with pytest.raises(Conflict, match="not started"):
        mentoring.mark_booking(booking.id, alum, BookingStatus.COMPLETED)
    db.session.rollback()
    db.session.execute(sa.update(Booking).where(Booking.id == booking.id).values(
        starts_at=utcnow() - timedelta(hours=1), ends_at=utcnow() - timedelta(minutes=30)))
    db.session.commit()
    mentoring.mark_booking(booking.id, alum, BookingStatus.COMPLETED)
    db.session.commit()
    run_jobs()
    from marketplace.blueprints.outcomes.jobs import record_mentoring_evidence

    record_mentoring_evidence(booking.id)  # a rerun adds nothing
    db.session.commit()
    rows = db.session.scalars(sa.select(OutcomeEvidence).where(
        OutcomeEvidence.student_id == student.id)).all()
    assert [(r.outcome, r.source_kind, r.source_id) for r in rows] == [
        ("connections", SourceKind.MENTORING, booking.id)]
    told = db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == student.id, Notification.kind == "evidence_recorded"))
    assert told == 1  # once, however often the job runs
    with pytest.raises(Conflict, match="already completed"):
        mentoring.mark_booking(booking.id, alum, BookingStatus.NO_SHOW)
    mentoring.add_booking_reflection(booking.id, student, "I will talk to two nurses.")
    assert booking.reflection == "I will talk to two nurses."


def test_only_the_slots_alum_marks_it_and_no_shows_are_visible_to_staff(client, login_as):
    alum, student = AlumniFactory(), StudentFactory()
    bookings = []
    for hours in (3, 2):
        slot = make_slot(alum, soon(24 * hours))
        bookings.append(mentoring.book(slot.id, student))
    db.session.execute(sa.update(Booking).values(starts_at=utcnow() - timedelta(hours=2)))
    from marketplace.core.errors import NotFound

    with pytest.raises(NotFound):
        mentoring.mark_booking(bookings[0].id, AlumniFactory(), BookingStatus.NO_SHOW)
    for booking in bookings:
        mentoring.mark_booking(booking.id, alum, BookingStatus.NO_SHOW)
    db.session.commit()
    assert mentoring.no_show_counts() == [(student, 2, 0)]
    login_as(StaffFactory())
    page = client.get("/staff/mentoring").get_data(as_text=True)
    assert student.email in page


# -- reminders ----------------------------------------------------------------

def test_reminders_go_once_a_day_before(run_jobs):
    alum, student = AlumniFactory(), StudentFactory()
    due = mentoring.book(make_slot(alum, soon(20)).id, student)
    later = mentoring.book(make_slot(alum, soon(40)).id, StudentFactory())
    db.session.commit()
    assert mentoring.send_due_reminders() == 1
    assert mentoring.send_due_reminders() == 0
    reminded = db.session.scalars(sa.select(Notification.user_id).where(
        Notification.kind == "booking_reminder")).all()
    assert sorted(reminded) == sorted([student.id, alum.id])
    assert due.reminder_sent_at is not None and later.reminder_sent_at is None


# -- pages --------------------------------------------------------------------

def test_alum_offers_a_series_in_the_browser_form(client, login_as):
    alum = AlumniFactory()
    login_as(alum)
    day = (utcnow() + timedelta(days=10)).date()
    response = client.submit("/mentoring/slots/new", {
        "topic": "Life as a civil engineer", "day": day.isoformat(), "start_time": "17:30",
        "time_zone": "America/Chicago", "duration_minutes": "45", "mode": "video",
        "location": "https://meet.example/xyz", "capacity": "2", "repeat_weeks": "3",
        "weekly_cap": "", "career_cluster": "construction"})
    assert response.status_code == 302
    slots = db.session.scalars(sa.select(MentoringSlot).where(
        MentoringSlot.alumni_id == alum.id).order_by(MentoringSlot.starts_at)).all()
    assert len(slots) == 3
    assert {s.starts_at.astimezone(ZoneInfo("America/Chicago")).strftime("%H:%M")
            for s in slots} == {"17:30"}
    page = client.get("/mentoring/mine").get_data(as_text=True)
    assert "Life as a civil engineer" in page and "5:30 PM" in page


def test_slot_form_explains_what_is_wrong(client, login_as):
    login_as(AlumniFactory())
    response = client.submit("/mentoring/slots/new", {
        "topic": "", "day": "2027-03-14", "start_time": "02:30", "time_zone": NEW_YORK,
        "duration_minutes": "30", "mode": "in_person", "location": "", "capacity": "0",
        "repeat_weeks": "1"})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Say what you can help with." in page and "Between 1 and 50." in page


def test_student_books_in_the_browser_and_downloads_the_invitation(client, login_as):
    alum = AlumniFactory()
    slot = make_slot(alum, soon(), location="https://meet.example/room")
    db.session.commit()
    student = StudentFactory()
    login_as(student)
    listing = client.get("/mentoring").get_data(as_text=True)
    assert "Careers in data" in listing and "meet.example" not in listing  # link after booking
    response = client.submit(f"/mentoring/slots/{slot.id}/book", {"agenda": "Internships"},
                             page=f"/mentoring/slots/{slot.id}")
    assert response.status_code == 302
    page = client.get("/mentoring/bookings").get_data(as_text=True)
    assert "meet.example/room" in page and "Download invitation" in page
    booking = db.session.scalar(sa.select(Booking).where(Booking.student_id == student.id))
    ics = client.get(f"/mentoring/bookings/{booking.id}/invite.ics")
    assert ics.status_code == 200 and ics.mimetype == "text/calendar"
    assert Calendar.from_ical(ics.data).walk("VEVENT")
    # Nobody else gets the invitation.
    client.post("/auth/logout", data={"csrf_token": client.csrf_token()})
    login_as(StudentFactory())
    assert client.get(f"/mentoring/bookings/{booking.id}/invite.ics").status_code == 404
    # A second student finds the slot full.
    full = client.submit(f"/mentoring/slots/{slot.id}/book", {"agenda": ""},
                         page=f"/mentoring/slots/{slot.id}")
    assert full.status_code == 409 and "This slot is full" in full.get_data(as_text=True)


def test_browse_filters_and_shows_the_viewers_zone(client, login_as):
    alum = AlumniFactory()
    alum.alumni_profile.employer = "Borealis Health"
    make_slot(alum, soon(), career_cluster="healthcare_human_services", topic="Nursing paths")
    make_slot(AlumniFactory(), soon(50), mode=SlotMode.PHONE, topic="Coding bootcamps")
    db.session.commit()
    page = client.get("/mentoring?cluster=healthcare_human_services").get_data(as_text=True)
    assert "Nursing paths" in page and "Coding bootcamps" not in page
    page = client.get("/mentoring?employer=boreal").get_data(as_text=True)
    assert "Nursing paths" in page and "Coding bootcamps" not in page
    page = client.get("/mentoring?mode=phone").get_data(as_text=True)
    assert "Coding bootcamps" in page and "Nursing paths" not in page
    page = client.get("/mentoring?date_from=nonsense&mode=boat").get_data(as_text=True)
    assert "Use a date like" in page and "Unknown mode." in page
    student = StudentFactory()
    student.student_profile.time_zone = "Asia/Tokyo"
    db.session.commit()
    login_as(student)
    page = client.get("/mentoring").get_data(as_text=True)
    assert "Times are shown in <strong>Tokyo time</strong>" in page


# -- API ----------------------------------------------------------------------

def test_api_offer_list_book_cancel(api_client):
    alum, student = AlumniFactory(), StudentFactory()
    as_alum, as_student = api_client(alum), api_client(student)
    response = as_alum.post("/api/v1/mentoring/slots", json={
        "starts_at": "2027-03-11T18:00:00", "duration_minutes": 30, "time_zone": NEW_YORK,
        "capacity": 2, "mode": "phone", "topic": "Teaching", "repeat_weeks": 2})
    assert response.status_code == 201, response.get_json()
    items = response.get_json()["items"]
    # Read in the given zone; shown with that zone's offset on each date.
    assert [i["starts_at"] for i in items] == ["2027-03-11T18:00:00-05:00",
                                               "2027-03-18T18:00:00-04:00"]
    assert items[0]["alumni"] == {"id": alum.id, "name": alum.name}
    listed = as_student.get("/api/v1/mentoring/slots").get_json()["items"]
    assert {i["id"] for i in listed} >= {i["id"] for i in items}
    slot_id = items[0]["id"]
    booked = as_student.post(f"/api/v1/mentoring/slots/{slot_id}/bookings",
                             json={"agenda": "Certification"})
    assert booked.status_code == 201
    booking = booked.get_json()
    assert booking["slot_id"] == slot_id and booking["student_id"] == student.id
    assert booking["status"] == "booked"
    again = as_student.post(f"/api/v1/mentoring/slots/{slot_id}/bookings", json={})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "conflict"
    listed = {i["id"]: i for i in as_student.get("/api/v1/mentoring/slots").get_json()["items"]}
    assert listed[slot_id]["remaining"] == 1
    cancelled = as_student.post(f"/api/v1/bookings/{booking['id']}/cancel")
    assert cancelled.status_code == 200 and cancelled.get_json()["status"] == "cancelled"


def test_api_roles_and_objects(api_client):
    alum, student, other_alum = AlumniFactory(), StudentFactory(), AlumniFactory()
    slot = make_slot(alum, soon())
    booking = mentoring.book(slot.id, student)
    db.session.execute(sa.update(Booking).values(starts_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()
    body = {"starts_at": "2027-03-11T18:00:00-05:00", "duration_minutes": 30,
            "time_zone": NEW_YORK, "topic": "x"}
    assert api_client(student).post("/api/v1/mentoring/slots", json=body).status_code == 403
    from tests.factories import EmployerFactory

    assert api_client(EmployerFactory()).post(
        f"/api/v1/mentoring/slots/{slot.id}/bookings", json={}).status_code == 403
    assert api_client(other_alum).post(
        f"/api/v1/bookings/{booking.id}/complete").status_code == 404
    assert api_client(StudentFactory()).post(
        f"/api/v1/bookings/{booking.id}/cancel").status_code == 404
    assert api_client(alum).post(f"/api/v1/bookings/{booking.id}/no-show").get_json()[
        "status"] == "no_show"


@pytest.mark.parametrize("body, field", [
    ({"starts_at": "tomorrow", "duration_minutes": 30, "time_zone": NEW_YORK, "topic": "x"},
     "starts_at"),
    ({"starts_at": "2027-03-14T02:30:00", "duration_minutes": 30, "time_zone": NEW_YORK,
      "topic": "x"}, "starts_at"),
    ({"starts_at": "2027-03-11T18:00:00", "duration_minutes": "30", "time_zone": NEW_YORK,
      "topic": "x"}, "duration_minutes"),
    ({"starts_at": "2027-03-11T18:00:00", "duration_minutes": 30, "time_zone": "Nowhere/City",
      "topic": "x"}, "time_zone"),
    ({"starts_at": "2027-03-11T18:00:00", "duration_minutes": 30, "time_zone": NEW_YORK,
      "topic": "x", "mode": "carrier pigeon"}, "mode"),
    ({"starts_at": "2027-03-11T18:00:00", "duration_minutes": 30, "time_zone": NEW_YORK,
      "topic": "x", "capacity": True}, "capacity"),
    ({"starts_at": "2027-03-11T18:00:00", "duration_minutes": 30, "time_zone": NEW_YORK,
      "topic": ["x"]}, "topic"),
])
def test_api_slot_input_errors_name_the_field(api_client, body, field):
    response = api_client(AlumniFactory()).post("/api/v1/mentoring/slots", json=body)
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


# -- edges found in review ----------------------------------------------------

@pytest.mark.parametrize("starts_at", ["9999-12-31T23:00:00", "9999-12-31T23:00:00-05:00",
                                       "0001-01-01T00:00:00+05:00", "0001-01-01T00:00:00"])
def test_api_out_of_range_times_are_a_422(api_client, starts_at):
    response = api_client(AlumniFactory()).post("/api/v1/mentoring/slots", json={
        "starts_at": starts_at, "duration_minutes": 30, "time_zone": "Asia/Tokyo",
        "topic": "x"})
    assert response.status_code == 422 and "starts_at" in response.get_json()["error"]["fields"]


def test_out_of_range_and_skipped_midnight_filters(client):
    page = client.get("/mentoring?date_to=9999-12-31&date_from=0001-01-01")
    assert page.status_code == 200 and "within three years" in page.get_data(as_text=True)
    refused = client.get("/api/v1/mentoring/slots?date_to=9999-12-31")
    assert refused.status_code == 422 and "date_to" in refused.get_json()["error"]["fields"]
    # Santiago skips midnight on 2027-09-05: the day starts at 01:00 there.
    assert start_of_day(date(2027, 9, 5), "America/Santiago") == datetime(
        2027, 9, 5, 4, 0, tzinfo=UTC)


def test_a_cancelled_booking_never_gets_its_event_or_place_back(app):
    alum, student = AlumniFactory(), StudentFactory()
    slot = make_slot(alum, soon(), location="https://meet.example/secret")
    booking = mentoring.book(slot.id, student)
    confirmation = db.session.scalar(sa.select(Notification).where(
        Notification.user_id == student.id, Notification.kind == "booking_confirmed"))
    mentoring.cancel_booking(booking.id, student)
    # The confirmation e-mail, sent late, carries no invitation any more.
    assert mentoring.invitation_for(confirmation) is None
    event = next(iter(Calendar.from_ical(mentoring.invitation(booking)).walk("VEVENT")))
    assert "location" not in event and str(event["status"]) == "CANCELLED"


def test_booking_a_cancelled_slot_in_the_browser_is_a_404(client, login_as):
    slot = make_slot(AlumniFactory(), soon(), status=SlotStatus.CANCELLED)
    db.session.commit()
    login_as(StudentFactory())
    response = client.post(f"/mentoring/slots/{slot.id}/book",
                           data={"csrf_token": client.csrf_token(), "agenda": ""})
    assert response.status_code == 404


def test_staff_cancelling_a_slot_say_so(app):
    slot = make_slot(AlumniFactory(), soon())
    student = StudentFactory()
    mentoring.book(slot.id, student)
    mentoring.cancel_slot(slot.id, StaffFactory())
    notice = db.session.scalar(sa.select(Notification).where(
        Notification.user_id == student.id, Notification.kind == "booking_cancelled"))
    assert notice.body.startswith("Career staff cancelled")


def invitation_of(message) -> bytes:
    [part] = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    return part.get_payload(decode=True)


def test_student_and_alum_each_get_the_right_invitation_and_cancellation(app, run_jobs, smtp):
    alum, student = AlumniFactory(), StudentFactory()
    slot = make_slot(alum, soon(48))
    booking = mentoring.book(slot.id, student)
    db.session.commit()
    run_jobs()
    sent = {m["To"]: invitation_of(m) for m in smtp.messages}
    assert read_calendar(sent[student.email]) == (
        "REQUEST", "CONFIRMED", [f"mailto:{student.email}"])
    # The alum organizes the session: their copy is published, not a request to attend.
    assert read_calendar(sent[alum.email])[0] == "PUBLISH"
    smtp.messages.clear()
    mentoring.cancel_booking(booking.id, student)
    db.session.commit()
    run_jobs()
    sent = {m["To"]: invitation_of(m) for m in smtp.messages}
    assert set(sent) == {student.email, alum.email}
    assert read_calendar(sent[student.email])[:2] == ("CANCEL", "CANCELLED")
    assert read_calendar(sent[alum.email])[:2] == ("PUBLISH", "CANCELLED")


def test_open_slots_are_paged_by_start_time(client):
    alum = AlumniFactory()
    same_time = soon(30)
    slots = [make_slot(alum, soon(20)), make_slot(alum, same_time),
             make_slot(alum, same_time), make_slot(alum, soon(40))]
    db.session.commit()
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/mentoring/slots", query_string={
            "limit": 2, **({"cursor": cursor} if cursor else {})}).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert seen == [slots[0].id, *sorted([slots[1].id, slots[2].id]), slots[3].id]
    assert client.get("/api/v1/mentoring/slots?cursor=bm9wZQ").status_code == 400
