"""marketplace.blueprints.applications.demo."""

from __future__ import annotations

import random

import sqlalchemy as sa

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Placement,
    PlacementStatus,
)
from marketplace.blueprints.opportunities.audience import open_to_school
from marketplace.blueprints.opportunities.models import Opportunity, OpportunityStatus
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.policies import Role


def seed_applications(rng: random.Random) -> bool:
    """Applications in every state and a few completed placements (their evidence: outcomes)."""
    from datetime import timedelta

    # Open to every school: the students below are anyone's (and a rerun after the district
    # demo's one-school posting picks the same postings as before).
    postings = db.session.scalars(sa.select(Opportunity).where(
        Opportunity.status == OpportunityStatus.PUBLISHED, open_to_school(None))
        .order_by(Opportunity.id)).all()
    students = db.session.scalars(sa.select(User).where(User.role == Role.STUDENT)
                                  .order_by(User.id).limit(24)).all()
    if not postings or not students:
        return False
    existing = set(db.session.execute(sa.select(Application.opportunity_id,
                                                Application.student_id)).all())
    path = {
        ApplicationStatus.SUBMITTED: [],
        ApplicationStatus.REVIEWING: [ApplicationStatus.REVIEWING],
        ApplicationStatus.INTERVIEWING: [ApplicationStatus.REVIEWING,
                                         ApplicationStatus.INTERVIEWING],
        ApplicationStatus.OFFERED: [ApplicationStatus.INTERVIEWING, ApplicationStatus.OFFERED],
        ApplicationStatus.HIRED: [ApplicationStatus.OFFERED, ApplicationStatus.HIRED],
        ApplicationStatus.OFFER_DECLINED: [ApplicationStatus.OFFERED,
                                           ApplicationStatus.OFFER_DECLINED],
        ApplicationStatus.DECLINED: [ApplicationStatus.REVIEWING, ApplicationStatus.DECLINED],
        ApplicationStatus.WITHDRAWN: [ApplicationStatus.WITHDRAWN],
    }
    statuses = list(path) + [ApplicationStatus.HIRED] * 4
    added = False
    for index, student in enumerate(students):
        status = statuses[index % len(statuses)]
        posting = postings[(index * 7) % len(postings)]
        if (posting.id, student.id) in existing:
            continue
        applied = utcnow() - timedelta(days=rng.randint(20, 80))
        application = Application(opportunity=posting, student=student, status=status,
                                  cover_letter="I would like to learn from your team and "
                                               "bring my coursework to real problems.",
                                  created_at=applied)
        application.events.append(ApplicationEvent(status=ApplicationStatus.SUBMITTED,
                                                   actor_id=student.id, created_at=applied))
        for step, moved in enumerate(path[status], start=1):
            actor = student.id if moved in (ApplicationStatus.HIRED,
                                            ApplicationStatus.OFFER_DECLINED,
                                            ApplicationStatus.WITHDRAWN) \
                else posting.created_by_id
            application.events.append(ApplicationEvent(
                status=moved, actor_id=actor, created_at=applied + timedelta(days=3 * step)))
        db.session.add(application)
        added = True
        if status is ApplicationStatus.HIRED:
            placement = Placement(application=application, student_id=student.id,
                                  opportunity_id=posting.id)
            db.session.add(placement)
            if index >= len(path):  # the extra hires finished their placements
                placement.status = PlacementStatus.COMPLETED
                placement.hours = float(rng.choice([40, 80, 120, 160]))
                placement.ratings = {"teamwork": rng.randint(3, 4),
                                     "professionalism": rng.randint(2, 4)}
                placement.completed_at = applied + timedelta(days=50)
                placement.completed_by_id = posting.created_by_id
    db.session.flush()
    return added
