"""An employer works through a posting's applicants on the board, on a phone and a desk."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

import pytest
from playwright.sync_api import expect

from marketplace.blueprints.accounts.models import StudentProfile, User
from marketplace.blueprints.applications.models import (
    Application,
    ApplicationStatus,
    RecordAccess,
)
from marketplace.blueprints.opportunities.models import Opportunity, OpportunityStatus
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.journeys.helpers import check_accessibility, log_in, log_out

WIDTHS = {"phone": 390, "page": 1280}


def fits(page, width: int) -> None:
    """No sideways scrolling of the page itself."""
    scroll_width = page.evaluate("() => document.documentElement.scrollWidth")
    assert scroll_width <= width, f"{page.url} is {scroll_width} px wide at {width} px"


def a_posting_with_applicants(live_app, make_user, tag: str) -> tuple[str, str, int]:
    employer_email = f"recruiter-{tag}@lab.example"
    make_user(Role.EMPLOYER, employer_email, name=f"Rita Recruiter {tag}",
              organization_name=f"Riverside Lab {tag}")
    people = [("Ada", ApplicationStatus.SUBMITTED, "Biomedical Engineering with a very "
               "long program name that has to wrap"), ("Ben", ApplicationStatus.SUBMITTED,
                                                       "Chemistry"),
              ("Cleo", ApplicationStatus.REVIEWING, "Biology"),
              ("Dev", ApplicationStatus.DECLINED, "Physics")]
    emails = [f"{name.lower()}-{tag}@school.edu" for name, _, _ in people]
    for (name, _, _), email in zip(people, emails, strict=True):
        make_user(Role.STUDENT, email, name=f"{name} Applicant {tag}")
    with live_app.app_context():
        employer = db.session.scalar(db.select(User).where(User.email == employer_email))
        opportunity = Opportunity(
            organization_id=employer.organization_id, created_by_id=employer.id,
            title=f"Field Research Intern {tag}", kind="internship",
            career_cluster="agriculture", description="Sample streams.", location="Dayton",
            status=OpportunityStatus.PUBLISHED, positions=2,
            application_deadline=date.today() + timedelta(days=10),
            published_at=datetime.now(UTC))
        db.session.add(opportunity)
        start = datetime.now(UTC) - timedelta(days=5)
        for day, ((_, status, major), email) in enumerate(zip(people, emails, strict=True)):
            student = db.session.scalar(db.select(User).where(User.email == email))
            profile = student.student_profile or StudentProfile(user=student)
            profile.graduation_year, profile.major = 2027, major
            db.session.add(Application(opportunity=opportunity, student=student, status=status,
                                       cover_letter="I would like to learn field methods.",
                                       created_at=start + timedelta(days=day)))
        db.session.commit()
        return employer_email, emails[1], opportunity.id


@pytest.mark.parametrize("device", ["phone", "page"])
def test_work_through_the_pipeline(request, device, live_app, make_user):
    page, width = request.getfixturevalue(device), WIDTHS[device]
    tag = uuid.uuid4().hex[:6]
    employer_email, ben_email, opportunity_id = a_posting_with_applicants(live_app, make_user,
                                                                          tag)

    log_in(page, employer_email)
    page.goto(f"/employers/opportunities/{opportunity_id}/applicants")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        f"Applicants for Field Research Intern {tag}")
    submitted = page.get_by_role("region", name="Submitted")
    expect(submitted.get_by_role("heading")).to_have_text("Submitted 2")
    expect(page.get_by_role("region", name="Reviewing").get_by_role("heading")).to_have_text(
        "Reviewing 1")
    expect(page.get_by_role("region", name="Closed")).to_contain_text(f"Dev Applicant {tag}")
    ben_card = submitted.get_by_role("listitem").filter(has_text=f"Ben Applicant {tag}")
    expect(ben_card).to_contain_text("New")
    expect(ben_card).to_contain_text("Class of 2027 · Chemistry")
    fits(page, width)
    check_accessibility(page, f"pipeline-board-{device}")

    # Bulk decline waits behind its disclosure, still asking before it acts.
    page.get_by_text("Decline several applicants at once").click()
    expect(page.get_by_role("button", name="Decline selected")).to_be_visible()
    fits(page, width)
    check_accessibility(page, f"pipeline-bulk-decline-{device}")

    # Newest first within a stage: Ben, who applied after Ada, leads the column.
    submitted.get_by_role("link", name=f"Ben Applicant {tag}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Ben Applicant {tag}")
    expect(page.get_by_text("class of 2027 · Chemistry")).to_be_visible()
    pager = page.get_by_role("navigation", name="Other applicants for this posting")
    expect(pager.get_by_role("link", name="Previous applicant")).to_have_count(0)
    fits(page, width)
    check_accessibility(page, f"pipeline-application-{device}")

    page.get_by_role("button", name="Move to reviewing").click()
    expect(page.get_by_role("status").first).to_contain_text("Moved to reviewing")
    expect(page.get_by_text("status: Reviewing")).to_be_visible()
    expect(page.get_by_role("button", name="Move to interviewing")).to_be_visible()
    fits(page, width)
    check_accessibility(page, f"pipeline-moved-{device}")

    # Ben now trails Cleo, who applied after him, in Reviewing: Ada, Cleo, Ben, then Dev.
    pager.get_by_role("link", name="Next applicant").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Dev Applicant {tag}")
    expect(pager.get_by_role("link", name="Next applicant")).to_have_count(0)
    for name in ("Ben", "Cleo", "Ada"):
        pager.get_by_role("link", name="Previous applicant").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(f"{name} Applicant {tag}")
    expect(pager.get_by_role("link", name="Previous applicant")).to_have_count(0)

    page.get_by_role("link", name=f"All applicants for Field Research Intern {tag}").click()
    expect(page.get_by_role("region", name="Submitted").get_by_role("heading")).to_have_text(
        "Submitted 1")
    expect(page.get_by_role("region", name="Reviewing").get_by_role("heading")).to_have_text(
        "Reviewing 2")
    log_out(page)

    # Ben sees the recruiter once, with how often and when last.
    log_in(page, ben_email)
    page.goto("/students/applications")
    page.get_by_role("link", name=f"Field Research Intern {tag}").click()
    looked = page.get_by_role("region", name="Who has looked at your application")
    expect(looked.get_by_role("listitem")).to_have_count(1)
    with live_app.app_context():  # each visit is one row (the phone-width check adds some)
        views = db.session.scalar(
            db.select(db.func.count(RecordAccess.id)).join(User, User.id == RecordAccess.student_id)
            .where(User.email == ben_email))
    assert views >= 3
    expect(looked.get_by_role("listitem")).to_contain_text(
        f"Rita Recruiter {tag} (Riverside Lab {tag}) viewed your application: {views} times, last")
    fits(page, width)
    check_accessibility(page, f"pipeline-student-views-{device}")
    log_out(page)
