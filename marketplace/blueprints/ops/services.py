"""What the staff job console shows and does: queue depths, backlog, failures, retry."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa
from redis.exceptions import RedisError

from marketplace.core.errors import Conflict, NotFound
from marketplace.core.extensions import db
from marketplace.core.jobs import JOBS, QUEUES
from marketplace.core.models import OutboxMessage
from marketplace.core.outbox import backlog, run_inline
from marketplace.core.queueing import queue_name, redis_connection


@dataclass
class FailedJob:
    job_id: str
    description: str
    error: str
    failed_at: datetime | None
    queue: str


@dataclass
class ConsoleState:
    mode: str  # "redis" or "inline"
    redis_ok: bool
    depths: dict[str, int]
    backlog_count: int
    backlog_oldest_seconds: float | None
    failed: list[FailedJob]


def console_state() -> ConsoleState:
    """A snapshot for ``/staff/jobs``. Reads only."""
    count, oldest = backlog()
    connection = redis_connection()
    depths: dict[str, int] = {}
    failed: list[FailedJob] = []
    redis_ok = True
    if connection is not None:
        from rq import Queue
        from rq.registry import FailedJobRegistry

        try:
            for name in QUEUES:
                queue = Queue(queue_name(name), connection=connection)
                depths[name] = queue.count
                registry = FailedJobRegistry(queue=queue)
                for job in registry.get_job_ids()[:100]:
                    failed.append(_describe_rq_job(job, name, connection))
        except RedisError:
            redis_ok = False
    else:
        rows = db.session.scalars(
            sa.select(OutboxMessage).where(OutboxMessage.completed_at.is_(None),
                                           OutboxMessage.last_error.is_not(None))
            .order_by(OutboxMessage.last_attempt_at.desc()).limit(100))
        for row in rows:
            retries = len(JOBS[row.job].retry_intervals) if row.job in JOBS else 0
            if row.attempts > retries:
                failed.append(FailedJob(str(row.id), f"{row.job}({', '.join(map(str, row.args))})",
                                        row.last_error or "", row.last_attempt_at, row.queue))
    return ConsoleState("redis" if connection is not None else "inline", redis_ok, depths,
                        count, oldest.total_seconds() if oldest else None, failed)


def _describe_rq_job(job_id: str, queue: str, connection) -> FailedJob:
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    try:
        job = Job.fetch(job_id, connection=connection)
    except NoSuchJobError:
        return FailedJob(job_id, "(expired)", "", None, queue)
    result = job.latest_result()
    error = (result.exc_string or "") if result is not None else ""
    last_line = error.strip().splitlines()[-1] if error.strip() else "Failed"
    return FailedJob(job_id, job.description or job.func_name, last_line, job.ended_at, queue)


def retry_failed_job(job_id: str) -> None:
    """Send a failed job back to its queue (Redis) or run it again now (inline); commits
    first in inline mode, since the job runs in its own session."""
    connection = redis_connection()
    if connection is not None:
        from rq.job import Job
        from rq.registry import FailedJobRegistry


        for name in QUEUES:
            registry = FailedJobRegistry(queue_name(name), connection=connection)
            if job_id in registry.get_job_ids():
                registry.requeue(job_id)
                return
        if Job.exists(job_id, connection=connection):
            raise Conflict("That job is not in the failed list any more (already retried?).")
        raise NotFound("No such job.")
    if not job_id.isdigit():
        raise NotFound("No such job.")
    row = db.session.get(OutboxMessage, int(job_id))
    if row is None:
        raise NotFound("No such job.")
    if row.completed_at is not None:
        raise Conflict("That job has already completed.")
    db.session.commit()
    run_inline(row.id)
