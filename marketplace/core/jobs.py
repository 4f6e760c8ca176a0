"""The job registry (every background job, its queue, timeout and retry schedule) and
the unit of work that runs one job.

Jobs are plain functions taking ids, registered by each domain's ``jobs`` module
when its ``init_app`` imports it. They flush; ``run_outbox_message`` commits once,
in the same transaction that marks their outbox row done, so a job whose effect
is committed never runs again. RQ reaches these through ``workers.runner``.
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass, field

import sqlalchemy as sa
from flask import Flask

from marketplace.core import logs
from marketplace.core.db import utcnow
from marketplace.core.extensions import db, write_transaction
from marketplace.core.models import OutboxMessage

QUEUES = ("high", "default", "low")


@dataclass(frozen=True)
class JobSpec:
    name: str
    func: Callable
    queue: str = "default"
    timeout: int = 60
    retry_intervals: tuple[int, ...] = (10, 60, 300)


@dataclass(frozen=True)
class PeriodicSpec:
    name: str
    func: Callable
    every: int
    queue: str = "low"
    timeout: int = 300
    extra: dict = field(default_factory=dict)


JOBS: dict[str, JobSpec] = {}


PERIODIC: dict[str, PeriodicSpec] = {}


def job(queue: str = "default", timeout: int = 60,
        retry_intervals: tuple[int, ...] = (10, 60, 300)) -> Callable:
    """Register a background job, run through the outbox with ``enqueue_after_commit``."""
    if queue not in QUEUES:
        raise ValueError(f"unknown queue {queue!r}")

    def decorator(func: Callable) -> Callable:
        JOBS[func.__name__] = JobSpec(func.__name__, func, queue, timeout, retry_intervals)
        return func

    return decorator


def periodic(every: int, queue: str = "low", timeout: int = 300) -> Callable:
    """Register a job that runs every ``every`` seconds, once per period whatever the workers."""

    def decorator(func: Callable) -> Callable:
        PERIODIC[func.__name__] = PeriodicSpec(func.__name__, func, every, queue, timeout)
        return func

    return decorator


def init_app(app: Flask) -> None:
    """Import the extra job modules named in ``CC_EXTRA_JOB_MODULES`` (tests, benchmarks).

    The domains' own jobs are registered by their ``init_app``; this only adds
    modules outside the product, which is why they are named in the environment.
    """
    for module in filter(None, os.environ.get("CC_EXTRA_JOB_MODULES", "").split(",")):
        importlib.import_module(module.strip())
    app.extensions["jobs"] = JOBS


def run_outbox_message(outbox_id: int) -> str:
    """Run the job of one outbox row and mark the row done, in one transaction.

    Safe to rerun and to run concurrently: the row is locked (PostgreSQL) or the
    write lock taken (SQLite) first, and a row already done is skipped. Writes one
    log line (``core.logs``) naming the request that enqueued it.
    """
    with logs.job_logged(outbox_id=outbox_id) as line:
        with write_transaction():
            message = db.session.scalar(
                sa.select(OutboxMessage).where(OutboxMessage.id == outbox_id).with_for_update())
        if message is None or message.completed_at is not None:
            db.session.rollback()
            line["status"] = "skipped"
            return "skipped"
        spec = JOBS[message.job]
        args = list(message.args)
        line.update(job=message.job, args=args, attempt=message.attempts + 1)
        try:
            spec.func(*args)
            now = utcnow()
            message.completed_at = now
            message.last_attempt_at = now
            message.attempts += 1
            message.last_error = None
            db.session.commit()
        except Exception as error:
            db.session.rollback()
            record_failure(outbox_id, error)
            raise
        return "done"


def record_failure(outbox_id: int, error: BaseException) -> None:
    """Note a failed attempt on the row (its own transaction), for the relay and staff."""
    text = f"{type(error).__name__}: {error}"[:2000]
    db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(
            attempts=OutboxMessage.attempts + 1, last_error=text, last_attempt_at=utcnow()))
    db.session.commit()


def run_periodic_job(name: str) -> str:
    """Run one periodic job and commit what it did (one log line, no request's id)."""
    with logs.job_logged(request_id=None, job=name, periodic=True):
        result = PERIODIC[name].func()
        db.session.commit()
    return str(result)
