"""The outbox: one transaction with the change, nothing on rollback, exactly-once effects."""

from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask import g

from marketplace.blueprints.ops.services import console_state, retry_failed_job
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.jobs import run_outbox_message
from marketplace.core.models import OutboxMessage
from marketplace.core.outbox import enqueue_after_commit
from marketplace.core.relay import relay_outbox
from tests.factories import StaffFactory
from tests.jobs_for_tests import effect_counts, job_switch
from tests.support import ON_SERVICES


def outbox_rows() -> list[OutboxMessage]:
    db.session.expire_all()
    return db.session.scalars(sa.select(OutboxMessage).order_by(OutboxMessage.id)).all()


def test_committed_work_runs_once_after_commit(run_jobs):
    message = enqueue_after_commit("record_effect", 7)
    assert message.args == [7] and message.queue == "high"
    assert effect_counts(db.session) == {}  # nothing runs before the commit
    db.session.commit()
    run_jobs()
    assert effect_counts(db.session) == {7: 1}
    row = outbox_rows()[-1]
    assert row.completed_at is not None and row.attempts == 1 and row.last_error is None


def test_rolled_back_work_is_never_enqueued(run_jobs):
    enqueue_after_commit("record_effect", 8)
    db.session.rollback()
    run_jobs()
    assert outbox_rows() == []
    assert effect_counts(db.session) == {}


def test_running_a_row_twice_has_one_effect(run_jobs):
    message = enqueue_after_commit("record_effect", 9)
    db.session.commit()
    run_jobs()
    assert run_outbox_message(message.id) == "skipped"
    assert effect_counts(db.session) == {9: 1}


def test_relay_resends_rows_that_never_reached_the_queue(app, run_jobs):
    message = enqueue_after_commit("record_effect", 10)
    db.session.commit()
    g.pop("outbox_ready")  # the process "died" between commit and hand-off
    db.session.execute(sa.update(OutboxMessage).values(
        created_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()

    relay_outbox()
    db.session.commit()
    run_jobs()
    relay_outbox()  # a second pass finds nothing to do
    db.session.commit()
    run_jobs()
    assert effect_counts(db.session) == {10: 1}
    assert outbox_rows()[-1].id == message.id and outbox_rows()[-1].completed_at is not None


def test_relay_leaves_young_rows_alone(run_jobs):
    enqueue_after_commit("record_effect", 11)
    db.session.commit()
    g.pop("outbox_ready")
    assert relay_outbox() == 0


def test_failing_job_is_retried_then_listed_and_retry_works(app, client, login_as, run_jobs):
    message = enqueue_after_commit("fail_until_fixed", 12)
    db.session.commit()
    run_jobs()
    row = outbox_rows()[-1]
    assert row.completed_at is None and "not fixed yet" in row.last_error
    if not ON_SERVICES:
        # Inline: the relay retries after each backoff until the retries run out.
        for _ in range(3):
            db.session.execute(sa.update(OutboxMessage).values(
                created_at=utcnow() - timedelta(hours=1),
                last_attempt_at=utcnow() - timedelta(hours=1)))
            db.session.commit()
            relay_outbox()
        assert outbox_rows()[-1].attempts == 3
        job_id = str(message.id)
    else:
        # Redis: RQ retries it on its backoff (1 s, 1 s), then moves it to failed.
        from rq.job import Job, JobStatus

        from marketplace.core.queueing import redis_connection

        job_id = message.rq_job_id
        job = Job.fetch(job_id, connection=redis_connection())
        run_jobs(until=lambda: job.get_status() == JobStatus.FAILED, timeout=30)
        assert job.get_status() == JobStatus.FAILED
        assert outbox_rows()[-1].attempts == 3

    failed = [job.job_id for job in console_state().failed]
    assert job_id in failed
    login_as(StaffFactory())
    page = client.get("/staff/jobs").get_data(as_text=True)
    assert "fail_until_fixed(12)" in page and "not fixed" in page

    db.session.execute(job_switch.insert().values(key=12))
    db.session.commit()
    response = client.submit("/staff/jobs/retry", {"job_id": job_id}, page="/staff/jobs")
    assert response.status_code == 302
    run_jobs()
    assert effect_counts(db.session) == {12: 1}
    assert job_id not in [job.job_id for job in console_state().failed]


def test_retry_of_unknown_job_is_a_clear_message(login_as, client):
    login_as(StaffFactory())
    response = client.submit("/staff/jobs/retry", {"job_id": "nope"}, page="/staff/jobs",
                             follow_redirects=True)
    assert "No such job" in response.get_data(as_text=True)


def test_retry_directly_refuses_a_completed_row(run_jobs):
    message = enqueue_after_commit("record_effect", 13)
    db.session.commit()
    run_jobs()
    if not ON_SERVICES:
        import pytest

        from marketplace.core.errors import Conflict

        with pytest.raises(Conflict):
            retry_failed_job(str(message.id))


def test_job_console_shows_depths_and_backlog(client, login_as):
    enqueue_after_commit("record_effect", 14)
    db.session.commit()
    g.pop("outbox_ready")
    login_as(StaffFactory())
    page = client.get("/staff/jobs").get_data(as_text=True)
    assert "unfinished outbox rows" in page
    state = console_state()
    assert state.backlog_count == 1
    assert state.mode == ("redis" if ON_SERVICES else "inline")


@pytest.mark.skipif(not ON_SERVICES, reason="needs Redis (make test-services)")
def test_relay_requeues_a_job_a_dead_worker_popped_and_never_started(app, run_jobs):
    """A worker on several queues pops with BLPOP; killed before it starts the job,
    it leaves a job marked queued on no list. The relay puts it back, once."""
    from marketplace.core.outbox import dispatch_ready
    from marketplace.core.queueing import queue_for

    queue = queue_for("high")
    queue.connection.delete(queue.key)  # whatever earlier tests left queued
    message = enqueue_after_commit("record_effect", 15)
    message.created_at = utcnow() - timedelta(minutes=5)  # the job id derives from it
    db.session.commit()
    dispatch_ready()
    assert queue.connection.lpop(queue.key).decode() == message.rq_job_id  # the dead pop
    db.session.execute(sa.update(OutboxMessage).where(OutboxMessage.id == message.id)
                       .values(dispatched_at=utcnow() - timedelta(minutes=5)))
    db.session.commit()

    assert relay_outbox() == 0  # first sighting: could be a live worker about to start it
    db.session.commit()
    assert queue.get_job_ids() == []
    assert relay_outbox() == 1  # still lost a relay period later: enqueued again
    db.session.commit()
    assert queue.get_job_ids() == [message.rq_job_id]
    assert relay_outbox() == 0  # on its queue now: left alone
    db.session.commit()
    run_jobs()
    assert effect_counts(db.session) == {15: 1}
