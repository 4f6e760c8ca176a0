"""Employer posts → staff review and approve → a student finds, filters and opens it."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from playwright.sync_api import expect

from marketplace.core.policies import Role
from tests.journeys.helpers import check_accessibility, follow_nav, log_in, log_out


def test_post_review_publish_and_find(page, phone, make_user):
    word = "xylophonist" + uuid.uuid4().hex[:5]  # a word only this posting has
    employer = f"employer-{uuid.uuid4().hex[:6]}@acme-tools.example"
    staff = f"staff-{uuid.uuid4().hex[:6]}@school.edu"
    student = f"student-{uuid.uuid4().hex[:6]}@school.edu"
    make_user(Role.EMPLOYER, employer, name="Ada Employer",
              organization_name=f"Acme Tools {uuid.uuid4().hex[:4]}")
    make_user(Role.STAFF, staff, name="Sam Staff")
    make_user(Role.STUDENT, student, name="Stu Dent")

    log_in(page, employer)
    page.get_by_role("link", name="Postings").click()
    check_accessibility(page, "employer-postings-empty")
    page.get_by_role("link", name="New posting").click()
    page.get_by_label("Title").fill("Sound Engineering Intern")
    page.get_by_label("Kind").select_option("internship")
    page.get_by_label("Career cluster").select_option("arts_entertainment_design")
    page.get_by_label("Description").fill(
        f"Record concerts with our {word} and learn **live sound** mixing.")
    page.get_by_label("Where").select_option("hybrid")
    page.get_by_label("Location").fill("Dayton, OH")
    page.get_by_label("Pay from (US$)").fill("19")
    page.get_by_label("Pay up to (US$)").fill("22")
    page.get_by_label("Application deadline").fill(
        (date.today() + timedelta(days=21)).isoformat())
    page.get_by_label("Positions").fill("2")
    check_accessibility(page, "employer-new-posting")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Draft saved")
    page.get_by_role("button", name="Submit for review").click()
    expect(page.get_by_role("status").first).to_contain_text("Submitted")
    expect(page.get_by_text("Pending review")).to_be_visible()
    check_accessibility(page, "employer-postings")
    log_out(page)

    # A visitor without an account searches before approval: nothing yet. That page is
    # now kept by the visitors' page cache, and browsing gives the visitor no cookie.
    visitor = phone
    visitor.goto(f"/opportunities?q={word}")
    expect(visitor.get_by_text("No postings match")).to_be_visible()
    assert visitor.context.cookies() == []

    log_in(page, staff)
    follow_nav(page, "Postings to review", group="Review")
    card = page.locator(".result", has_text="Sound Engineering Intern")
    expect(card).to_be_visible()
    expect(card.get_by_text("No risk flags.")).to_be_visible()
    check_accessibility(page, "staff-review")
    card.get_by_role("button", name="Approve Sound Engineering Intern").click()
    expect(page.get_by_role("status").first).to_contain_text("Approved: Sound Engineering")
    log_out(page)

    # The approval shows on the visitor's very next visit to the same address.
    visitor.reload()
    expect(visitor.get_by_role("link", name="Sound Engineering Intern")).to_be_visible()
    visitor.get_by_role("link", name="Sound Engineering Intern").click()
    expect(visitor.get_by_role("link", name="Log in to apply")).to_be_visible()
    check_accessibility(visitor, "visitor-detail-phone")
    assert visitor.context.cookies() == []

    log_in(page, student)
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Opportunities").click()
    page.get_by_label("Search", exact=True).fill(word)
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_role("link", name="Sound Engineering Intern")).to_be_visible()
    check_accessibility(page, "browse-search")
    page.get_by_label("Kind").select_option("job_shadow")
    page.get_by_role("button", name="Search").click()
    expect(page.get_by_text("No postings match")).to_be_visible()
    page.get_by_label("Kind").select_option("internship")
    page.get_by_label("Where").select_option("hybrid")
    page.get_by_role("button", name="Search").click()
    page.get_by_role("link", name="Sound Engineering Intern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Sound Engineering Intern")
    expect(page.locator(".prose strong")).to_have_text("live sound")
    expect(page.get_by_text("$19.00–$22.00 per hour")).to_be_visible()
    check_accessibility(page, "opportunity-detail")
    page.get_by_role("button", name="Save for later").click()
    expect(page.get_by_role("status").first).to_contain_text("Saved to your list")
    follow_nav(page, "Saved", group="Me")
    expect(page.get_by_role("link", name="Sound Engineering Intern")).to_be_visible()
    check_accessibility(page, "saved")
    log_out(page)
