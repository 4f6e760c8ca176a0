"""An employer's home: each posting's applicants by stage, new ones first."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from marketplace.blueprints.accounts.models import (
    User,
    UserSession,
)
from marketplace.blueprints.applications.models import (
    OPEN_STATUSES,
    Application,
    ApplicationStatus,
    Placement,
    PlacementStatus,
)
from marketplace.blueprints.home.services.common import LIST_LIMIT, SOON
from marketplace.blueprints.opportunities.models import (
    Opportunity,
    OpportunityStatus,
)
from marketplace.core.clock import institution_today
from marketplace.core.extensions import db

PIPELINE = (ApplicationStatus.SUBMITTED, ApplicationStatus.REVIEWING,
            ApplicationStatus.INTERVIEWING, ApplicationStatus.OFFERED, ApplicationStatus.HIRED)


@dataclass
class PostingPipeline:
    opportunity: Opportunity
    counts: dict[ApplicationStatus, int] = field(default_factory=dict)
    new: int = 0

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass
class EmployerHome:
    previous_visit: datetime | None
    postings: list[PostingPipeline]
    closing_soon: list[Opportunity]
    placements: list[Placement]
    waiting: dict[OpportunityStatus, int]  # postings not yet live, by status


def previous_visit(user: User, current_session_id: int | None) -> datetime | None:
    """When the person was last here before this sign-in: the latest "last seen" of
    their other sessions (ended or not). None on a first sign-in. One query."""
    statement = sa.select(sa.func.max(UserSession.last_seen_at)).where(
        UserSession.user_id == user.id)
    if current_session_id is not None:
        statement = statement.where(UserSession.id != current_session_id)
    return db.session.scalar(statement)


def employer_home(employer: User, since: datetime | None) -> EmployerHome:
    """Each live posting's applicants by stage (new since ``since`` first), postings
    closing within a week, active placements to confirm, postings waiting. Four queries."""
    organization_id = employer.organization_id
    if organization_id is None:
        return EmployerHome(since, [], [], [], {})
    with_open = sa.select(Application.opportunity_id).where(
        Application.status.in_(OPEN_STATUSES))
    postings = db.session.scalars(
        sa.select(Opportunity).where(
            Opportunity.organization_id == organization_id,
            sa.or_(Opportunity.status == OpportunityStatus.PUBLISHED,
                   Opportunity.id.in_(with_open)))
        .order_by(Opportunity.published_at.desc(), Opportunity.id.desc()).limit(50)).all()
    pipelines = {posting.id: PostingPipeline(posting) for posting in postings}
    if pipelines:
        new = sa.func.sum(sa.case((Application.created_at > since, 1), else_=0)) \
            if since is not None else sa.func.count(Application.id)
        for opportunity_id, status, count, fresh in db.session.execute(
                sa.select(Application.opportunity_id, Application.status,
                          sa.func.count(Application.id), new)
                .where(Application.opportunity_id.in_(list(pipelines)))
                .group_by(Application.opportunity_id, Application.status)):
            pipeline = pipelines[opportunity_id]
            if status in PIPELINE:
                pipeline.counts[status] = count
            if status in OPEN_STATUSES:
                pipeline.new += int(fresh or 0)
    ordered = sorted(pipelines.values(), key=lambda p: (-p.new, -p.total))
    today = institution_today()
    closing = sorted((p.opportunity for p in ordered
                      if p.opportunity.status is OpportunityStatus.PUBLISHED
                      and p.opportunity.application_deadline is not None
                      and today <= p.opportunity.application_deadline <= today + SOON),
                     key=lambda o: (o.application_deadline, o.id))
    placements = db.session.scalars(
        sa.select(Placement).join(Placement.opportunity).join(Placement.student)
        .options(contains_eager(Placement.opportunity), contains_eager(Placement.student))
        .where(Opportunity.organization_id == organization_id,
               Placement.status == PlacementStatus.ACTIVE)
        .order_by(sa.func.coalesce(Placement.end_date, date.max), Placement.id)
        .limit(LIST_LIMIT)).unique().all()
    waiting = dict(db.session.execute(
        sa.select(Opportunity.status, sa.func.count(Opportunity.id)).where(
            Opportunity.organization_id == organization_id,
            Opportunity.status.in_([OpportunityStatus.DRAFT, OpportunityStatus.AWAITING_PAYMENT,
                                    OpportunityStatus.PENDING_REVIEW,
                                    OpportunityStatus.REJECTED]))
        .group_by(Opportunity.status)).all())
    return EmployerHome(since, ordered, closing, placements, waiting)
