"""Apply with a PDF → offer → accept → completion → evidence on /me/outcomes."""

from __future__ import annotations

import uuid

from playwright.sync_api import expect

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.opportunities.models import Opportunity, OpportunityStatus
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.journeys.helpers import (
    check_accessibility,
    follow_nav,
    log_in,
    log_out,
    reload_until_visible,
)
from tests.support import TMP_ROOT

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def test_apply_offer_accept_complete_evidence(page, make_user, live_app):
    tag = uuid.uuid4().hex[:6]
    employer_email, student_email = f"host-{tag}@acme.example", f"intern-{tag}@school.edu"
    make_user(Role.EMPLOYER, employer_email, name="Hana Host",
              organization_name=f"Greenhouse Lab {tag}")
    make_user(Role.STUDENT, student_email, name=f"Iris Intern {tag}")
    with live_app.app_context():
        employer = db.session.scalar(db.select(User).where(User.email == employer_email))
        opportunity = Opportunity(organization_id=employer.organization_id,
                                  created_by_id=employer.id, title=f"Greenhouse Intern {tag}",
                                  kind="internship", career_cluster="agriculture",
                                  description="Grow seedlings and log data.", location="Akron",
                                  status=OpportunityStatus.PUBLISHED, positions=1)
        from datetime import UTC, date, datetime, timedelta

        opportunity.application_deadline = date.today() + timedelta(days=10)
        opportunity.published_at = datetime.now(UTC)
        db.session.add(opportunity)
        db.session.commit()
        opportunity_id = opportunity.id
    resume = TMP_ROOT / f"resume-{tag}.pdf"
    resume.write_bytes(PDF)

    log_in(page, student_email)
    page.goto(f"/opportunities/{opportunity_id}")
    page.get_by_label("Cover letter").fill("I grew tomatoes for the campus garden.")
    page.get_by_label("Resume (PDF, at most 5 MB)").set_input_files(str(resume))
    check_accessibility(page, "apply")
    page.get_by_role("button", name="Send application").click()
    expect(page.get_by_role("status").first).to_contain_text("Application sent")
    check_accessibility(page, "student-application")
    log_out(page)

    log_in(page, employer_email)
    page.goto(f"/employers/opportunities/{opportunity_id}/applicants")
    check_accessibility(page, "applicants")
    page.get_by_role("link", name=f"Iris Intern {tag}").click()
    page.get_by_label("Message to the student (optional)").fill("We would love to have you!")
    page.get_by_role("button", name="Make an offer").click()
    expect(page.get_by_role("status").first).to_contain_text("Moved to offered")
    check_accessibility(page, "employer-application")
    log_out(page)

    log_in(page, student_email)
    page.get_by_role("link", name="Applications").click()
    page.get_by_role("link", name=f"Greenhouse Intern {tag}").click()
    expect(page.get_by_text("We would love to have you!")).to_be_visible()
    page.get_by_role("button", name="Accept the offer").click()
    expect(page.get_by_role("status").first).to_contain_text("You accepted the offer")
    log_out(page)

    log_in(page, employer_email)
    page.goto(f"/employers/opportunities/{opportunity_id}/applicants")
    page.get_by_role("link", name=f"Iris Intern {tag}").click()
    page.get_by_label("Hours worked").fill("120")
    page.get_by_label("Teamwork").select_option("4")
    page.get_by_label("Comment for the student and the career center").fill("Careful and kind.")
    check_accessibility(page, "complete-placement")
    page.get_by_role("button", name="Confirm completed").click()
    expect(page.get_by_role("status").first).to_contain_text("confirmed as completed")
    log_out(page)

    log_in(page, student_email)
    follow_nav(page, "My outcomes", group="Me")
    reload_until_visible(page, page.locator(".outcome--reached"))
    reached = page.locator(".outcome--reached")
    expect(reached).to_have_count(2)
    expect(reached.filter(has_text="Experiential Learning")).to_contain_text(
        f"Greenhouse Intern {tag}")
    expect(reached.filter(has_text="Connections")).to_contain_text(f"Greenhouse Lab {tag}")
    check_accessibility(page, "my-outcomes")
    log_out(page)

    # Career staff see every application, and their view is logged like anyone's.
    staff_email = f"staff-{tag}@school.edu"
    make_user(Role.STAFF, staff_email, name="Sol Staff")
    log_in(page, staff_email)
    page.goto("/staff/applications")
    check_accessibility(page, "staff-applications")
    page.get_by_role("link", name=f"Iris Intern {tag}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Iris Intern {tag}")
    page.goto("/staff/access-log")
    expect(page.get_by_text(staff_email)).to_be_visible()
    check_accessibility(page, "staff-access-log")
    log_out(page)
