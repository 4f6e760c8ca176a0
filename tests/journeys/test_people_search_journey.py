"""Career staff find a student by name, open their page of records, and the student sees
who looked."""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from playwright.sync_api import expect

from marketplace.blueprints.accounts.models import StudentProfile, User
from marketplace.blueprints.applications.models import Application, RecordAccess
from marketplace.blueprints.opportunities.models import Opportunity, OpportunityStatus
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.journeys.helpers import check_accessibility, log_in, log_out


def test_staff_find_a_student_and_open_their_records(page, make_user, live_app):
    tag = uuid.uuid4().hex[:6]
    student_email = f"zoe-{tag}@school.edu"
    make_user(Role.STUDENT, student_email, name=f"Zoe Quist {tag}")
    make_user(Role.STUDENT, f"zed-{tag}@school.edu", name=f"Zed Quist {tag}")
    employer_email = f"host-{tag}@mill.example"
    make_user(Role.EMPLOYER, employer_email, name=f"Hal Host {tag}",
              organization_name=f"Quist Mill {tag}")
    staff_email = f"dana-{tag}@school.edu"
    make_user(Role.STAFF, staff_email, name="Dana Staff")
    with live_app.app_context():
        student = db.session.scalar(db.select(User).where(User.email == student_email))
        student.student_profile = student.student_profile or StudentProfile(user=student)
        student.student_profile.graduation_year = 2028
        student.student_profile.major = "Industrial Design"
        employer = db.session.scalar(db.select(User).where(User.email == employer_email))
        opportunity = Opportunity(
            organization_id=employer.organization_id, created_by_id=employer.id,
            title=f"Pattern Shop Intern {tag}", kind="internship",
            career_cluster="advanced_manufacturing", description="Make molds.",
            location="Dayton", status=OpportunityStatus.PUBLISHED, positions=1,
            application_deadline=date.today() + timedelta(days=10),
            published_at=datetime.now(UTC))
        db.session.add(Application(opportunity=opportunity, student=student,
                                   cover_letter="I like wood."))
        db.session.commit()

    log_in(page, staff_email)
    page.get_by_role("link", name="Find a person").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Find a person")
    page.get_by_label("Name, e-mail or organization").fill(f"zoe quist {tag}")
    page.get_by_label("Who").select_option("student")
    page.get_by_role("button", name="Search").click()
    results = page.locator(".results > li")
    # Zed shares two of the words; Zoe, with all of them, comes first.
    expect(results).to_have_count(2)
    expect(results.first).to_contain_text(f"Zoe Quist {tag}")
    expect(results.first).to_contain_text("Class of 2028 · Industrial Design")
    check_accessibility(page, "people-search")

    results.first.get_by_role("link", name=f"Zoe Quist {tag}").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(f"Zoe Quist {tag}")
    applications = page.get_by_role("region", name="Applications")
    expect(applications.get_by_role("link", name=f"Pattern Shop Intern {tag}")).to_be_visible()
    expect(applications).to_contain_text("Submitted")
    expect(page.get_by_role("region", name="Career outcome evidence")).to_contain_text(
        "0 of 6 outcomes have evidence")
    check_accessibility(page, "person-student")
    with live_app.app_context():  # the look (and the phone-width check's) were logged
        looks = db.session.scalar(
            db.select(db.func.count(RecordAccess.id)).join(
                User, User.id == RecordAccess.student_id)
            .where(User.email == student_email, RecordAccess.what == "profile",
                   RecordAccess.application_id.is_(None)))
    assert looks >= 1
    log_out(page)

    log_in(page, student_email)
    page.goto("/students/applications")
    looked = page.get_by_role("region", name="Who has looked at your information")
    expect(looked.get_by_role("listitem")).to_have_count(1)
    expect(looked).to_contain_text("Dana Staff (career staff) viewed your profile")
    check_accessibility(page, "who-looked-student")
