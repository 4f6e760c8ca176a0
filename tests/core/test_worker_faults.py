"""A real worker process against the local PostgreSQL and Redis, and what happens when
things break: a worker killed mid-batch, Redis down while requests commit, Redis dying
under a running worker, a job that keeps failing. Services round only
(``make test-services``)."""

from __future__ import annotations

import shutil
import subprocess
import time
import uuid

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.blueprints.notifications.models import EmailDelivery
from marketplace.core.extensions import db
from marketplace.core.models import OutboxMessage
from marketplace.core.outbox import dispatch_ready, enqueue_after_commit
from marketplace.core.policies import Role
from tests.jobs_for_tests import effect_counts, job_switch, test_metadata
from tests.support import (
    ON_SERVICES,
    TEST_REDIS_URL,
    Client,
    WorkerProcess,
    app_config,
    free_port,
    fresh_database,
)

pytestmark = [
    pytest.mark.services, pytest.mark.no_db, pytest.mark.slow,
    pytest.mark.skipif(not ON_SERVICES, reason="needs PostgreSQL and Redis (make test-services)"),
]


@pytest.fixture(scope="module")
def database_url():
    url = fresh_database("worker_faults")
    app = create_app(app_config(url))
    with app.app_context():
        upgrade()
        test_metadata.create_all(db.engine)
        db.engine.dispose()
    return url


def make_app(database_url: str, redis_url: str, prefix: str):
    app = create_app(app_config(database_url, REDIS_URL=redis_url, RQ_QUEUE_PREFIX=prefix,
                                OUTBOX_GRACE_SECONDS=1))
    app.test_client_class = Client
    return app


def wait_until(predicate, timeout: float, interval: float = 0.5):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    return predicate()


def completed_rows(app, job: str) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.job == job, OutboxMessage.completed_at.is_not(None)))


def unfinished_jobs(app, job: str) -> str:
    """Where RQ has each unfinished row's job: what a failure report needs."""
    from rq.exceptions import NoSuchJobError
    from rq.job import Job

    from marketplace.core.queueing import queue_for, redis_connection

    lines = []
    with app.app_context():
        connection = redis_connection()
        rows = db.session.scalars(sa.select(OutboxMessage).where(
            OutboxMessage.job == job, OutboxMessage.completed_at.is_(None))).all()
        for message in rows:
            queue = queue_for(message.queue)
            try:
                status = Job.fetch(message.rq_job_id, connection=connection).get_status()
            except NoSuchJobError:
                status = "no such job"
            places = [name for name, registry in (
                ("started", queue.started_job_registry),
                ("scheduled", queue.scheduled_job_registry),
                ("failed", queue.failed_job_registry)) if message.rq_job_id in registry]
            if message.rq_job_id in queue.get_job_ids():
                places.append("queued")
            if message.rq_job_id in queue.intermediate_queue.get_job_ids():
                places.append("intermediate")
            lock = connection.get(f"rq:scheduler-lock:{queue.name}")
            lines.append(f"row {message.id} {message.rq_job_id}: status {status}, in {places}, "
                         f"attempts {message.attempts}, error {message.last_error!r}, "
                         f"dispatched {message.dispatched_at}, scheduler lock {lock!r}")
    return f"{len(lines)} unfinished:\n" + "\n".join(lines)


def test_kill_9_mid_batch_every_effect_exactly_once(database_url):
    prefix = f"faults-a-{uuid.uuid4().hex[:6]}-"
    app = make_app(database_url, TEST_REDIS_URL, prefix)
    keys = range(100_000, 101_000)
    with app.app_context():
        for key in keys:
            enqueue_after_commit("record_effect", key)
        db.session.commit()
        assert len(dispatch_ready()) == 1000

    first = WorkerProcess(database_url, TEST_REDIS_URL, prefix, "first")
    try:
        assert wait_until(lambda: completed_rows(app, "record_effect") >= 150, timeout=60)
        first.kill()
        done_at_kill = completed_rows(app, "record_effect")
        assert done_at_kill < 1000, "the batch finished before the kill; nothing was tested"
    finally:
        first.kill()
    # The worst moment to die: while holding RQ's per-queue maintenance lock,
    # which then blocks RQ's own recovery for 15 minutes. The relay must cope.
    with app.app_context():
        from marketplace.core.jobs import QUEUES
        from marketplace.core.queueing import queue_for, redis_connection

        for name in QUEUES:
            redis_connection().set(queue_for(name).registry_cleaning_key, 1, ex=899)
        # And the other worst moment, for one more job: popped off its queue (a
        # worker on several queues pops with BLPOP) by a worker that died at once.
        high = queue_for("high")
        assert high.connection.lpop(high.key) is not None

    second = WorkerProcess(database_url, TEST_REDIS_URL, prefix, "second", log_level="INFO")
    try:
        # The job the killed worker was running is noticed once its heartbeat
        # lapses (about a minute), then retried.
        if not wait_until(lambda: completed_rows(app, "record_effect") == 1000, timeout=240):
            pytest.fail(f"{unfinished_jobs(app, 'record_effect')}\n"
                        f"second worker's log:\n{second.log.read_text()[-4000:]}")
    finally:
        second.stop()
    with app.app_context():
        counts = effect_counts(db.session)
    batch = {key: counts.get(key, 0) for key in keys}
    print(f"kill -9 after {done_at_kill} of 1000 jobs; after restart: "
          f"{sum(1 for c in batch.values() if c == 1)} exactly once, "
          f"{sum(1 for c in batch.values() if c > 1)} more than once, "
          f"{sum(1 for c in batch.values() if c == 0)} never")
    assert set(batch.values()) == {1}


@pytest.fixture
def private_redis():
    """A Redis server of our own on a free loopback port, which the test may stop."""
    server = shutil.which("redis-server")
    if server is None:
        pytest.fail("redis-server is not installed")
    port = free_port()

    class Private:
        url = f"redis://127.0.0.1:{port}/0"
        process = None

        def start(self):
            self.process = subprocess.Popen(
                [server, "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                 "--appendonly", "no", "--daemonize", "no"],
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            from redis import Redis

            client = Redis.from_url(self.url)
            assert wait_until(lambda: _pings(client), timeout=10)

        def stop(self):
            if self.process and self.process.poll() is None:
                self.process.terminate()
                self.process.wait(timeout=10)

        def kill(self):
            """SIGKILL, by its PID: Redis gone at once, as in a crash."""
            if self.process and self.process.poll() is None:
                self.process.kill()
                self.process.wait(timeout=10)

    private = Private()
    private.start()
    yield private
    private.stop()


def _pings(client) -> bool:
    try:
        return client.ping()
    except Exception:
        return False


def test_redis_down_requests_succeed_and_effects_follow(database_url, private_redis):
    prefix = f"faults-b-{uuid.uuid4().hex[:6]}-"
    app = make_app(database_url, private_redis.url, prefix)
    private_redis.stop()

    client = app.test_client()
    assert client.get("/healthz").status_code == 503
    emails = [f"redis-down-{uuid.uuid4().hex[:6]}-{n}@school.edu" for n in range(5)]
    for email in emails:
        response = client.submit("/auth/register/student", {
            "name": "Offline Test", "email": email, "password": "a sensible passphrase",
            "confirm": "a sensible passphrase", "graduation_year": "2027", "time_zone": "UTC"})
        assert response.status_code == 302, response.get_data(as_text=True)[:300]

    def delivered() -> int:
        with app.app_context():
            return db.session.scalar(sa.select(sa.func.count(EmailDelivery.id)).where(
                EmailDelivery.to_address.in_(emails)))

    assert delivered() == 0
    private_redis.start()
    assert client.get("/healthz").status_code == 200
    worker = WorkerProcess(database_url, private_redis.url, prefix, "after-redis")
    try:
        assert wait_until(lambda: delivered() == 5, timeout=60), worker.log.read_text()[-3000:]
    finally:
        worker.stop()


def test_worker_outlives_a_redis_outage_and_reconnects(database_url, private_redis):
    """Redis dies under a busy worker and comes back empty: the same worker process
    picks up again, and every effect happens exactly once."""
    from rq import Worker

    from marketplace.core.queueing import queue_for

    prefix = f"faults-d-{uuid.uuid4().hex[:6]}-"
    app = make_app(database_url, private_redis.url, prefix)
    first = 300_000 + int(uuid.uuid4().int % 1000) * 1000
    keys = {"before": range(first, first + 300),        # worked through as Redis dies
            "during": range(first + 300, first + 310),  # committed while Redis is down
            "after": range(first + 310, first + 320)}   # enqueued once Redis is back
    ids: list[int] = []

    def enqueue(batch: str) -> int:
        """Commit one row per key, as a request would; returns how many reached RQ."""
        with app.app_context():
            messages = [enqueue_after_commit("record_effect", key) for key in keys[batch]]
            db.session.commit()
            ids.extend(message.id for message in messages)
            return len(dispatch_ready())

    def completed() -> int:
        with app.app_context():
            return db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
                OutboxMessage.id.in_(ids), OutboxMessage.completed_at.is_not(None)))

    assert enqueue("before") == 300
    worker = WorkerProcess(database_url, private_redis.url, prefix, "reconnect",
                           log_level="INFO")
    pid = worker.process.pid
    try:
        assert wait_until(lambda: completed() >= 20, timeout=60, interval=0.1), \
            worker.log.read_text()[-3000:]
        private_redis.kill()
        done_at_kill = completed()
        assert done_at_kill < 300, "the batch finished before Redis died; nothing was tested"
        assert enqueue("during") == 0  # committed; the relay sends them once Redis is back
        time.sleep(5)
        assert worker.process.poll() is None, worker.log.read_text()[-4000:]

        private_redis.start()  # same port, no data: the jobs queued before are gone
        assert enqueue("after") == 10
        # "before" and "during" come back through the relay, which only the worker's
        # beat enqueues: they finish only if the worker, its beat and the relay all
        # found Redis again.
        if not wait_until(lambda: completed() == 320, timeout=120):
            pytest.fail(f"{completed()} of 320 done\n"
                        f"worker's log:\n{worker.log.read_text()[-4000:]}")
        assert worker.process.poll() is None and worker.process.pid == pid
        with app.app_context():
            # One RQ worker registered, in the same process: the one that lost
            # Redis was cleared out.
            assert [w.pid for w in Worker.all(queue=queue_for("high"))] == [pid]
    finally:
        worker.stop()
    assert worker.process.returncode == 0, worker.log.read_text()[-3000:]  # SIGTERM: clean exit
    with app.app_context():
        counts = effect_counts(db.session)
    all_keys = [key for batch in keys.values() for key in batch]
    print(f"Redis killed after {done_at_kill} of 300 jobs; reconnected; "
          f"log: {[line for line in worker.log.read_text().splitlines() if 'workers.' in line]}")
    assert {key: counts.get(key, 0) for key in all_keys} == {key: 1 for key in all_keys}


def test_idle_worker_waits_for_redis_and_stops_on_sigterm_while_it_is_down(database_url,
                                                                           private_redis):
    """Redis down at start-up, then gone while the worker waits for a job: the worker
    waits it out each time, and SIGTERM still stops it while Redis is down."""
    from rq import Worker

    from marketplace.core.queueing import queue_for

    prefix = f"faults-e-{uuid.uuid4().hex[:6]}-"
    app = make_app(database_url, private_redis.url, prefix)
    keys = iter(range(400_000 + int(uuid.uuid4().int % 1000) * 1000, 10**9))
    ids: list[int] = []

    def enqueue(count: int) -> int:
        with app.app_context():
            messages = [enqueue_after_commit("record_effect", next(keys)) for _ in range(count)]
            db.session.commit()
            ids.extend(message.id for message in messages)
            return len(dispatch_ready())

    def completed() -> int:
        with app.app_context():
            return db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
                OutboxMessage.id.in_(ids), OutboxMessage.completed_at.is_not(None)))

    def registered_pids() -> list[int]:
        with app.app_context():
            return [w.pid for w in Worker.all(queue=queue_for("high"))]

    private_redis.stop()
    waiting = WorkerProcess(database_url, private_redis.url, prefix, "waits-for-redis")
    pid = waiting.process.pid
    try:
        time.sleep(4)
        assert waiting.process.poll() is None, waiting.log.read_text()[-3000:]
        private_redis.start()
        assert enqueue(5) == 5
        assert wait_until(lambda: completed() == 5, timeout=60), waiting.log.read_text()[-3000:]

        # Gone while the worker waits for a job, back a few seconds later, empty.
        private_redis.kill()
        time.sleep(4)
        assert waiting.process.poll() is None, waiting.log.read_text()[-3000:]
        private_redis.start()
        assert enqueue(5) == 5
        assert wait_until(lambda: completed() == 10, timeout=60), waiting.log.read_text()[-3000:]
        # Listed as a worker again (the Redis that came back had forgotten it).
        assert wait_until(lambda: registered_pids() == [pid], timeout=30), registered_pids()

        # Gone again: one worker running, one starting; SIGTERM stops both, at once.
        private_redis.kill()
        starting = WorkerProcess(database_url, private_redis.url, prefix, "starts-without-redis")
        try:
            time.sleep(4)
            assert starting.process.poll() is None, starting.log.read_text()[-3000:]
            for worker in (waiting, starting):
                began = time.monotonic()
                worker.stop()  # SIGTERM; SIGKILL after 15 s
                assert worker.process.returncode == 0, worker.log.read_text()[-3000:]
                assert time.monotonic() - began < 10
        finally:
            starting.kill()
    finally:
        waiting.kill()


def test_failing_job_retried_listed_and_retry_button_works(database_url):
    prefix = f"faults-c-{uuid.uuid4().hex[:6]}-"
    app = make_app(database_url, TEST_REDIS_URL, prefix)
    key = 200_000 + int(uuid.uuid4().int % 1000)
    with app.app_context():
        from marketplace.blueprints.accounts.services import create_user

        staff_email = f"staff-{uuid.uuid4().hex[:6]}@school.edu"
        create_user(staff_email, "Staff", Role.STAFF, "staff passphrase 1")
        message = enqueue_after_commit("fail_until_fixed", key)
        db.session.commit()
        job_id, message_id = message.rq_job_id, message.id
        dispatch_ready()

    worker = WorkerProcess(database_url, TEST_REDIS_URL, prefix, "failing")
    try:
        def attempts() -> int:
            with app.app_context():
                return db.session.get(OutboxMessage, message_id).attempts

        # Tried once, then retried twice on its backoff, then failed for good.
        assert wait_until(lambda: attempts() == 3, timeout=60), worker.log.read_text()[-3000:]
        client = app.test_client()
        client.submit("/auth/login", {"email": staff_email, "password": "staff passphrase 1"})
        page = wait_until(lambda: (lambda text: job_id in text and text)(
            client.get("/staff/jobs").get_data(as_text=True)), timeout=20)
        assert page and "not fixed yet" in page

        with app.app_context():
            db.session.execute(job_switch.insert().values(key=key))
            db.session.commit()
        response = client.submit("/staff/jobs/retry", {"job_id": job_id}, page="/staff/jobs")
        assert response.status_code == 302

        def effect() -> int:
            with app.app_context():
                return effect_counts(db.session).get(key, 0)

        assert wait_until(lambda: effect() == 1, timeout=30), worker.log.read_text()[-3000:]
        assert "No failed jobs." in client.get("/staff/jobs").get_data(as_text=True)
    finally:
        worker.stop()
