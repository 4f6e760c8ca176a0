"""The employer's pipeline board and the grouped reading of who looked at a record.

Read-only: nothing here changes a row, so everything is safe to call again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.applications.models import (
    Application,
    ApplicationStatus,
    RecordAccess,
)
from marketplace.blueprints.applications.policies import applicant_profile
from marketplace.blueprints.opportunities.models import Opportunity
from marketplace.core.extensions import db

A = ApplicationStatus

# The board's columns, left to right; the three ways an application ends share the last.
STAGES: tuple[tuple[str, str, tuple[ApplicationStatus, ...]], ...] = (
    ("submitted", "Submitted", (A.SUBMITTED,)),
    ("reviewing", "Reviewing", (A.REVIEWING,)),
    ("interviewing", "Interviewing", (A.INTERVIEWING,)),
    ("offered", "Offered", (A.OFFERED,)),
    ("hired", "Hired", (A.HIRED,)),
    ("closed", "Closed", (A.DECLINED, A.OFFER_DECLINED, A.WITHDRAWN)),
)
STAGE_OF = {status: index for index, (_, _, statuses) in enumerate(STAGES)
            for status in statuses}

# The step forward from each stage: the one button the applicant page puts first.
NEXT_STEP = {A.SUBMITTED: A.REVIEWING, A.REVIEWING: A.INTERVIEWING,
             A.INTERVIEWING: A.OFFERED}


@dataclass
class Card:
    application: Application
    new: bool
    profile: dict[str, object]


@dataclass
class Stage:
    key: str
    label: str
    statuses: tuple[ApplicationStatus, ...]
    count: int = 0
    cards: list[Card] = field(default_factory=list)


@dataclass
class Board:
    stages: list[Stage]
    counts: dict[ApplicationStatus, int]
    total: int
    new: int


def board_order(rows) -> list:
    """Stage by stage, the newest applicant first within a stage (stable as people are
    opened, unlike "unopened first", so next and previous do not shift underfoot)."""
    return sorted(rows, key=lambda row: (STAGE_OF[row.status], -row.created_at.timestamp(),
                                         -row.id))


def opened_by_the_host(opportunity: Opportunity, application_ids: list[int]) -> set[int]:
    """The applications someone at the posting's organization has opened."""
    if not application_ids:
        return set()
    return set(db.session.scalars(
        sa.select(RecordAccess.application_id).join(User, User.id == RecordAccess.viewer_id)
        .where(RecordAccess.application_id.in_(application_ids),
               RecordAccess.what == "application",
               User.organization_id == opportunity.organization_id).distinct()))


def new_application_ids(opportunity: Opportunity) -> set[int]:
    """Submitted applications nobody at the hiring organization has opened yet."""
    submitted = list(db.session.scalars(sa.select(Application.id).where(
        Application.opportunity_id == opportunity.id,
        Application.status == ApplicationStatus.SUBMITTED)))
    return set(submitted) - opened_by_the_host(opportunity, submitted)


def pipeline_board(opportunity: Opportunity, viewer: User,
                   status: ApplicationStatus | None = None) -> Board:
    """The posting's applicants in stage columns, with counts over every applicant and
    the cards (only ``status``'s when given). Each card carries what ``viewer`` may see of
    the applicant's profile (``policies.applicant_profile``) and whether it is new."""
    counts = dict(db.session.execute(
        sa.select(Application.status, sa.func.count(Application.id))
        .where(Application.opportunity_id == opportunity.id)
        .group_by(Application.status)).all())
    statement = sa.select(Application).where(Application.opportunity_id == opportunity.id) \
        .options(joinedload(Application.student).joinedload(User.student_profile))
    if status is not None:
        statement = statement.where(Application.status == status)
    applications = board_order(db.session.scalars(statement).all())
    new = new_application_ids(opportunity)
    stages = [Stage(key, label, statuses, count=sum(counts.get(s, 0) for s in statuses))
              for key, label, statuses in STAGES]
    for application in applications:
        # The rule of the applicant page, asked of every card (the posting is loaded).
        stages[STAGE_OF[application.status]].cards.append(Card(
            application, application.id in new, applicant_profile(viewer, application)))
    return Board(stages=stages, counts=counts, total=sum(counts.values()), new=len(new))


def neighbours(application: Application, scope: sa.ColumnElement | None = None
               ) -> tuple[int | None, int | None]:
    """The previous and next application of the same posting, in the board's order, among
    those ``scope`` (a clause on ``Application``) keeps."""
    rows = db.session.execute(
        sa.select(Application.id, Application.status, Application.created_at)
        .where(sa.or_(Application.id == application.id, scope if scope is not None
                      else sa.true()),
               Application.opportunity_id == application.opportunity_id)).all()
    ids = [row.id for row in board_order(rows)]
    here = ids.index(application.id)
    return (ids[here - 1] if here > 0 else None,
            ids[here + 1] if here + 1 < len(ids) else None)


@dataclass
class ViewerSummary:
    """One person's looks at a student's record: how often, which parts, first and last."""

    viewer: User
    application_id: int | None  # None: the student's page of records (what: "profile")
    student_id: int
    times: int
    first: datetime
    last: datetime
    what: dict[str, int]


def _summaries(where, limit: int | None = None, offset: int = 0) -> list[ViewerSummary]:
    groups = sa.select(
        RecordAccess.viewer_id, RecordAccess.application_id, RecordAccess.student_id,
        sa.func.count(RecordAccess.id).label("times"),
        sa.func.min(RecordAccess.created_at).label("first"),
        sa.func.max(RecordAccess.created_at).label("last"),
        sa.func.max(RecordAccess.id).label("latest"),
    ).where(*where).group_by(RecordAccess.viewer_id, RecordAccess.application_id,
                             RecordAccess.student_id) \
        .order_by(sa.desc("latest")).offset(offset)
    if limit is not None:
        groups = groups.limit(limit)
    rows = db.session.execute(groups).all()
    if not rows:
        return []
    pairs = {(row.viewer_id, row.application_id) for row in rows}
    application_ids = {p[1] for p in pairs if p[1] is not None}
    # A look at a student's page of records has no application (NULL never matches IN).
    which = sa.or_(RecordAccess.application_id.in_(application_ids),
                   *([RecordAccess.application_id.is_(None)]
                     if any(p[1] is None for p in pairs) else []))
    kinds: dict[tuple[int, int | None], dict[str, int]] = {}
    for viewer_id, application_id, what, times in db.session.execute(
            sa.select(RecordAccess.viewer_id, RecordAccess.application_id, RecordAccess.what,
                      sa.func.count(RecordAccess.id))
            .where(*where, which, RecordAccess.viewer_id.in_({p[0] for p in pairs}))
            .group_by(RecordAccess.viewer_id, RecordAccess.application_id, RecordAccess.what)):
        kinds.setdefault((viewer_id, application_id), {})[what] = times
    viewers = {user.id: user for user in db.session.scalars(
        sa.select(User).where(User.id.in_({p[0] for p in pairs}))
        .options(joinedload(User.organization)))}
    return [ViewerSummary(viewers[row.viewer_id], row.application_id, row.student_id,
                          row.times, row.first, row.last,
                          kinds.get((row.viewer_id, row.application_id), {}))
            for row in rows]


def views_by_viewer(application: Application) -> list[ViewerSummary]:
    """Who looked at one application, one line per person, the most recent first."""
    return _summaries([RecordAccess.application_id == application.id])


def profile_views(student_id: int) -> list[ViewerSummary]:
    """Who opened a student's page of records (staff), one line per person, latest first."""
    return _summaries([RecordAccess.student_id == student_id,
                       RecordAccess.application_id.is_(None)])


def views_of_student(student_id: int) -> list[ViewerSummary]:
    """Every look at a student's records, one line per person and record (an application,
    or the page of records), the most recent first."""
    return _summaries([RecordAccess.student_id == student_id])


def access_log_page(page: int, per_page: int = 100, scope: sa.ColumnElement | None = None
                    ) -> tuple[list[ViewerSummary], bool]:
    """Staff's access log a page at a time, one line per person and application, the most
    recently looked at first; ``scope``, a clause on ``RecordAccess``, keeps the students
    the reader may see. Returns (lines, whether there is a further page)."""
    lines = _summaries([scope] if scope is not None else [], limit=per_page + 1,
                       offset=(page - 1) * per_page)
    return lines[:per_page], len(lines) > per_page
