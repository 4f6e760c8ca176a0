"""Staff create a career fair → an employer registers and is approved → a student
registers, shows their code and is checked in at the kiosk (on a phone) → the employer logs
a conversation → the student's Connections evidence shows it."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.blueprints.events.models import Event
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.journeys.helpers import (
    check_accessibility,
    check_phone_width,
    follow_nav,
    log_in,
    log_out,
    reload_until_visible,
)


def test_fair_registration_kiosk_conversation_evidence(page, phone, make_user, live_app):
    tag = uuid.uuid4().hex[:6]
    staff_email, employer_email = f"staff-{tag}@school.edu", f"recruiter-{tag}@company.example"
    student_email = f"fairgoer-{tag}@school.edu"
    organization = f"Lakeside Health {tag}"
    make_user(Role.STAFF, staff_email, name=f"Sol Staff {tag}")
    make_user(Role.EMPLOYER, employer_email, name=f"Rita Recruiter {tag}",
              organization_name=organization)
    make_user(Role.STUDENT, student_email, name=f"Fay Fairgoer {tag}")
    title = f"Spring career fair {tag}"

    # Staff create the fair.
    log_in(page, staff_email)
    follow_nav(page, "Events", group="Outcomes")
    page.get_by_role("link", name="New event").first.click()
    page.get_by_label("Kind of event").select_option("career_fair")
    page.get_by_label("Title").fill(title)
    page.get_by_label("Date").fill((date.today() + timedelta(days=14)).isoformat())
    page.get_by_label("Starts").fill("11:00")
    page.get_by_label("Ends").fill("09:00")  # before the start: refused, the rest kept
    page.get_by_label("Time zone").select_option("America/Chicago")
    page.get_by_label("Place", exact=True).fill("Student Center Ballroom")
    page.get_by_label("Places", exact=True).fill("200")
    page.get_by_label("Published (students can see it and register)").check()
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text("The end must come after the start.").first).to_be_visible()
    expect(page.get_by_label("Title")).to_have_value(title)
    page.get_by_label("Ends").fill("15:00")
    check_accessibility(page, "events-new")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Event saved")
    expect(page.get_by_role("heading", name=title)).to_be_visible()
    with live_app.app_context():
        event_id = db.session.scalar(sa.select(Event.id).where(Event.title == title))
    log_out(page)

    # The employer registers the organization for the fair.
    log_in(page, employer_email)
    page.get_by_role("link", name="Career fairs", exact=True).click()
    page.get_by_role("link", name=title).click()
    page.get_by_label("Representatives attending").fill("3")
    page.get_by_label("What you recruit for (optional)").fill("Nursing internships")
    check_accessibility(page, "events-fair-employer")
    page.get_by_role("button", name="Register my organization").click()
    expect(page.get_by_role("status").first).to_contain_text("Registered")
    expect(page.locator("#fair-heading + p")).to_contain_text("Pending")
    log_out(page)

    # Staff approve it, with a table.
    log_in(page, staff_email)
    page.goto(f"/staff/events/{event_id}")
    page.get_by_label("Table").fill("B7")
    page.get_by_role("button", name=f"Approve {organization}").click()
    expect(page.get_by_role("status").first).to_contain_text("approved")
    check_accessibility(page, "events-manage")
    log_out(page)

    # The student registers and opens their code.
    log_in(page, student_email)
    page.get_by_role("link", name="Events", exact=True).click()
    check_accessibility(page, "events-list")
    page.get_by_role("link", name=title).click()
    expect(page.get_by_text("Recruiting for: Nursing internships")).to_be_visible()
    page.get_by_role("button", name="Register").click()
    expect(page.get_by_role("status").first).to_contain_text("You are registered")
    check_accessibility(page, "events-fair-student")
    page.get_by_role("link", name="your check-in code").click()
    expect(page.locator(".checkin-code svg")).to_be_visible()
    code = page.locator(".checkin-code__text").inner_text().split(":")[-1].strip()
    check_accessibility(page, "events-code")
    check_phone_width(page, "events-code")
    log_out(page)

    # The fair day: it starts in half an hour.
    with live_app.app_context():
        start = utcnow() + timedelta(minutes=30)
        db.session.execute(sa.update(Event).where(Event.id == event_id).values(
            starts_at=start, ends_at=start + timedelta(hours=4)))
        db.session.commit()

    # Staff check the student in at the kiosk, on a phone; sent twice, it counts once.
    log_in(phone, staff_email)
    phone.goto(f"/staff/events/{event_id}/kiosk")
    phone.get_by_label("Check-in code").fill(code.lower())
    phone.get_by_role("button", name="Check in").click()
    expect(phone.locator("[data-result]")).to_contain_text(f"Fay Fairgoer {tag} is checked in")
    expect(phone.locator("[data-attended]")).to_have_text("1")
    phone.get_by_label("Check-in code").fill(code)
    phone.get_by_role("button", name="Check in").click()
    expect(phone.locator("[data-result]")).to_contain_text("was already checked in")
    expect(phone.locator("[data-attended]")).to_have_text("1")
    check_accessibility(phone, "events-kiosk-phone")
    check_phone_width(phone, "events-kiosk-phone")
    phone.get_by_label("Check-in code").fill("ZZZZZZZZ")
    phone.get_by_role("button", name="Check in").click()
    expect(phone.locator("[data-result]")).to_contain_text("No student has this code")
    log_out(phone)

    # The employer logs the conversation.
    log_in(page, employer_email)
    page.goto(f"/events/{event_id}")
    page.get_by_role("link", name="Log conversations").click()
    page.get_by_label("Student's code").fill(code)
    page.get_by_label("Note (optional)").fill("Interested in the ICU rotation")
    page.get_by_label("Follow up with this student").check()
    check_accessibility(page, "events-conversations")
    page.get_by_role("button", name="Log the conversation").click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"Conversation with Fay Fairgoer {tag} logged")
    log_out(page)

    # The student sees it: Connections evidence, and who they met.
    log_in(page, student_email)
    follow_nav(page, "My outcomes", group="Me")
    reload_until_visible(page, page.locator(".outcome--reached"))
    connections = page.locator(".outcome--reached").filter(has_text="Connections")
    expect(connections).to_contain_text("Conversation at an event")
    expect(connections).to_contain_text(organization)
    check_accessibility(page, "events-outcomes")
    page.goto(f"/events/{event_id}")
    page.get_by_role("button", name=f"Share my profile with {organization}").click()
    expect(page.get_by_role("status").first).to_contain_text("Your profile is shared")
    log_out(page)
