"""What the schools tests share: a student hired through the real services."""

from __future__ import annotations

from datetime import date, timedelta

from marketplace.blueprints.accounts.models import StudentProfile
from marketplace.blueprints.applications.models import (
    Application,
    ApplicationStatus,
    Placement,
)
from marketplace.blueprints.applications.services import move_application
from marketplace.blueprints.opportunities.models import OpportunityKind
from marketplace.core.extensions import db
from tests.factories import EmployerFactory, OpportunityFactory, StudentFactory


def years_ago(years: int, days: int = 0) -> date:
    today = date.today()
    return date(today.year - years, today.month, min(today.day, 28)) + timedelta(days=days)


def hire(born: date | None, guardian: str | None = "parent@family.example",
         language: str = "en", start: date | None = None, end: date | None = None,
         kind: OpportunityKind = OpportunityKind.JOB_SHADOW, student=None, **profile):
    """A student (born ``born``) offered and accepting a posting; returns
    (placement, employer, student). Commits, as the requests would."""
    opportunity = OpportunityFactory(title="Clinic Job Shadow", kind=kind,
                                     location="Dayton Clinic, 1 Main St", hours_per_week=6,
                                     start_date=start, end_date=end)
    employer = EmployerFactory(organization=opportunity.organization)
    opportunity.created_by = employer
    student = student or StudentFactory(name="Maya Lopez", student_profile=StudentProfile(
        graduation_year=2027, time_zone="America/New_York", date_of_birth=born,
        guardian_email=guardian, preferred_language=language, **profile))
    application = Application(opportunity=opportunity, student=student)
    db.session.add(application)
    db.session.commit()
    move_application(application.id, ApplicationStatus.OFFERED, employer)
    db.session.commit()
    move_application(application.id, ApplicationStatus.HIRED, student)
    db.session.commit()
    placement = db.session.query(Placement).filter_by(application_id=application.id).one()
    return placement, employer, student


def sign_in(app, user):
    """A new browser signed in as ``user`` through the log-in form."""
    from tests.factories import DEFAULT_PASSWORD

    browser = app.test_client()
    response = browser.submit("/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return browser
