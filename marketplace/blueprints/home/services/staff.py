"""The staff home: the queues and how long they wait, failed jobs, this month."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from redis.exceptions import RedisError

from marketplace.blueprints.accounts.models import (
    Organization,
    OrganizationStatus,
    User,
)
from marketplace.blueprints.applications.models import (
    Application,
    Placement,
)
from marketplace.blueprints.home.services.common import waited
from marketplace.blueprints.mentoring.models import (
    Booking,
    BookingStatus,
)
from marketplace.blueprints.opportunities.models import (
    Opportunity,
    OpportunityStatus,
)
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.jobs import JOBS, QUEUES
from marketplace.core.models import OutboxMessage
from marketplace.core.policies import Role
from marketplace.core.queueing import queue_name, redis_connection


@dataclass
class Queue:
    count: int
    oldest: datetime | None

    @property
    def oldest_wait(self) -> str | None:
        return waited(self.oldest)


@dataclass
class StaffHome:
    people: dict[Role, int]
    postings: Queue
    organizations: Queue
    organization_changes: Queue
    failed_jobs: int | None  # None: the queue could not be asked
    month_start: datetime
    month: dict[str, int]


def month_start(now: datetime | None = None) -> datetime:
    """The first instant of this month where the career center is."""
    zone = ZoneInfo(current_app.config.get("INSTITUTION_TIME_ZONE", "America/New_York"))
    local = (now or utcnow()).astimezone(zone)
    return local.replace(day=1, hour=0, minute=0, second=0, microsecond=0).astimezone(UTC)


def failed_job_count() -> int | None:
    """Jobs that gave up: the failed registries with Redis, outbox rows past their retries
    inline (the count the job console lists). None when Redis does not answer."""
    connection = redis_connection()
    if connection is not None:
        from rq.registry import FailedJobRegistry

        try:
            return sum(FailedJobRegistry(queue_name(name), connection=connection).count
                       for name in QUEUES)
        except RedisError:
            return None
    rows = db.session.execute(
        sa.select(OutboxMessage.job, OutboxMessage.attempts).where(
            OutboxMessage.completed_at.is_(None), OutboxMessage.last_error.is_not(None))
        .limit(1000)).all()
    return sum(1 for job, attempts in rows
               if attempts > (len(JOBS[job].retry_intervals) if job in JOBS else 0))


def staff_home() -> StaffHome:
    """Queues with their oldest wait, failed jobs, people by role and this month's
    numbers. Three queries (one more for failed jobs when inline)."""
    people = dict(db.session.execute(
        sa.select(User.role, sa.func.count(User.id)).group_by(User.role)).all())
    start = month_start()

    def queue(model, when, *conditions):
        return (sa.select(sa.func.count()).select_from(model).where(*conditions)
                .scalar_subquery(),
                sa.select(sa.func.min(when)).where(*conditions).scalar_subquery())

    def since(model, column, *conditions):
        return sa.select(sa.func.count()).select_from(model).where(
            column >= start, *conditions).scalar_subquery()

    row = db.session.execute(sa.select(
        *queue(Opportunity, Opportunity.submitted_at,
               Opportunity.status == OpportunityStatus.PENDING_REVIEW),
        *queue(Organization, Organization.created_at,
               Organization.status == OrganizationStatus.PENDING),
        *queue(Organization, Organization.change_requested_at,
               Organization.change_requested_at.is_not(None)),
        since(Application, Application.created_at),
        since(Placement, Placement.created_at),
        since(Booking, Booking.starts_at, Booking.status == BookingStatus.COMPLETED),
        since(User, User.created_at, User.role == Role.STUDENT),
    )).one()
    return StaffHome(
        people=people, postings=Queue(row[0], row[1]), organizations=Queue(row[2], row[3]),
        organization_changes=Queue(row[4], row[5]), failed_jobs=failed_job_count(),
        month_start=start,
        month={"applications": row[6], "placements": row[7], "sessions": row[8],
               "students": row[9]})
