"""A student writes a career plan and sends a resume; staff approve both from the queue;
the student's outcomes page then shows Career Design and Articulation reached."""

from __future__ import annotations

from datetime import date, timedelta

from playwright.sync_api import expect

from marketplace.core.policies import Role
from tests.journeys.helpers import check_accessibility, follow_nav, log_in, log_out, unique
from tests.support import TMP_ROOT

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_plan_and_resume_approved_become_outcomes(page, make_user):
    student_email, staff_email = unique("planner"), unique("coach")
    make_user(Role.STUDENT, student_email, name="Robin Planner")
    make_user(Role.STAFF, staff_email, name="Casey Coach")
    resume = TMP_ROOT / "journey-resume.pdf"
    resume.parent.mkdir(parents=True, exist_ok=True)
    resume.write_bytes(PDF)

    log_in(page, student_email)
    follow_nav(page, "Career plan", group="Me")
    expect(page.get_by_role("heading", name="My career plan")).to_be_visible()
    page.get_by_label("Your goals").fill("Become a data analyst in public health.")
    page.get_by_label("Target career cluster").select_option("digital_technology")
    page.get_by_label("Target roles").fill("Data analyst")
    soon = date.today() + timedelta(days=20)
    for n in (1, 2, 3):
        page.get_by_label(f"Next step {n}", exact=True).fill(f"Step {n}: talk to a mentor")
    # The third step has no date: the form says so and keeps what was typed.
    page.get_by_label("Date for step 1").fill(soon.isoformat())
    page.get_by_label("Date for step 2").fill((soon + timedelta(days=10)).isoformat())
    page.get_by_role("button", name="Send for sign-off").click()
    expect(page.get_by_role("link", name="Date for step 3: Give next step 3 a date.")
           ).to_be_visible()
    expect(page.get_by_label("Target roles")).to_have_value("Data analyst")
    check_accessibility(page, "career-plan-errors")
    page.get_by_label("Date for step 3").fill((soon + timedelta(days=30)).isoformat())
    page.get_by_role("button", name="Send for sign-off").click()
    expect(page.get_by_text("Waiting for review")).to_be_visible()

    follow_nav(page, "Documents", group="Me")
    page.get_by_label("What it is").select_option("resume")
    page.get_by_label("PDF file").set_input_files(str(resume))
    page.get_by_role("button", name="Send for review").click()
    expect(page.get_by_text("Sent: career staff will review it.")).to_be_visible()
    check_accessibility(page, "my-documents")
    log_out(page)

    log_in(page, staff_email)
    follow_nav(page, "Plans & documents", group="Review")
    expect(page.get_by_role("heading", name="Plans and documents to review")).to_be_visible()
    check_accessibility(page, "review-queue")
    page.get_by_role("link", name="Review the plan of Robin Planner").click()
    page.get_by_label("Decision", exact=True).select_option("approved")
    page.get_by_label("Comment for the student").fill("A clear plan with dates.")
    check_accessibility(page, "review-plan")
    page.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_text("Saved: approved.")).to_be_visible()
    page.get_by_role("link", name="Review the resume of Robin Planner").click()
    page.get_by_label("Decision", exact=True).select_option("approved")
    page.get_by_role("button", name="Save the decision").click()
    expect(page.get_by_text("No documents waiting.")).to_be_visible()
    follow_nav(page, "Evidence rules", group="Outcomes")
    expect(page.get_by_role("heading", name="Evidence rules")).to_be_visible()
    check_accessibility(page, "evidence-rules")
    log_out(page)

    log_in(page, student_email)
    follow_nav(page, "My outcomes", group="Me")
    for outcome in ("Career Design", "Articulation"):
        card = page.locator("li.outcome", has=page.get_by_role("heading", name=outcome))
        expect(card.get_by_text("Reached")).to_be_visible(timeout=20_000)
    expect(page.get_by_text("Career plan signed off by Casey Coach")).to_be_visible()
    expect(page.get_by_text("Resume approved by Casey Coach")).to_be_visible()
    check_accessibility(page, "my-outcomes-from-real-work")
