"""marketplace.blueprints.outcomes.demo."""

from __future__ import annotations

import random

import sqlalchemy as sa

from marketplace.blueprints.accounts.demo import (
    DEMO_DOMAIN,
    FIRST_NAMES,
    LAST_NAMES,
    MAIN_STUDENT,
    MAJORS,
    STAFF,
)
from marketplace.blueprints.accounts.models import StudentProfile, User
from marketplace.blueprints.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Placement,
    PlacementStatus,
)
from marketplace.blueprints.mentoring.models import Booking, BookingStatus
from marketplace.blueprints.opportunities.models import Opportunity, OpportunityStatus
from marketplace.blueprints.outcomes.models import (
    DestinationCategory,
    FirstDestination,
    OutcomeEvidence,
    SourceKind,
    StaffRecord,
)
from marketplace.blueprints.outcomes.services import rebuild_attainment, record_evidence
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.policies import Role

STAFF_RECORD_EXAMPLES = {
    "career_design": ["Career exploration workshop", "Career plan reviewed with a coach"],
    "skills_competencies": ["NACE competencies self-assessment", "Excel certification course"],
    "articulation": ["Mock interview with a career coach", "Résumé reviewed by career staff"],
    "job_search": ["Job search strategy workshop", "Attended the spring career fair"],
}


def seed_work_evidence() -> bool:
    """Evidence for the demo's completed placements and mentoring sessions, as the
    evidence jobs record it. Flushes; adds only what is missing."""
    added = False
    placements = db.session.scalars(sa.select(Placement).where(
        Placement.status == PlacementStatus.COMPLETED).order_by(Placement.id)).all()
    for placement in placements:
        posting = placement.opportunity
        for outcome in ("experiential_learning", "connections"):
            added = record_evidence(placement.student_id, outcome, SourceKind.PLACEMENT,
                                    placement.id,
                                    {"opportunity": posting.title,
                                     "organization": posting.organization.name,
                                     "hours": placement.hours},
                                    occurred_at=placement.completed_at) or added
    bookings = db.session.scalars(sa.select(Booking).where(
        Booking.status == BookingStatus.COMPLETED).order_by(Booking.id)).all()
    for booking in bookings:
        slot = booking.slot
        added = record_evidence(booking.student_id, "connections", SourceKind.MENTORING,
                                booking.id, {"alum": slot.alumni.name, "topic": slot.topic,
                                             "minutes": slot.duration_minutes},
                                occurred_at=slot.starts_at) or added
    db.session.flush()
    return added


def seed_outcomes(rng: random.Random, password_hash: str) -> bool:
    """Three graduating classes of a few hundred students, with evidence and first
    destinations that leave visible gaps between student groups."""
    from datetime import date, datetime, timedelta

    if db.session.scalar(sa.select(sa.func.count(StaffRecord.id))):
        return False
    staff = db.session.scalar(sa.select(User).where(User.email == STAFF[0]))
    postings = db.session.scalars(sa.select(Opportunity).where(
        Opportunity.status == OpportunityStatus.PUBLISHED).order_by(Opportunity.id)).all()
    if staff is None or not postings:
        return False
    existing = {u for u in db.session.scalars(sa.select(User.email))}
    majors = list(MAJORS)
    for index in range(48, 330):
        email = f"student{index:03d}@{DEMO_DOMAIN}"
        if email in existing:
            continue
        name = (f"{FIRST_NAMES[(index * 7) % len(FIRST_NAMES)]} "
                f"{LAST_NAMES[(index * 11) % len(LAST_NAMES)]}")
        major = majors[(index * 5) % len(majors)]
        first_gen = rng.random() < 0.4 if rng.random() < 0.92 else None
        pell = rng.random() < (0.55 if first_gen else 0.25) if rng.random() < 0.92 else None
        user = User(email=email, name=name, role=Role.STUDENT, password_hash=password_hash,
                    email_verified_at=utcnow())
        user.student_profile = StudentProfile(
            graduation_year=2026 + index % 3, major=major, first_generation=first_gen,
            pell_eligible=pell, time_zone="America/New_York")
        user.student_profile.clusters = MAJORS[major]
        db.session.add(user)
    db.session.flush()

    now = utcnow()
    students = db.session.scalars(sa.select(User).join(StudentProfile).where(
        User.role == Role.STUDENT, User.email.like("student%@demo.edu"),
        User.email != MAIN_STUDENT[0]).order_by(User.id)).all()
    applied = set(db.session.execute(sa.select(Application.opportunity_id,
                                               Application.student_id)).all())
    with_evidence = set(db.session.scalars(sa.select(OutcomeEvidence.student_id).where(
        OutcomeEvidence.outcome == "experiential_learning")))

    def when(seniority: int) -> datetime:
        # Older classes did more, and longer ago.
        return now - timedelta(days=rng.randint(5, 120 + 80 * seniority))

    for student in students:
        profile = student.student_profile
        seniority = 2028 - (profile.graduation_year or 2028)
        penalty = (0.22 if profile.first_generation else 0) + (0.12 if profile.pell_eligible
                                                               else 0)
        did_placement = (student.id in with_evidence
                         or rng.random() < 0.25 + 0.18 * seniority - penalty)
        if did_placement and student.id not in with_evidence:
            posting = postings[(student.id * 3) % len(postings)]
            if (posting.id, student.id) not in applied:
                at = when(seniority)
                application = Application(opportunity=posting, student=student,
                                          status=ApplicationStatus.HIRED, created_at=at,
                                          cover_letter="I am ready to learn on the job.")
                application.events.append(ApplicationEvent(
                    status=ApplicationStatus.HIRED, actor_id=student.id, created_at=at))
                placement = Placement(application=application, student_id=student.id,
                                      opportunity_id=posting.id,
                                      status=PlacementStatus.COMPLETED,
                                      hours=float(rng.choice([40, 80, 120])),
                                      completed_at=at + timedelta(days=30),
                                      completed_by_id=posting.created_by_id)
                db.session.add_all([application, placement])
                db.session.flush()
                for outcome in ("experiential_learning", "connections"):
                    db.session.add(OutcomeEvidence(
                        student_id=student.id, outcome=outcome,
                        source_kind=SourceKind.PLACEMENT, source_id=placement.id,
                        recorded_at=min(at + timedelta(days=30), now),
                        occurred_at=min(at + timedelta(days=30), now),
                        details={"opportunity": posting.title,
                                 "organization": posting.organization.name}))
                with_evidence.add(student.id)
        for outcome, examples in STAFF_RECORD_EXAMPLES.items():
            chance = 0.35 + 0.15 * seniority - penalty * 0.6 + (0.1 if did_placement else 0)
            if rng.random() < chance:
                at = when(seniority)
                record = StaffRecord(student_id=student.id, outcome=outcome,
                                     occurred_on=at.date(), description=rng.choice(examples),
                                     recorded_by_id=staff.id, created_at=at)
                db.session.add(record)
                db.session.flush()
                db.session.add(OutcomeEvidence(
                    student_id=student.id, outcome=outcome, source_kind=SourceKind.STAFF,
                    source_id=record.id, recorded_at=at, occurred_at=at,
                    details={"description": record.description,
                             "date": record.occurred_on.isoformat()}))
        if profile.graduation_year == 2026 and rng.random() < 0.78:
            good = 0.82 if student.id in with_evidence else 0.6
            roll = rng.random()
            if roll < good:
                category = rng.choice([DestinationCategory.EMPLOYED_FULL_TIME] * 5 + [
                    DestinationCategory.CONTINUING_EDUCATION, DestinationCategory.MILITARY,
                    DestinationCategory.EMPLOYED_PART_TIME])
            elif roll < good + 0.06:
                category = DestinationCategory.NOT_SEEKING
            else:
                category = rng.choice([DestinationCategory.SEEKING_EMPLOYMENT,
                                       DestinationCategory.SEEKING_EDUCATION])
            db.session.add(FirstDestination(
                student_id=student.id, category=category, recorded_on=date(2026, 11, 1),
                employer=rng.choice(["Riverbend Health System", "Lumen Software",
                                     "Cedar County", None])
                if category is DestinationCategory.EMPLOYED_FULL_TIME else None))
    db.session.flush()
    rebuild_attainment()  # the rows above were written with their historical times
    return True
