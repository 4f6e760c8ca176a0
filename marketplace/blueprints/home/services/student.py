"""A student's home: their stage on the career learning spectrum, the one next step,
suggestions, open applications, sessions and deadlines.

The stage is the outcomes domain's (``outcomes.spectrum``): one rule, staff change it on
the evidence rules page."""

from __future__ import annotations

import enum
from collections import defaultdict
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from marketplace.blueprints.accounts.models import (
    Organization,
    OrganizationStatus,
    User,
)
from marketplace.blueprints.accounts.services import viewer_clusters
from marketplace.blueprints.applications.models import (
    OPEN_STATUSES,
    Application,
    ApplicationStatus,
    Placement,
    PlacementStatus,
)
from marketplace.blueprints.home.recommendations import Recommendations, recommend
from marketplace.blueprints.mentoring.models import (
    Booking,
    BookingStatus,
    MentoringSlot,
)
from marketplace.blueprints.opportunities.audience import open_to_school, student_school_id
from marketplace.blueprints.opportunities.models import (
    Opportunity,
    OpportunityStatus,
    SavedOpportunity,
)
from marketplace.blueprints.outcomes.spectrum import (  # noqa: F401 - re-exported
    Activity,
    Stage,
    activity_and_rule,
    activity_of,
    stage_of,
)
from marketplace.core.clock import institution_today
from marketplace.core.db import utcnow
from marketplace.core.extensions import db


class StepKind(enum.StrEnum):
    CHOOSE_CLUSTERS = "choose_clusters"
    BOOK_MENTOR = "book_mentor"
    BROWSE_CLUSTER = "browse_cluster"
    BROWSE = "browse"
    APPLY = "apply"
    ANSWER_OFFER = "answer_offer"
    REFLECT = "reflect"
    OUTCOMES = "outcomes"


@dataclass
class NextStep:
    """The one thing that would move the student along; the page words and links it."""

    kind: StepKind
    target_id: int | None = None  # a slot, posting or application
    subject: str = ""  # a cluster key, a name or a title the sentence needs


@dataclass
class StudentHome:
    stage: Stage
    next_step: NextStep
    recommendations: Recommendations
    applications: dict[ApplicationStatus, list[Application]]
    sessions: list[Booking]
    deadlines: list[Opportunity]
    active_placement: Placement | None


def next_step(stage: Stage, clusters: list[str], recommendations: Recommendations,
              applications: dict[ApplicationStatus, list[Application]],
              placement: Placement | None) -> NextStep:
    """The step for each stage: awareness → choose clusters, then talk to a mentor (or
    look at the cluster's postings); exploration → answer an offer, or apply to the best
    suggestion; experience → reflect on the placement; preparation → the outcomes page."""
    if stage is Stage.AWARENESS:
        if not clusters:
            return NextStep(StepKind.CHOOSE_CLUSTERS)
        if recommendations.mentors:
            pick = recommendations.mentors[0]
            return NextStep(StepKind.BOOK_MENTOR, pick.slot.id, pick.alum.name)
        return NextStep(StepKind.BROWSE_CLUSTER, subject=clusters[0])
    if stage is Stage.EXPLORATION:
        offers = applications.get(ApplicationStatus.OFFERED)
        if offers:
            return NextStep(StepKind.ANSWER_OFFER, offers[0].id,
                            offers[0].opportunity.organization.name)
        if recommendations.postings:
            top = recommendations.postings[0].opportunity
            return NextStep(StepKind.APPLY, top.id, top.title)
        return NextStep(StepKind.BROWSE)
    if stage is Stage.EXPERIENCE and placement is not None:
        return NextStep(StepKind.REFLECT, placement.application_id,
                        placement.opportunity.organization.name)
    return NextStep(StepKind.OUTCOMES)


def student_home(student: User) -> StudentHome:
    """Stage, next step, suggestions, open applications by status, upcoming sessions
    and the deadlines of saved postings: a fixed number of queries."""
    profile = student.student_profile
    clusters = list(viewer_clusters(student)) if profile else []
    activity, rule = activity_and_rule(student.id)
    stage = stage_of(activity, rule)  # the one rule, as staff set it
    recommendations = recommend(student)
    by_status: dict[ApplicationStatus, list[Application]] = defaultdict(list)
    for application in db.session.scalars(
            sa.select(Application).join(Application.opportunity).join(Opportunity.organization)
            .options(contains_eager(Application.opportunity)
                     .contains_eager(Opportunity.organization))
            .where(Application.student_id == student.id,
                   Application.status.in_(OPEN_STATUSES))
            .order_by(Application.updated_at.desc(), Application.id.desc())
            .limit(50)).unique():
        by_status[application.status].append(application)
    ordered = {status: by_status[status] for status in
               (ApplicationStatus.OFFERED, ApplicationStatus.INTERVIEWING,
                ApplicationStatus.REVIEWING, ApplicationStatus.SUBMITTED)
               if by_status.get(status)}
    sessions = db.session.scalars(
        sa.select(Booking).join(Booking.slot).join(MentoringSlot.alumni)
        .options(contains_eager(Booking.slot).contains_eager(MentoringSlot.alumni))
        .where(Booking.student_id == student.id, Booking.status == BookingStatus.BOOKED,
               Booking.ends_at > utcnow())
        .order_by(Booking.starts_at, Booking.id).limit(5)).unique().all()
    applied = sa.select(Application.opportunity_id).where(Application.student_id == student.id)
    deadlines = db.session.scalars(
        sa.select(Opportunity).join(SavedOpportunity, sa.and_(
            SavedOpportunity.opportunity_id == Opportunity.id,
            SavedOpportunity.user_id == student.id))
        .join(Opportunity.organization)
        .options(contains_eager(Opportunity.organization))
        .where(Opportunity.status == OpportunityStatus.PUBLISHED,
               Organization.status == OrganizationStatus.VERIFIED,
               open_to_school(student_school_id(student)),
               Opportunity.application_deadline >= institution_today(),
               Opportunity.id.not_in(applied))
        .order_by(Opportunity.application_deadline, Opportunity.id).limit(5)).unique().all()
    placement = None
    if stage is Stage.EXPERIENCE:
        placement = db.session.scalar(
            sa.select(Placement).join(Placement.opportunity).join(Opportunity.organization)
            .options(contains_eager(Placement.opportunity)
                     .contains_eager(Opportunity.organization))
            .where(Placement.student_id == student.id,
                   Placement.status == PlacementStatus.ACTIVE)
            .order_by(Placement.created_at.desc()).limit(1))
    step = next_step(stage, clusters, recommendations, ordered, placement)
    return StudentHome(stage, step, recommendations, ordered, sessions, deadlines, placement)
