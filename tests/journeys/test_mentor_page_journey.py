"""A student browses mentors (one card each), opens a mentor's page, books one of the
times listed by day, and finds a clickable video link and "Add to Google Calendar" /
"Add to Outlook" beside the invitation; on a phone (390 × 844) and on a desktop."""

from __future__ import annotations

import uuid
from datetime import date, time, timedelta
from urllib.parse import parse_qs, urlsplit

import pytest
from playwright.sync_api import expect

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.mentoring import services as mentoring
from marketplace.blueprints.mentoring.services import SlotDetails
from marketplace.core.clock import local_to_utc
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.journeys.helpers import check_accessibility, log_in


def fits(page, width: int) -> None:
    """No sideways scrolling of the page."""
    assert page.evaluate("document.documentElement.scrollWidth") <= width


@pytest.mark.parametrize("device", ["phone", "page"])
def test_browse_mentors_open_a_mentor_and_book_a_time(request, device, make_user, live_app):
    browser_page = request.getfixturevalue(device)
    width = 390 if device == "phone" else 1280
    tag = f"{uuid.uuid4().int % 10**6:06d}"  # digits: the initials stay the name's
    mentor_name = f"Rosa Delgado-Whitfield {tag}"
    alum_id = make_user(Role.ALUMNI, f"rosa-{tag}@alumni.example", name=mentor_name)
    student_email = f"kim-{tag}@school.edu"
    make_user(Role.STUDENT, student_email, name=f"Kim Student {tag}")
    topic = f"Breaking into hospital administration and healthcare operations {tag}"
    first_day = date.today() + timedelta(days=10)
    with live_app.app_context():
        alum = db.session.get(User, alum_id)
        profile = alum.alumni_profile
        profile.employer = "Northwestern Regional Medical Center and Affiliated Clinics"
        profile.title = "Director of Patient Access Operations"
        profile.cluster = "healthcare_human_services"
        for start in (time(9), time(17, 30)):  # two times a day, four weeks running
            mentoring.create_slots(alum, SlotDetails(
                starts_at=local_to_utc(first_day, start, "America/New_York"),
                duration_minutes=45, time_zone="America/New_York", topic=topic,
                location=f"https://meet.example/rosa-{tag}?pwd=a1&room=7", repeat_weeks=4,
                career_cluster="healthcare_human_services"))
        db.session.commit()

    log_in(browser_page, student_email)
    browser_page.goto("/mentoring?employer=Northwestern+Regional&mode=video")
    card = browser_page.locator(".mentor-card").filter(has_text=mentor_name)
    expect(card).to_have_count(1)  # one card, not eight
    expect(card).to_contain_text("8 open times")
    expect(card.locator(".avatar")).to_have_text("RD")
    expect(card).to_contain_text("Director of Patient Access Operations at Northwestern")
    fits(browser_page, width)
    check_accessibility(browser_page, f"mentor-browse-{device}")

    card.get_by_role("link", name=mentor_name, exact=True).click()
    expect(browser_page.get_by_role("heading", level=1)).to_have_text(mentor_name)
    days = browser_page.locator("section.day")
    expect(days).to_have_count(4)  # four weeks, one day each, two times that day
    expect(days.first.locator(".time-list__time")).to_have_count(2)
    fits(browser_page, width)
    check_accessibility(browser_page, f"mentor-page-{device}")

    days.first.locator(".time-list__time").nth(1).click()  # the first day's 5:30 PM
    expect(browser_page.locator(".facts")).to_contain_text("5:30 PM")
    browser_page.get_by_label("What would you like to talk about? (optional)").fill(
        "How to move from the front desk into operations.")
    fits(browser_page, width)
    check_accessibility(browser_page, f"mentor-slot-{device}")
    browser_page.get_by_role("button", name="Book").click()
    expect(browser_page.get_by_role("status").first).to_contain_text("Booked")

    video = browser_page.get_by_role("link", name=f"https://meet.example/rosa-{tag}")
    expect(video).to_have_attribute("href", f"https://meet.example/rosa-{tag}?pwd=a1&room=7")
    expect(video).to_have_attribute("target", "_blank")
    google = browser_page.get_by_role("link", name="Add to Google Calendar")
    outlook = browser_page.get_by_role("link", name="Add to Outlook")
    for link in (google, outlook):
        expect(link).to_have_attribute("target", "_blank")
        expect(link).to_have_attribute("rel", "noopener")
    with live_app.app_context():
        start = local_to_utc(first_day, time(17, 30), "America/New_York")
    query = parse_qs(urlsplit(google.get_attribute("href")).query)
    assert query["dates"][0].startswith(f"{start:%Y%m%dT%H%M%S}Z/")
    assert query["text"] == [f"Mentoring: {topic}"]
    query = parse_qs(urlsplit(outlook.get_attribute("href")).query)
    assert query["startdt"] == [f"{start:%Y-%m-%dT%H:%M:%S}Z"]
    expect(browser_page.get_by_role("link", name="Download invitation (.ics)")).to_be_visible()
    fits(browser_page, width)
    check_accessibility(browser_page, f"mentor-bookings-{device}")

    # Back on the mentor's page the session is listed as the student's own.
    browser_page.goto(f"/mentoring/mentors/{alum_id}")
    expect(browser_page.get_by_role("heading", name=f"Your sessions with {mentor_name}")) \
        .to_be_visible()
    expect(browser_page.get_by_text("7 open times")).to_be_visible()
    fits(browser_page, width)
