"""Demo events: a career fair next month with employers and registrations, a workshop last
week with its attendance taken, and an information session coming up."""

from __future__ import annotations

import random
from datetime import date, time, timedelta

import sqlalchemy as sa

from marketplace.blueprints.accounts.models import Organization, OrganizationStatus, User
from marketplace.blueprints.events.models import (
    Event,
    EventKind,
    EventRegistration,
    EventStatus,
    FairEmployer,
    FairStatus,
    RegistrationStatus,
)
from marketplace.blueprints.events.services import current_code
from marketplace.core.clock import local_to_utc
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.policies import Role

ZONE = "America/New_York"

FAIR_TEXT = """Meet more than a dozen employers hiring for **internships, apprenticeships and
first jobs** across healthcare, manufacturing, technology and public service.

- Bring your check-in code (My check-in code, in the menu) and show it at each table you visit.
- After you talk, the employer scans your code; share your profile with them from the event page.
- Business casual is fine. Résumé review tables are open all afternoon."""

RECRUITING = ("Summer internships and new-graduate roles", "Apprenticeships, paid from day one",
              "Part-time roles during the school year", "Job shadows and micro-internships")


def _day(offset_days: int) -> date:
    return (utcnow() + timedelta(days=offset_days)).date()


def seed_events(rng: random.Random) -> bool:
    """Add the demo events once (nothing when any event exists). Flushes."""
    if db.session.scalar(sa.select(sa.func.count(Event.id))):
        return False
    staff = db.session.scalar(sa.select(User).where(User.role == Role.STAFF).order_by(User.id))
    students = db.session.scalars(sa.select(User).where(
        User.role == Role.STUDENT, User.active.is_(True)).order_by(User.id)).all()
    organizations = db.session.scalars(sa.select(Organization).where(
        Organization.status == OrganizationStatus.VERIFIED).order_by(Organization.id)).all()
    if staff is None or not students:
        return False
    now = utcnow()

    def add(kind: EventKind, title: str, day: date, start: time, end: time, capacity: int,
            **values) -> Event:
        event = Event(kind=kind, title=title, starts_at=local_to_utc(day, start, ZONE),
                      ends_at=local_to_utc(day, end, ZONE), time_zone=ZONE, capacity=capacity,
                      registered_count=0, waitlist_counter=0, status=EventStatus.PUBLISHED,
                      created_by_id=staff.id, created_at=now - timedelta(days=20),
                      audience_years=[], audience_clusters=[], **values)
        db.session.add(event)
        db.session.flush()
        return event

    fair = add(EventKind.CAREER_FAIR, "Spring Career & Internship Fair", _day(30), time(11),
               time(15), 400, place="Student Center Ballroom, 2nd floor",
               description=FAIR_TEXT)
    for index, organization in enumerate(organizations[:8]):
        contact = db.session.scalar(sa.select(User).where(
            User.organization_id == organization.id).order_by(User.id))
        approved = index < 6
        db.session.add(FairEmployer(
            event_id=fair.id, organization_id=organization.id, representatives=rng.randint(1, 4),
            recruiting_for=RECRUITING[index % len(RECRUITING)],
            table_label=f"{'ABCD'[index % 4]}{index + 1}" if approved else "",
            status=FairStatus.APPROVED if approved else FairStatus.PENDING,
            registered_by_id=contact.id if contact else None,
            decided_at=now - timedelta(days=5) if approved else None,
            decided_by_id=staff.id if approved else None))
    for student in students[:15]:
        db.session.add(EventRegistration(event_id=fair.id, student_id=student.id,
                                         status=RegistrationStatus.REGISTERED,
                                         registered_at=now - timedelta(days=rng.randint(1, 10))))
        fair.registered_count += 1

    workshop = add(EventKind.WORKSHOP, "Résumé Lab: Tell Your Story in One Page", _day(-7),
                   time(16), time(17, 30), 20, place="Career Center, Room 114",
                   video_link="https://meet.demo.edu/resume-lab",
                   description="Bring a draft résumé (or your laptop): peer review and tips "
                               "from career coaches.")
    for index, student in enumerate(students[1:21]):
        attended = index % 5 != 4  # four in five came
        db.session.add(EventRegistration(
            event_id=workshop.id, student_id=student.id,
            status=RegistrationStatus.ATTENDED if attended else RegistrationStatus.NO_SHOW,
            registered_at=now - timedelta(days=14),
            checked_in_at=workshop.starts_at + timedelta(minutes=rng.randint(-10, 15))
            if attended else None,
            checked_in_by_id=staff.id if attended else None,
            no_show_at=workshop.ends_at + timedelta(hours=3) if not attended else None,
            reminder_sent_at=workshop.starts_at - timedelta(hours=20)))
        workshop.registered_count += 1

    if organizations:
        session = add(EventKind.INFO_SESSION, f"Meet {organizations[0].name}", _day(9),
                      time(12), time(13), 6, place="Engineering Hall 210",
                      host_organization_id=organizations[0].id,
                      description="A lunchtime information session about internships and "
                                  "how to apply.")
        for student in students[:8]:  # six places, two waiting
            registration = EventRegistration(event_id=session.id, student_id=student.id,
                                             registered_at=now - timedelta(days=2))
            if session.registered_count < session.capacity:
                registration.status = RegistrationStatus.REGISTERED
                session.registered_count += 1
            else:
                session.waitlist_counter += 1
                registration.status = RegistrationStatus.WAITLISTED
                registration.waitlist_position = session.waitlist_counter
                registration.registered_at = None
            db.session.add(registration)
    db.session.flush()
    current_code(students[0])
    db.session.flush()
    return True
