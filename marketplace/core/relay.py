"""The outbox relay: a periodic job that re-sends what never reached the queue.

It lives in core, not in ``workers/``, because the web process runs it too in the
embedded default (no Redis, no worker).
"""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from redis.exceptions import RedisError

from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.jobs import JOBS, periodic
from marketplace.core.models import OutboxMessage
from marketplace.core.outbox import run_inline, send_to_queue
from marketplace.core.queueing import queue_for, redis_connection

RELAY_BATCH = 500


# Dispatched and still unfinished after this long: maybe a dead worker's job.
STALE_AFTER = timedelta(seconds=60)


@periodic(every=15, queue="low", timeout=120)
def relay_outbox() -> int:
    """Re-send unfinished outbox rows that never reached the queue; inline, commits the
    read before running each due row in its own session. Safe to rerun.

    With Redis: a row whose RQ job does not exist (never enqueued, Redis was
    down or lost it) is enqueued again under its own job id, so a job still
    queued or running is never doubled; failed jobs wait for staff in the
    console. Inline: a failed row is retried after its backoff until its
    retries are used up. Returns the number of rows re-sent.
    """
    grace = timedelta(seconds=current_app.config["OUTBOX_GRACE_SECONDS"])
    now = utcnow()
    rows = db.session.scalars(
        sa.select(OutboxMessage)
        .where(OutboxMessage.completed_at.is_(None), OutboxMessage.created_at < now - grace)
        .order_by(OutboxMessage.id).limit(RELAY_BATCH)).all()
    if redis_connection() is None:
        return _retry_inline(rows, now)
    return _resend_missing(rows, now)


def _resend_missing(rows: list[OutboxMessage], now) -> int:
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    connection = redis_connection()
    try:
        recover_abandoned_jobs({message.queue for message in rows if message.dispatched_at
                                and message.dispatched_at < now - STALE_AFTER})
    except RedisError as error:
        current_app.logger.warning("relay: Redis unavailable: %s", error)
        return 0
    resent = []
    for message in rows:
        try:
            job = Job.fetch(message.rq_job_id, connection=connection)
        except NoSuchJobError:
            job = None
        except RedisError as error:
            current_app.logger.warning("relay: Redis unavailable: %s", error)
            break
        if job is not None:
            # Queued, running, scheduled for retry, or failed: RQ has it, unless
            # it is a job a dead worker popped and never started.
            stale = message.dispatched_at and message.dispatched_at < now - STALE_AFTER
            if stale and _requeue_if_lost(job, message.queue):
                resent.append(message.id)
            continue
        try:
            send_to_queue(message)
        except RedisError as error:
            current_app.logger.warning("relay: Redis unavailable: %s", error)
            break
        resent.append(message.id)
    if resent:
        db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id.in_(resent))
                           .values(dispatched_at=now))
    return len(resent)


def recover_abandoned_jobs(queue_names: set[str]) -> None:
    """Run RQ's own recovery of jobs a dead worker left behind, for these queues.

    RQ does it in worker maintenance, guarded by a per-queue lock that lives 15
    minutes; a worker killed while holding it would leave its last job stuck
    that long. The relay sees unfinished rows and runs the same clean-up without
    the lock. A job retried twice by two clean-ups still has one effect: the
    runner locks the row and skips a finished one.
    """
    if not queue_names:
        return
    from rq import Worker
    from rq.registry import clean_registries

    for name in queue_names:
        queue = queue_for(name)
        clean_registries(queue)
        # A throwaway Worker object (not started, not registered) that RQ's
        # clean-up of jobs stuck between dequeue and start needs to fail them.
        queue.intermediate_queue.cleanup(Worker([queue], connection=queue.connection), queue)


def _requeue_if_lost(job, queue_name: str) -> bool:
    """Put back a job a dead worker popped off its queue and never started.

    A worker listening on several queues pops with BLPOP, so a worker killed
    between the pop and the start leaves a job marked queued that is on no list
    and in no registry: RQ itself never finds it again. The relay sees it twice,
    a relay period apart (a live worker starts a popped job within milliseconds),
    then enqueues it again. Should it run twice after all, the runner's row lock
    and done mark keep its effect single. Returns True when it was requeued.
    """
    from rq.job import JobStatus

    if job.get_status(refresh=False) != JobStatus.QUEUED:
        return False
    queue = queue_for(queue_name)
    connection = queue.connection
    if connection.lpos(queue.key, job.id) is not None or \
            job.id in queue.intermediate_queue.get_job_ids():
        return False
    marker = f"{queue.key}:lost-suspect:{job.id}"
    if connection.set(marker, 1, nx=True, ex=10 * 60):
        return False  # first sighting: look again next run
    if job.get_status(refresh=True) != JobStatus.QUEUED or \
            connection.lpos(queue.key, job.id) is not None:
        return False
    current_app.logger.warning("relay: job %s was popped by a worker that died before "
                               "starting it; enqueuing it again", job.id)
    queue.enqueue_job(job)
    connection.delete(marker)
    return True


def _retry_inline(rows: list[OutboxMessage], now) -> int:
    due = []
    for message in rows:
        intervals = JOBS[message.job].retry_intervals if message.job in JOBS else ()
        if message.attempts > len(intervals):
            continue  # out of retries: staff retry it from the console
        wait = intervals[message.attempts - 1] if message.attempts else 0
        if message.last_attempt_at is None or message.last_attempt_at <= now - timedelta(
                seconds=wait):
            due.append(message.id)
    db.session.commit()
    for outbox_id in due:
        run_inline(outbox_id)
    return len(due)
