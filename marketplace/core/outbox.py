"""The one door for background work (STYLE convention 7).

A service calls ``enqueue_after_commit(job, *ids)``: an outbox row is written in
the same transaction as the change. Only after that transaction commits is the
row handed to RQ (``REDIS_URL`` set) or run inline (the embedded default). A
rolled-back transaction leaves no row and so enqueues nothing. Rows that never
reach the queue (the process died, Redis was down) are re-sent by the relay.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from datetime import timedelta

import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context
from redis.exceptions import RedisError
from sqlalchemy import event
from sqlalchemy.orm import Session

from marketplace.core import logs
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.jobs import JOBS, PERIODIC, run_outbox_message, run_periodic_job
from marketplace.core.models import OutboxMessage
from marketplace.core.queueing import queue_for, redis_connection


def enqueue_after_commit(job: str | Callable, *ids: int, queue: str | None = None
                         ) -> OutboxMessage:
    """Write an outbox row for ``job(*ids)`` in the current transaction. Flushes."""
    name = job if isinstance(job, str) else job.__name__
    spec = JOBS[name]
    message = OutboxMessage(job=name, args=[int(i) for i in ids], queue=queue or spec.queue)
    db.session.add(message)
    db.session.flush()
    db.session.info.setdefault("outbox_pending", []).append(message.id)
    return message


@event.listens_for(Session, "after_commit")
def _outbox_committed(session: Session) -> None:
    pending = session.info.pop("outbox_pending", None)
    if pending and has_app_context():
        g.setdefault("outbox_ready", []).extend(pending)


@event.listens_for(Session, "after_rollback")
def _outbox_rolled_back(session: Session) -> None:
    session.info.pop("outbox_pending", None)


def dispatch_ready() -> list[int]:
    """Hand the rows committed in this app context to the queue (or run them inline)."""
    ready = g.pop("outbox_ready", None) if has_app_context() else None
    if not ready:
        return []
    if redis_connection() is None:
        for outbox_id in ready:
            run_inline(outbox_id)
        return ready
    sent = []
    for message in db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.id.in_(ready))):
        try:
            send_to_queue(message)
        except RedisError as error:
            # The change is committed; the relay sends the row once Redis is back.
            current_app.logger.warning("outbox %s not queued yet: %s", message.id, error)
            continue
        sent.append(message.id)
    if sent:
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id.in_(sent))
                           .values(dispatched_at=utcnow()))
        db.session.commit()
    return sent


def send_to_queue(message: OutboxMessage) -> None:
    """Enqueue one row on RQ under the job id derived from the row: never twice at once."""
    from rq import Retry
    from rq.exceptions import DuplicateJobError

    spec = JOBS[message.job]
    try:
        queue_for(message.queue).enqueue(
            "workers.runner.run_outbox_job", message.id,
            job_id=message.rq_job_id, unique=True,
            job_timeout=spec.timeout,
            retry=Retry(max=len(spec.retry_intervals), interval=list(spec.retry_intervals)),
            result_ttl=3600, failure_ttl=30 * 24 * 3600,
            description=f"{message.job}({', '.join(map(str, message.args))})",
            # The worker's log line for the job names the request that asked for it
            # (none when the relay re-sends a row later).
            meta={"request_id": logs.current_request_id()},
        )
    except DuplicateJobError:
        pass  # already queued, running or done: the row's job id makes it one job


def run_inline(outbox_id: int) -> None:
    """Run one row now, in its own app context and session (embedded default).

    Failures are recorded on the row and logged; the request that queued the work
    has already succeeded, and the relay retries with backoff.
    """
    app = current_app._get_current_object()
    # The job's own app context starts without the request's ``g``: carry the id over.
    with logs.request_id_bound(logs.current_request_id()), app.app_context():
        try:
            run_outbox_message(outbox_id)
        except Exception:
            app.logger.exception("background job for outbox %s failed", outbox_id)


_inline_periodic_lock = threading.Lock()


_inline_last_run: dict[str, float] = {}


def run_due_periodic_inline(app: Flask) -> None:
    """With no worker (embedded default), run periodic jobs that are due after a request."""
    if not _inline_periodic_lock.acquire(blocking=False):
        return
    try:
        now = time.monotonic()
        for name, spec in PERIODIC.items():
            last = _inline_last_run.get(name)
            if last is not None and now - last < spec.every:
                continue
            _inline_last_run[name] = now
            with app.app_context():
                try:
                    run_periodic_job(name)
                except Exception:
                    app.logger.exception("periodic job %s failed", name)
    finally:
        _inline_periodic_lock.release()


def register(app: Flask) -> None:
    @app.teardown_appcontext
    def _dispatch_outbox(exception):
        if exception is not None:
            return
        if g.get("outbox_ready"):
            # End this unit of work's session first: whatever it did not commit
            # is discarded at teardown anyway, and inline jobs then run on a
            # connection of their own with nothing of the request still open.
            db.session.rollback()
        try:
            dispatch_ready()
        except Exception:
            app.logger.exception("dispatching the outbox failed; the relay will resend")

    @app.teardown_request
    def _run_periodic_inline(exception):
        # Only after web requests: never during `flask db upgrade` and friends.
        if exception is None and app.config.get("INLINE_PERIODIC_JOBS") \
                and redis_connection() is None:
            run_due_periodic_inline(app)


def backlog() -> tuple[int, timedelta | None]:
    """How many outbox rows are unfinished, and how old the oldest is."""
    count, oldest = db.session.execute(
        sa.select(sa.func.count(OutboxMessage.id), sa.func.min(OutboxMessage.created_at))
        .where(OutboxMessage.completed_at.is_(None))).one()
    return count, (utcnow() - oldest) if oldest else None
