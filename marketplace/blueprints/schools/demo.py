"""The district demo (``seed-demo --district``): two high schools with their staff, minors
with guardians, CTE concentrators, a job shadow waiting for a guardian's consent, and a
posting open to one school's students only."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from marketplace.blueprints.accounts.models import StudentProfile, User
from marketplace.blueprints.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
)
from marketplace.blueprints.applications.services import move_application
from marketplace.blueprints.opportunities.models import (
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
)
from marketplace.blueprints.schools import services
from marketplace.core.clock import institution_today
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.policies import Role

SCHOOLS = ("Roosevelt High School", "Lincoln High School")
SCHOOL_STAFF = (("counselor.roosevelt@demo.edu", "Ana Reyes", 0),
                ("counselor.lincoln@demo.edu", "Tom Becker", 1))
# (e-mail, name, school, age, guardian, language, CTE concentrator)
MINORS = (("jaden.ruiz@demo.edu", "Jaden Ruiz", 0, 16, "maria.ruiz@family.example", "es", True),
          ("emma.clark@demo.edu", "Emma Clark", 0, 17, "john.clark@family.example", "en", True),
          ("noah.kim@demo.edu", "Noah Kim", 1, 15, "sun.kim@family.example", "en", True),
          ("sofia.diaz@demo.edu", "Sofia Diaz", 1, 16, "ana.diaz@family.example", "es", False))
SHADOW_TITLE = "Hospital Job Shadow: a day with the nursing team"
# Open to Roosevelt's students only: Lincoln's (and visitors) do not see it.
ONE_SCHOOL_TITLE = "Pharmacy Technician Job Shadow (Roosevelt High School students)"


def seed_district(password_hash: str, employer_email: str) -> bool:
    """Make the institution a district with two schools, their staff and minors, and hire
    one minor for a job shadow (it waits for consent; the guardian's e-mail goes out after
    commit). Flushes; safe to rerun. Returns True when anything was added."""
    added = False
    schools = [services.add_school(name) for name in SCHOOLS]
    existing = set(db.session.scalars(sa.select(User.email)))
    for email, name, school in SCHOOL_STAFF:
        if email in existing:
            continue
        staff = User(email=email, name=name, role=Role.STAFF, password_hash=password_hash,
                     email_verified_at=utcnow())
        db.session.add(staff)
        db.session.flush()
        services.assign_school_staff(staff, schools[school])
        added = True
    today = institution_today()
    for email, name, school, age, guardian, language, cte in MINORS:
        if email in existing:
            continue
        db.session.add(User(email=email, name=name, role=Role.STUDENT,
                            password_hash=password_hash, email_verified_at=utcnow(),
                            student_profile=StudentProfile(
                                graduation_year=today.year + (18 - age),
                                date_of_birth=date(today.year - age, 3, 15), time_zone=
                                "America/New_York", school_id=schools[school].id,
                                cte_concentrator=cte, guardian_email=guardian,
                                preferred_language=language)))
        added = True
    db.session.flush()
    employer = db.session.scalar(sa.select(User).where(User.email == employer_email))
    if employer is not None:
        added = _seed_one_school_posting(employer, schools[0].id) or added
    if employer is None or db.session.scalar(sa.select(Opportunity.id).where(
            Opportunity.title == SHADOW_TITLE)):
        return added
    shadow = Opportunity(organization_id=employer.organization_id, created_by_id=employer.id,
                         title=SHADOW_TITLE, kind=OpportunityKind.JOB_SHADOW,
                         # Closed: its places are taken, and the campus demo's seeding
                         # (which picks published postings) leaves it alone on a rerun.
                         status=OpportunityStatus.CLOSED, closed_at=utcnow(), description=(
                             "Spend a day beside our nurses: rounds, patient intake, and how "
                             "a care team plans its shift."),
                         location="Miami Valley Hospital, Dayton, OH", paid=False,
                         hours_per_week=8, start_date=today + timedelta(days=21),
                         end_date=today + timedelta(days=21), positions=2,
                         career_cluster="healthcare_human_services", skills=[],
                         risk_flags=[], submitted_at=utcnow(), published_at=utcnow())
    db.session.add(shadow)
    student = db.session.scalar(sa.select(User).where(User.email == MINORS[0][0]))
    application = Application(opportunity=shadow, student=student, cover_letter="")
    application.events.append(ApplicationEvent(status=ApplicationStatus.SUBMITTED,
                                                actor_id=student.id))
    db.session.add(application)
    db.session.flush()
    move_application(application.id, ApplicationStatus.OFFERED, employer)
    move_application(application.id, ApplicationStatus.HIRED, student)
    return True


def _seed_one_school_posting(employer: User, school_id: int) -> bool:
    """A published job shadow open to one school's students only. Flushes; safe to rerun.
    True when it was added."""
    if db.session.scalar(sa.select(Opportunity.id).where(Opportunity.title == ONE_SCHOOL_TITLE)):
        return False
    today = institution_today()
    db.session.add(Opportunity(
        organization_id=employer.organization_id, created_by_id=employer.id,
        title=ONE_SCHOOL_TITLE, kind=OpportunityKind.JOB_SHADOW,
        status=OpportunityStatus.PUBLISHED, description=(
            "Two afternoons at our hospital pharmacy: how prescriptions are checked, filled "
            "and delivered to the wards. Arranged with Roosevelt's health sciences program, "
            "so open to its students only."),
        location="Miami Valley Hospital, Dayton, OH", paid=False, hours_per_week=6,
        start_date=today + timedelta(days=28), end_date=today + timedelta(days=35),
        application_deadline=today + timedelta(days=21), positions=3,
        career_cluster="healthcare_human_services", skills=["Attention to detail"],
        risk_flags=[], submitted_at=utcnow(), published_at=utcnow(), school_ids=[school_id]))
    db.session.flush()
    return True
