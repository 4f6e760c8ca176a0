"""Each role's home, on a laptop (1280 wide) and on a phone (390 × 844): what it says to
do next, reachable and readable, with no sideways scrolling on the phone."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.blueprints.accounts.models import (
    Organization,
    OrganizationStatus,
    OrganizationType,
    User,
)
from marketplace.blueprints.applications.models import (
    Application,
    ApplicationStatus,
    Placement,
)
from marketplace.blueprints.mentoring.models import Booking, MentoringSlot, SlotMode
from marketplace.blueprints.opportunities.models import (
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    SavedOpportunity,
)
from marketplace.core.clock import institution_today
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.journeys.helpers import check_accessibility, log_in

HEALTH = "healthcare_human_services"
HOMES = {"student": "/students/", "employer": "/employers/", "alum": "/alumni/",
         "staff": "/staff/"}


def _by_email(email: str) -> User:
    return db.session.scalar(sa.select(User).where(User.email == email))


def _posting(organization_id: int, title: str, **values) -> Opportunity:
    values.setdefault("status", OpportunityStatus.PUBLISHED)
    values.setdefault("published_at", utcnow())
    values.setdefault("application_deadline", institution_today() + timedelta(days=30))
    posting = Opportunity(organization_id=organization_id, title=title,
                          kind=OpportunityKind.INTERNSHIP, career_cluster=HEALTH,
                          description="Help patients find their way around the clinic.",
                          location="Dayton, OH", positions=2, **values)
    db.session.add(posting)
    db.session.flush()
    return posting


def _slot(alum_id: int, hours: float, topic: str, **values) -> MentoringSlot:
    starts = (utcnow() + timedelta(hours=hours)).replace(second=0, microsecond=0)
    slot = MentoringSlot(alumni_id=alum_id, starts_at=starts,
                         ends_at=starts + timedelta(minutes=45), duration_minutes=45,
                         time_zone="America/New_York", topic=topic, mode=SlotMode.VIDEO,
                         location="https://meet.example/x", **values)
    db.session.add(slot)
    db.session.flush()
    return slot


def _book(student_id: int, slot: MentoringSlot, agenda: str = "") -> Booking:
    booking = Booking(slot_id=slot.id, student_id=student_id, starts_at=slot.starts_at,
                      ends_at=slot.ends_at, agenda=agenda)
    slot.booked_count += 1
    db.session.add(booking)
    db.session.flush()
    return booking


@pytest.fixture(scope="module")
def people(live_app, mailbox):
    """One person of each role, with what each home lists (names tagged per run)."""
    from marketplace.blueprints.accounts import services as accounts

    tag = uuid.uuid4().hex[:6]
    emails = {"student": f"rosa-{tag}@school.edu", "employer": f"hana-{tag}@clinic.example",
              "alum": f"ana-{tag}@alumni.example", "staff": f"sol-{tag}@school.edu"}
    with live_app.app_context():
        student = accounts.create_user(emails["student"], "Rosa Rivera", Role.STUDENT,
                                       "browser passphrase")
        employer = accounts.create_user(emails["employer"], "Hana Host", Role.EMPLOYER,
                                        "browser passphrase",
                                        organization_name=f"Riverside Community Clinic {tag}")
        alum = accounts.create_user(emails["alum"], "Ana Alvarez", Role.ALUMNI,
                                    "browser passphrase")
        accounts.create_user(emails["staff"], "Sol Staff", Role.STAFF, "browser passphrase")
        db.session.flush()
        student.student_profile.clusters = [HEALTH]
        student.student_profile.major = "Public Health"
        alum.alumni_profile.cluster = HEALTH
        alum.alumni_profile.employer = "Miami Valley Hospital"
        alum.alumni_profile.title = "Nurse educator"
        alum.alumni_profile.time_zone = "America/New_York"
        clinic = employer.organization_id

        front_desk = _posting(clinic, "Patient Navigator Intern (Summer, Bilingual Spanish)",
                              application_deadline=institution_today() + timedelta(days=3))
        lab = _posting(clinic, "Community Health Data Assistant")
        _posting(clinic, "Health Records Shadow Day", status=OpportunityStatus.DRAFT,
                 published_at=None)
        for n, status in enumerate([ApplicationStatus.SUBMITTED, ApplicationStatus.SUBMITTED,
                                    ApplicationStatus.REVIEWING, ApplicationStatus.INTERVIEWING,
                                    ApplicationStatus.OFFERED]):
            applicant = accounts.create_user(f"applicant{n}-{tag}@school.edu",
                                             f"Applicant {n}", Role.STUDENT, "browser passphrase")
            db.session.add(Application(opportunity_id=front_desk.id, student_id=applicant.id,
                                       status=status))
        intern = accounts.create_user(f"intern-{tag}@school.edu", "Iris Intern", Role.STUDENT,
                                      "browser passphrase")
        hired = Application(opportunity_id=lab.id, student_id=intern.id,
                            status=ApplicationStatus.HIRED)
        db.session.add(hired)
        db.session.flush()
        db.session.add(Placement(application_id=hired.id, student_id=intern.id,
                                 opportunity_id=lab.id,
                                 end_date=institution_today() - timedelta(days=2)))
        db.session.add(Application(opportunity_id=lab.id, student_id=student.id,
                                   status=ApplicationStatus.REVIEWING))

        other = Organization(name=f"Dayton Public Health {tag}", type=OrganizationType.GOVERNMENT,
                             status=OrganizationStatus.VERIFIED)
        db.session.add(other)
        db.session.flush()
        saved = _posting(other.id, "Vaccine Outreach Micro-internship",
                         application_deadline=institution_today() + timedelta(days=5))
        db.session.add(SavedOpportunity(user_id=student.id, opportunity_id=saved.id))
        _posting(other.id, "Health Educator Intern")
        _posting(other.id, "Epidemiology Shadow Day", status=OpportunityStatus.PENDING_REVIEW,
                 published_at=None, submitted_at=utcnow() - timedelta(days=3, hours=1))
        db.session.add(Organization(name=f"Waiting Org {tag}", type=OrganizationType.NONPROFIT,
                                    created_at=utcnow() - timedelta(days=1, hours=2)))

        _book(student.id, _slot(alum.id, 50, "Nursing and public health careers",
                                weekly_cap=4), agenda="How did you choose nursing?")
        _book(intern.id, _slot(alum.id, -20, "Resume review for health jobs"))
        _slot(alum.id, 80, "Nursing and public health careers", weekly_cap=4)
        db.session.commit()
    return emails


def _home(page, role: str, email: str) -> None:
    log_in(page, email)
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    page.goto(HOMES[role])


def _fits_the_phone(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"{page.url} is {width}px wide on a 390px phone"


@pytest.mark.parametrize("device", ["page", "phone"])
def test_student_home(request, people, device):
    page = request.getfixturevalue(device)
    _home(page, "student", people["student"])
    expect(page.get_by_role("heading", name="Where you are: Exploration")).to_be_visible()
    expect(page.locator("[aria-current=step]")).to_have_text("Exploration")
    expect(page.get_by_role("link", name="Apply to Health Educator Intern")).to_be_visible()
    suggested = page.locator("section", has=page.get_by_role("heading", name="Suggested for you"))
    expect(suggested).to_contain_text("Matches your cluster Healthcare & Human Services")
    expect(suggested).to_contain_text("Mentors in your cluster Healthcare & Human Services")
    expect(page.get_by_role("heading", name="Reviewing 1")).to_be_visible()
    expect(page.get_by_text("Nursing and public health careers")).to_be_visible()
    expect(page.get_by_text("Times in New York time.")).to_be_visible()
    expect(page.get_by_role("link", name="Vaccine Outreach Micro-internship")).to_be_visible()
    if device == "phone":
        _fits_the_phone(page)
    check_accessibility(page, f"home-student-{device}")
    page.get_by_role("link", name="Apply to Health Educator Intern").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Health Educator Intern")


@pytest.mark.parametrize("device", ["page", "phone"])
def test_employer_home(request, people, device):
    page = request.getfixturevalue(device)
    _home(page, "employer", people["employer"])
    first = page.locator(".result").first
    expect(first).to_contain_text("Patient Navigator Intern")
    # The first sign-in sees every open application as new; a later one only what came
    # after the previous sign-in was last seen (nothing, here).
    if page.get_by_text("every open application is new to you").count():
        expect(first).to_contain_text("5 new")
    else:
        expect(page.get_by_text("“New” means since your last visit")).to_be_visible()
        expect(first.locator(".badge")).to_have_count(0)
    expect(first.get_by_role("list")).to_contain_text("2 Submitted")
    expect(page.get_by_text("applications close in 3 days")).to_be_visible()
    expect(page.get_by_role("link", name="Iris Intern")).to_be_visible()
    expect(page.get_by_text("Not live yet:")).to_contain_text("1 draft")
    if device == "phone":
        _fits_the_phone(page)
    check_accessibility(page, f"home-employer-{device}")


@pytest.mark.parametrize("device", ["page", "phone"])
def test_alum_home(request, people, device):
    page = request.getfixturevalue(device)
    _home(page, "alum", people["alum"])
    expect(page.get_by_text("Times are in New York time.")).to_be_visible()
    expect(page.locator(".facts")).to_contain_text("New York")
    expect(page.locator(".facts")).not_to_contain_text("America")
    confirm = page.locator(".confirm-card")
    expect(confirm).to_contain_text("Iris Intern")
    expect(confirm.get_by_role("button", name="Held")).to_be_visible()
    expect(page.get_by_text("Rosa Rivera · Nursing and public health careers")).to_be_visible()
    expect(page.get_by_text("sessions booked this week")).to_contain_text("of 4")
    if device == "phone":
        _fits_the_phone(page)
    check_accessibility(page, f"home-alum-{device}")


@pytest.mark.parametrize("device", ["page", "phone"])
def test_staff_home(request, people, device):
    page = request.getfixturevalue(device)
    _home(page, "staff", people["staff"])
    postings = page.locator(".stat", has_text="postings waiting for review")
    expect(postings).to_contain_text("oldest waiting 3 days")
    organizations = page.locator(".stat", has_text="organizations waiting for verification")
    expect(organizations).to_contain_text("oldest waiting")
    expect(page.get_by_role("heading", name="This month so far")).to_be_visible()
    expect(page.locator(".stat", has_text="failed background tasks")).to_be_visible()
    if device == "phone":
        _fits_the_phone(page)
    check_accessibility(page, f"home-staff-{device}")
