"""An alum offers a slot → a student books it and downloads the invitation → the alum
confirms the session → the student sees the Connections evidence."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from icalendar import Calendar
from playwright.sync_api import expect

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.mentoring.models import Booking, MentoringSlot
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.journeys.helpers import (
    check_accessibility,
    follow_nav,
    log_in,
    log_out,
    reload_until_visible,
)


def test_offer_book_invite_complete_evidence(page, phone, make_user, live_app):
    tag = uuid.uuid4().hex[:6]
    alum_email, student_email = f"mentor-{tag}@alumni.example", f"mentee-{tag}@school.edu"
    make_user(Role.ALUMNI, alum_email, name=f"Maya Mentor {tag}")
    make_user(Role.STUDENT, student_email, name=f"Sam Student {tag}")
    topic = f"Careers in public health {tag}"
    day = date.today() + timedelta(days=9)

    log_in(page, alum_email)
    page.get_by_role("link", name="My slots", exact=True).click()
    page.get_by_role("link", name="Offer a slot").first.click()
    page.get_by_label("Topic").fill(topic)
    page.get_by_label("Date").fill(day.isoformat())
    page.get_by_label("Start time").fill("18:00")
    page.get_by_label("Time zone").select_option("America/Chicago")
    page.get_by_label("Length").select_option("45")
    page.get_by_label("Video link, phone number or place").fill("https://meet.example/health")
    page.get_by_label("Career cluster").select_option("healthcare_human_services")
    page.get_by_label("Repeat weekly for").fill("2")
    check_accessibility(page, "mentoring-offer")
    page.get_by_role("button", name="Offer").click()
    expect(page.get_by_role("status").first).to_contain_text("2 slots offered")
    check_accessibility(page, "mentoring-my-slots")
    log_out(page)

    log_in(page, student_email)
    page.get_by_role("link", name="Mentoring", exact=True).click()
    page.get_by_label("Career cluster").select_option("healthcare_human_services")
    page.get_by_role("button", name="Show mentors").click()
    check_accessibility(page, "mentoring-browse")
    page.get_by_role("link", name=f"Maya Mentor {tag}", exact=True).click()
    page.locator(".time-list__time").first.click()
    # The student's zone (New York) is an hour ahead of the alum's (Chicago).
    expect(page.locator(".facts")).to_contain_text("7:00 PM")
    expect(page.locator(".facts")).to_contain_text("EST")
    expect(page.get_by_text("meet.example")).to_have_count(0)  # shown once booked
    page.get_by_label("What would you like to talk about? (optional)").fill(
        "How to get a first job in a health department.")
    check_accessibility(page, "mentoring-slot")
    page.get_by_role("button", name="Book").click()
    expect(page.get_by_role("status").first).to_contain_text("Booked")
    expect(page.get_by_text("https://meet.example/health")).to_be_visible()
    check_accessibility(page, "mentoring-bookings")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download invitation (.ics)").click()
    invitation = Calendar.from_ical(open(download.value.path(), "rb").read())
    event = next(iter(invitation.walk("VEVENT")))
    with live_app.app_context():
        student = db.session.scalar(sa.select(User).where(User.email == student_email))
        booking = db.session.scalar(sa.select(Booking).where(Booking.student_id == student.id))
        assert event.decoded("dtstart") == booking.starts_at
        assert str(event["attendee"]) == f"mailto:{student_email}"
        # The session takes place: move it into the past.
        start = utcnow() - timedelta(hours=2)
        db.session.execute(sa.update(Booking).where(Booking.id == booking.id).values(
            starts_at=start, ends_at=start + timedelta(minutes=45)))
        db.session.execute(sa.update(MentoringSlot).where(
            MentoringSlot.id == booking.slot_id).values(
            starts_at=start, ends_at=start + timedelta(minutes=45)))
        db.session.commit()
    log_out(page)

    log_in(page, alum_email)
    page.get_by_role("link", name="My slots", exact=True).click()
    expect(page.get_by_role("heading", name="Did these sessions happen?")).to_be_visible()
    check_accessibility(page, "mentoring-confirm")
    page.get_by_role("button", name="Mark completed").click()
    expect(page.get_by_role("status").first).to_contain_text("marked completed")
    log_out(page)

    log_in(page, student_email)
    follow_nav(page, "My outcomes", group="Me")
    reload_until_visible(page, page.locator(".outcome--reached"))
    expect(page.locator(".outcome--reached").filter(has_text="Connections")).to_be_visible()
    check_accessibility(page, "mentoring-outcomes")
    page.get_by_role("link", name="My mentoring").click()
    page.get_by_label("Your reflection").fill("I will apply to the county health fellowship.")
    page.get_by_role("button", name="Save reflection").click()
    expect(page.get_by_role("status").first).to_contain_text("Reflection saved")
    log_out(page)

    staff_email = f"staff-{tag}@school.edu"
    make_user(Role.STAFF, staff_email, name="Sol Staff")
    log_in(page, staff_email)
    follow_nav(page, "Mentoring report", group="Outcomes")
    expect(page.get_by_role("heading", name="Students with repeated no-shows")).to_be_visible()
    check_accessibility(page, "staff-mentoring")
    log_out(page)

    # The browse page at phone width.
    phone.goto("/mentoring")
    expect(phone.get_by_role("heading", name="Mentoring with alumni")).to_be_visible()
    check_accessibility(phone, "mentoring-browse-phone")
