"""Mentoring as a booking tool: mentors first, then their times by day; meeting links that
are links only when they are web links; "Add to Google Calendar" and "Add to Outlook"."""

from __future__ import annotations

import html
import re
from datetime import UTC, datetime, time, timedelta
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa
from icalendar import Calendar

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.mentoring import services as mentoring
from marketplace.blueprints.mentoring.models import Booking, SlotMode, SlotStatus
from marketplace.blueprints.mentoring.services import SlotFilters
from marketplace.core.clock import local_to_utc
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from tests.factories import AlumniFactory, EmployerFactory, StaffFactory, StudentFactory
from tests.mentoring.test_mentoring import make_slot, soon
from tests.support import csrf_from

NEW_YORK, TOKYO = "America/New_York", "Asia/Tokyo"


def cards(page: str) -> dict[str, str]:
    """Each mentor card of the browse page by the mentor's name."""
    blocks = re.findall(r'<li class="result mentor-card">(.*?)\n  </li>', page, re.S)
    return {re.search(r"<h3><a [^>]*>(.*?)</a></h3>", block).group(1): block
            for block in blocks}


def count_of(block: str) -> int:
    return int(re.search(r"(\d+) open times?<", block).group(1))


# -- browse: one card per mentor ----------------------------------------------

def test_browse_lists_each_mentor_once_with_their_open_times_counted(client):
    maya = AlumniFactory(name="Maya Mentor")
    maya.alumni_profile.employer, maya.alumni_profile.title = "Borealis Health", "Nurse lead"
    maya.alumni_profile.cluster = "healthcare_human_services"
    weekly = [make_slot(maya, soon(24 * 7 * week + 30), topic="Nursing paths")
              for week in range(6)]
    # Not open: full, cancelled, already started.
    make_slot(maya, soon(60), booked_count=1)
    make_slot(maya, soon(70), status=SlotStatus.CANCELLED)
    make_slot(maya, utcnow() - timedelta(hours=1))
    omar = AlumniFactory(name="Omar Owusu")
    make_slot(omar, soon(20), topic="Coding bootcamps", mode=SlotMode.PHONE)
    make_slot(omar, soon(90), topic="First jobs in IT", capacity=3, booked_count=2)
    db.session.commit()

    page = client.get("/mentoring").get_data(as_text=True)
    listed = cards(page)
    assert list(listed) == ["Omar Owusu", "Maya Mentor"]  # the soonest open time first
    assert count_of(listed["Maya Mentor"]) == 6 and count_of(listed["Omar Owusu"]) == 2
    assert page.count("Nursing paths") == 1  # not six cards for six weeks
    maya_card = listed["Maya Mentor"]
    assert 'class="avatar" aria-hidden="true">MM<' in maya_card
    assert "Nurse lead at Borealis Health" in maya_card
    assert "Healthcare &amp; Human Services" in maya_card
    assert f'href="/mentoring/slots/{weekly[0].id}"' in maya_card  # the next open time
    assert f'href="/mentoring/mentors/{maya.id}"' in maya_card
    assert "Talks about: Coding bootcamps; First jobs in IT" in listed["Omar Owusu"]


def test_browse_filters_count_only_the_matching_times(client):
    maya = AlumniFactory(name="Maya Mentor")
    maya.alumni_profile.employer = "Borealis Health"
    make_slot(maya, soon(30), mode=SlotMode.PHONE, career_cluster="healthcare_human_services")
    make_slot(maya, soon(40), mode=SlotMode.PHONE)
    make_slot(maya, soon(50), mode=SlotMode.VIDEO)
    make_slot(AlumniFactory(name="Omar Owusu"), soon(35), mode=SlotMode.VIDEO)
    db.session.commit()
    listed = cards(client.get("/mentoring?mode=phone").get_data(as_text=True))
    assert list(listed) == ["Maya Mentor"] and count_of(listed["Maya Mentor"]) == 2
    listed = cards(client.get("/mentoring?cluster=healthcare_human_services")
                   .get_data(as_text=True))
    assert list(listed) == ["Maya Mentor"] and count_of(listed["Maya Mentor"]) == 1
    listed = cards(client.get("/mentoring?employer=boreal&mode=video").get_data(as_text=True))
    assert list(listed) == ["Maya Mentor"] and count_of(listed["Maya Mentor"]) == 1


def test_closed_and_erased_accounts_are_not_listed_as_mentors(client):
    make_slot(AlumniFactory(name="Open Account"), soon(30))
    make_slot(AlumniFactory(name="Closed Account", active=False), soon(31))
    make_slot(AlumniFactory(name="Erased Account", active=False, erased_at=utcnow()), soon(32))
    db.session.commit()
    assert list(cards(client.get("/mentoring").get_data(as_text=True))) == ["Open Account"]


def test_mentors_are_paged_by_their_next_open_time(client):
    alumni = [AlumniFactory(name=f"Mentor {n:02d}") for n in range(mentoring.MENTORS_PER_PAGE + 1)]
    for n, alum in enumerate(alumni):
        make_slot(alum, soon(30 + n))
        make_slot(alum, soon(300 + n))
    db.session.commit()
    first = client.get("/mentoring?mode=video").get_data(as_text=True)
    assert list(cards(first)) == [a.name for a in alumni[:mentoring.MENTORS_PER_PAGE]]
    next_link = html.unescape(re.search(r'<a href="([^"]*)">Next page</a>', first).group(1))
    assert "mode=video" in next_link
    second = client.get(next_link).get_data(as_text=True)
    assert list(cards(second)) == [alumni[-1].name] and "Next page" not in second
    assert "First page" in second
    # A cursor we did not issue: the first page, and a message.
    page = client.get("/mentoring?cursor=bm9wZQ").get_data(as_text=True)
    assert "no longer valid" in page and len(cards(page)) == mentoring.MENTORS_PER_PAGE


def test_the_service_pages_with_a_key_and_stops(app):
    alumni = [AlumniFactory() for _ in range(3)]
    same = soon(30)
    for alum in alumni:
        make_slot(alum, same)
    seen, after = [], None
    while True:
        page, after = mentoring.open_mentors(SlotFilters(), NEW_YORK, limit=2, after=after)
        seen += [card.mentor.id for card in page]
        if after is None:
            break
    assert seen == sorted(a.id for a in alumni)


def test_browse_takes_a_fixed_number_of_queries(client, count_queries):
    for n in range(6):
        alum = AlumniFactory()
        for hours in (30, 60, 90):
            make_slot(alum, soon(hours + n), topic=f"Topic {hours}")
    db.session.commit()
    with count_queries() as counter:
        client.get("/mentoring")
    few = counter.count
    for _ in range(6):
        make_slot(AlumniFactory(), soon(45))
    db.session.commit()
    with count_queries() as counter:
        client.get("/mentoring")
    assert counter.count == few


# -- a mentor's page ----------------------------------------------------------

def local_day(days: int) -> datetime:
    return (datetime.now(ZoneInfo(NEW_YORK)) + timedelta(days=days)).date()


def test_mentor_page_groups_open_times_by_day_in_the_viewers_zone(client, login_as):
    maya = AlumniFactory(name="Maya Mentor")
    day = local_day(20)
    # 18:00 and 20:00 one New York evening, 09:00 the next morning: all the same day in Tokyo.
    starts = [local_to_utc(day, time(18), NEW_YORK), local_to_utc(day, time(20), NEW_YORK),
              local_to_utc(day + timedelta(days=1), time(9), NEW_YORK)]
    for start in starts:
        make_slot(maya, start, topic="Nursing paths")
    make_slot(maya, soon(30), status=SlotStatus.CANCELLED)
    db.session.commit()

    in_new_york = mentoring.times_by_day(mentoring.open_slots(
        SlotFilters(), NEW_YORK, mentor_id=maya.id), NEW_YORK)
    assert [(d, len(s)) for d, s in in_new_york] == [(day, 2), (day + timedelta(days=1), 1)]

    page = client.get(f"/mentoring/mentors/{maya.id}").get_data(as_text=True)
    headings = re.findall(r'<h3 id="day-[^"]+">(.*?)</h3>', page)
    assert len(headings) == 2 and "6:00 PM" in page and "New York" in page
    assert "Log in to book" in page and "3 open times" in page

    student = StudentFactory()
    student.student_profile.time_zone = TOKYO
    db.session.commit()
    login_as(student)
    page = client.get(f"/mentoring/mentors/{maya.id}").get_data(as_text=True)
    sections = re.findall(r'<section class="day"[^>]*>\s*<h3 id="day-([^"]+)">(.*?)</h3>(.*?)'
                          r"</section>", page, re.S)
    tokyo_day = starts[0].astimezone(ZoneInfo(TOKYO)).date()
    assert [(key, heading) for key, heading, _ in sections] == [
        (tokyo_day.isoformat(),
             f"{tokyo_day:%a, %b} {tokyo_day.day}, {tokyo_day.year}")]
    times = re.findall(r'class="time-list__time" href="/mentoring/slots/\d+"><time[^>]*>(.*?)<',
                       sections[0][2])
    assert times == ["8:00 AM JST", "10:00 AM JST", "11:00 PM JST"]
    assert "Tokyo time" in page and "choose one to book it" in page
    assert "Log in to book" not in page


def test_mentor_page_shows_the_profile_and_the_students_own_sessions(client, login_as):
    maya = AlumniFactory(name="Maya Mentor")
    maya.alumni_profile.title, maya.alumni_profile.employer = "Nurse lead", "Borealis Health"
    booked = make_slot(maya, soon(30), topic="Nursing paths")
    make_slot(maya, soon(60), topic="Night shifts")
    student = StudentFactory()
    mentoring.book(booked.id, student)
    db.session.commit()
    login_as(student)
    page = client.get(f"/mentoring/mentors/{maya.id}").get_data(as_text=True)
    assert "<h1>Maya Mentor</h1>" in page and "Nurse lead at Borealis Health" in page
    assert "Class of</dt><dd>2015" in page and "Talks about</dt><dd>Night shifts" in page
    assert "Your sessions with Maya Mentor" in page
    assert f'href="/mentoring/slots/{booked.id}"' in page  # listed among the student's sessions
    assert "1 open time" in page  # the booked one is full now


@pytest.mark.parametrize("who", ["missing", "student", "employer", "staff", "closed", "erased"])
def test_a_mentor_page_exists_only_for_an_open_alumni_account(client, who):
    account = {
        "missing": None, "student": StudentFactory, "employer": EmployerFactory,
        "staff": StaffFactory,
        "closed": lambda: AlumniFactory(active=False),
        "erased": lambda: AlumniFactory(active=False, erased_at=utcnow())}[who]
    user_id = account().id if account else 2_000_000_000
    if who in ("closed", "erased"):
        make_slot(db.session.get(User, user_id), soon(30))
    db.session.commit()
    assert client.get(f"/mentoring/mentors/{user_id}").status_code == 404


def test_the_slot_page_leads_back_to_the_mentor(client):
    maya = AlumniFactory(name="Maya Mentor")
    slot = make_slot(maya, soon(30))
    db.session.commit()
    page = client.get(f"/mentoring/slots/{slot.id}").get_data(as_text=True)
    assert f'<a href="/mentoring/mentors/{maya.id}">← All times with Maya Mentor</a>' in page


# -- only students book -------------------------------------------------------

@pytest.mark.parametrize("factory", [AlumniFactory, EmployerFactory, StaffFactory])
def test_only_students_book(client, login_as, factory):
    slot = make_slot(AlumniFactory(), soon(30))
    db.session.commit()
    login_as(factory())
    response = client.post(f"/mentoring/slots/{slot.id}/book",
                           data={"csrf_token": client.csrf_token(), "agenda": ""})
    assert response.status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(Booking.id))) == 0


def test_a_visitor_is_sent_to_log_in_to_book(client):
    slot = make_slot(AlumniFactory(), soon(30))
    db.session.commit()
    token = csrf_from(client.get("/auth/login").get_data(as_text=True))
    response = client.post(f"/mentoring/slots/{slot.id}/book",
                           data={"csrf_token": token, "agenda": ""})
    assert response.status_code == 302 and "/auth/login" in response.headers["Location"]
    assert db.session.scalar(sa.select(sa.func.count(Booking.id))) == 0


def test_a_student_books_from_the_mentor_page(client, login_as):
    maya = AlumniFactory(name="Maya Mentor")
    slot = make_slot(maya, soon(30))
    db.session.commit()
    student = StudentFactory()
    login_as(student)
    page = client.get(f"/mentoring/mentors/{maya.id}").get_data(as_text=True)
    assert f'href="/mentoring/slots/{slot.id}"' in page
    response = client.submit(f"/mentoring/slots/{slot.id}/book", {"agenda": "Nursing"},
                             page=f"/mentoring/slots/{slot.id}")
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Booking.student_id)) == student.id


# -- meeting links ------------------------------------------------------------

@pytest.mark.parametrize(("location", "expected"), [
    ("https://meet.example/room", ("https://meet.example/room", "")),
    ("HTTP://meet.example/room", ("HTTP://meet.example/room", "")),
    ("https://zoom.example/j/123 passcode 42", ("https://zoom.example/j/123", "passcode 42")),
    ("javascript:alert(1)", None),
    ("meet.example/room", None),
    ("ftp://files.example/x", None),
    ("https://", None),
    ("Room 204, Hall B", None),
    ("+1 555 0100", None),
    ("", None),
])
def test_only_web_addresses_are_meeting_links(location, expected):
    assert mentoring.web_link(location) == expected


def booked_page(client, login_as, location: str) -> tuple[str, object]:
    """The booked student's bookings page, and the slot."""
    slot = make_slot(AlumniFactory(), soon(30), location=location)
    student = StudentFactory()
    mentoring.book(slot.id, student)
    db.session.commit()
    login_as(student)
    return client.get("/mentoring/bookings").get_data(as_text=True), slot


def test_a_video_link_is_a_link_for_the_booked_student(client, login_as):
    page, slot = booked_page(client, login_as, "https://meet.example/room?id=7&pw=x passcode 42")
    assert ('<a class="break" href="https://meet.example/room?id=7&amp;pw=x" target="_blank" '
            'rel="noopener">https://meet.example/room?id=7&amp;pw=x') in page
    assert "passcode 42" in page
    slot_page = client.get(f"/mentoring/slots/{slot.id}").get_data(as_text=True)
    assert 'href="https://meet.example/room?id=7&amp;pw=x"' in slot_page


@pytest.mark.parametrize("location", ["javascript:alert(1)", "meet.example/room",
                                      "ftp://meet.example/room"])
def test_a_meeting_place_that_is_not_a_web_link_stays_text(client, login_as, location):
    page, slot = booked_page(client, login_as, location)
    assert f'<span class="break">{location}</span>' in page
    assert f'href="{location}' not in page and "href=\"javascript" not in page
    slot_page = client.get(f"/mentoring/slots/{slot.id}").get_data(as_text=True)
    assert f'<span class="break">{location}</span>' in slot_page


# -- Add to Google Calendar / Outlook ----------------------------------------

def test_calendar_links_carry_utc_times_and_encoded_text(app):
    alum = AlumniFactory(name="Maya Mentor")
    # 18:00 in Tokyo is 09:00 UTC.
    day = local_day(15)
    starts = local_to_utc(day, time(18), TOKYO)
    slot = make_slot(alum, starts, minutes=45, time_zone=TOKYO,
                     topic="Résumé & pay: 100% honest?", location="https://meet.example/a?b=1&c=2")
    booking = mentoring.book(slot.id, StudentFactory(), "Salary #1 + benefits")
    links = mentoring.calendar_links(booking)
    ends = starts + timedelta(minutes=45)

    google = urlsplit(links.google)
    assert f"{google.scheme}://{google.netloc}{google.path}" == \
        "https://calendar.google.com/calendar/render"
    query = parse_qs(google.query, strict_parsing=True)
    assert query["action"] == ["TEMPLATE"]
    assert query["dates"] == [f"{starts:%Y%m%d}T090000Z/{ends:%Y%m%d}T094500Z"]
    assert query["text"] == ["Mentoring: Résumé & pay: 100% honest?"]
    assert query["details"] == ["Video call with Maya Mentor, booked through Career "
                                "Connections.\n\nAgenda: Salary #1 + benefits"]
    assert query["location"] == ["https://meet.example/a?b=1&c=2"]
    # Encoded, not merely pasted: the values' & # % + space and é never appear raw.
    assert "text=Mentoring%3A%20R%C3%A9sum%C3%A9%20%26%20pay%3A%20100%25%20honest%3F" in \
        links.google
    assert "%23" in links.google and "%2B" in links.google and " " not in links.google

    outlook = urlsplit(links.outlook)
    assert f"{outlook.scheme}://{outlook.netloc}{outlook.path}" == \
        "https://outlook.live.com/calendar/0/deeplink/compose"
    query = parse_qs(outlook.query, strict_parsing=True)
    assert query["startdt"] == [f"{starts:%Y-%m-%d}T09:00:00Z"]
    assert query["enddt"] == [f"{ends:%Y-%m-%d}T09:45:00Z"]
    assert query["subject"] == ["Mentoring: Résumé & pay: 100% honest?"]
    assert query["body"][0].endswith("Agenda: Salary #1 + benefits")
    assert query["location"] == ["https://meet.example/a?b=1&c=2"]

    # The same event as the .ics.
    event = next(iter(Calendar.from_ical(mentoring.invitation(booking)).walk("VEVENT")))
    assert event.decoded("dtstart").astimezone(UTC) == starts
    assert str(event["summary"]) == "Mentoring: Résumé & pay: 100% honest?"


def test_the_booked_student_sees_calendar_links_that_open_in_a_new_tab(client, login_as):
    page, slot = booked_page(client, login_as, "Room 204")
    booking = db.session.scalar(sa.select(Booking))
    links = mentoring.calendar_links(booking)
    for label, address in (("Add to Google Calendar", links.google),
                           ("Add to Outlook", links.outlook)):
        assert (f'href="{html.escape(address)}" target="_blank" rel="noopener">{label}'
                in page)
    assert f'href="/mentoring/bookings/{booking.id}/invite.ics"' in page
    slot_page = client.get(f"/mentoring/slots/{slot.id}").get_data(as_text=True)
    assert html.escape(links.google) in slot_page and html.escape(links.outlook) in slot_page
