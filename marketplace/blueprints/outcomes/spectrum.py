"""The career learning spectrum: each student's stage, read from their activity and their
evidence by one rule (``rules.SPECTRUM``, shown and changed on the rules page).

The student's home, their outcomes page, the progress API and the staff view by class
all ask here, so a change to the rule moves every one of them at once.
"""

from __future__ import annotations

import enum
from collections import Counter
from dataclasses import dataclass

import sqlalchemy as sa

from marketplace.blueprints.accounts.models import StudentProfile, User
from marketplace.blueprints.applications.models import (
    Application,
    ApplicationStatus,
    Placement,
    PlacementStatus,
)
from marketplace.blueprints.mentoring.models import Booking, BookingStatus
from marketplace.blueprints.opportunities.models import SavedOpportunity
from marketplace.blueprints.outcomes.models import CareerPlan, OutcomeEvidence, OutcomeRule
from marketplace.blueprints.outcomes.rules import RULES, SPECTRUM, current_rule
from marketplace.blueprints.outcomes.services import counts_as_evidence
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from marketplace.core.reference import OUTCOMES


class Stage(enum.StrEnum):
    """The career learning spectrum, in order."""

    AWARENESS = "awareness"
    EXPLORATION = "exploration"
    EXPERIENCE = "experience"
    PREPARATION = "preparation"

    @property
    def label(self) -> str:
        return self.value.capitalize()

    @property
    def number(self) -> int:
        return list(Stage).index(self) + 1


@dataclass
class Activity:
    """What a student has done, as the stage rule reads it."""

    saved: bool = False
    applied: bool = False
    mentoring: bool = False  # a session booked or held
    hired: bool = False  # an accepted offer or an active placement
    completed: bool = False  # a completed placement
    plan: bool = False  # a career plan written
    outcomes: int = 0  # outcomes with evidence that counts (reversed rows do not)


def stage_of(activity: Activity, params: dict | None = None) -> Stage:
    """The spectrum rule (its words are ``RULES[SPECTRUM].text``)."""
    params = params or RULES[SPECTRUM].defaults()
    if activity.completed or activity.outcomes >= params["preparation_outcomes"]:
        return Stage.PREPARATION
    if activity.hired:
        return Stage.EXPERIENCE
    if (activity.saved or activity.applied or activity.mentoring or activity.plan
            or activity.outcomes >= params["exploration_outcomes"]):
        return Stage.EXPLORATION
    return Stage.AWARENESS


def outcomes_of(student_id: int) -> dict[str, bool]:
    """Each outcome: has the student evidence that counts? One query."""
    reached = set(db.session.scalars(sa.select(OutcomeEvidence.outcome).distinct().where(
        OutcomeEvidence.student_id == student_id, counts_as_evidence())))
    return {key: key in reached for key in OUTCOMES}


def _flags(student_id):
    """The activity tests for ``student_id`` (a value or a correlated column)."""
    def exists(statement) -> sa.ColumnElement:
        return sa.exists(statement)

    return (
        exists(sa.select(SavedOpportunity.user_id).where(SavedOpportunity.user_id == student_id)),
        exists(sa.select(Application.id).where(Application.student_id == student_id)),
        exists(sa.select(Booking.id).where(
            Booking.student_id == student_id,
            Booking.status.in_([BookingStatus.BOOKED, BookingStatus.COMPLETED]))),
        exists(sa.select(Placement.id).where(
            Placement.student_id == student_id, Placement.status == PlacementStatus.ACTIVE)),
        exists(sa.select(Application.id).where(
            Application.student_id == student_id,
            Application.status == ApplicationStatus.HIRED)),
        exists(sa.select(Placement.id).where(
            Placement.student_id == student_id,
            Placement.status == PlacementStatus.COMPLETED)),
        exists(sa.select(CareerPlan.id).where(CareerPlan.student_id == student_id)),
        sa.select(sa.func.count(sa.distinct(OutcomeEvidence.outcome))).where(
            OutcomeEvidence.student_id == student_id, counts_as_evidence()).scalar_subquery(),
    )


def _activity(row) -> Activity:
    saved, applied, mentoring, active, hired, completed, plan, outcomes = row
    return Activity(saved=bool(saved), applied=bool(applied), mentoring=bool(mentoring),
                    hired=bool(active or hired), completed=bool(completed), plan=bool(plan),
                    outcomes=int(outcomes or 0))


def _activity_query() -> sa.Select:
    """One student's activity tests and the spectrum rule's parameters in force (None
    when staff never wrote a version): built once, run with the student's id."""
    params = (sa.select(OutcomeRule.params).where(OutcomeRule.key == SPECTRUM)
              .order_by(OutcomeRule.version.desc()).limit(1).scalar_subquery())
    return sa.select(*_flags(sa.bindparam("student_id", type_=sa.Integer)),
                     params.label("rule"))


ACTIVITY = _activity_query()


def activity_and_rule(student_id: int) -> tuple[Activity, dict]:
    """The student's activity and the spectrum rule's parameters: one query."""
    *flags, params = db.session.execute(ACTIVITY, {"student_id": student_id}).one()
    return _activity(flags), {**RULES[SPECTRUM].defaults(), **(params or {})}


def activity_of(student_id: int) -> Activity:
    """One query of EXISTS tests and a count of outcomes reached."""
    return activity_and_rule(student_id)[0]


def stage_for(student_id: int) -> Stage:
    return stage_of(*activity_and_rule(student_id))


@dataclass
class ClassStages:
    graduation_year: int | None
    students: int
    stages: dict[Stage, int]


def stages_by_class(school_id: int | None = None) -> list[ClassStages]:
    """Every active student's stage (of one school's students, when given), counted per
    graduating class: one query."""
    params = current_rule(SPECTRUM).params
    rows = db.session.execute(
        sa.select(StudentProfile.graduation_year, *_flags(User.id))
        .select_from(User).outerjoin(StudentProfile, StudentProfile.user_id == User.id)
        .where(User.role == Role.STUDENT, User.active.is_(True),
               sa.true() if school_id is None else StudentProfile.school_id == school_id)
        ).all()
    counts: dict[int | None, Counter] = {}
    for year, *flags in rows:
        counts.setdefault(year, Counter())[stage_of(_activity(flags), params)] += 1
    return [ClassStages(year, sum(counter.values()), {s: counter.get(s, 0) for s in Stage})
            for year, counter in sorted(counts.items(), key=lambda item: (
                item[0] is None, -(item[0] or 0)))]
