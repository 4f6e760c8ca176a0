"""The worker: an RQ worker with its scheduler on high, default and low, plus the beat.

When Redis goes away the worker process stays up: RQ's work loop ends (it logs
the error and quits, or raises from its own teardown), and ``work_until_stopped``
lets go of that RQ worker, waits with backoff (1 s doubling to 30 s) and starts
a fresh one once Redis answers again. SIGTERM/SIGINT still stop it (RQ's warm
shutdown, or at once between RQ workers), and a burst run still ends when the
queues are empty; it does not wait for a Redis that is down (exit status 1).
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
import time
from collections.abc import Callable
from contextlib import contextmanager, suppress

from redis import Redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import RedisError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rq import Queue, SimpleWorker, Worker, worker_registration
from rq.exceptions import StopRequested

from marketplace.core.extensions import db
from marketplace.core.jobs import QUEUES
from marketplace.core.models import OutboxMessage
from workers.beat import run_beat
from workers.runner import get_app, use_app

log = logging.getLogger("workers.worker")

# What "Redis went away" looks like from redis-py (BusyLoadingError, while a
# restarted Redis loads its data, is a ConnectionError too).
REDIS_DOWN = (RedisConnectionError, RedisTimeoutError)
FIRST_RETRY_DELAY = 1.0
MAX_RETRY_DELAY = 30.0


class _NotesLostRedis:
    """Mixed into RQ's worker classes: remembers why its work loop ended.

    RQ's ``work()`` catches a Redis error in its loop, logs it and returns as
    if it were done; the caller cannot tell that from a burst run that emptied
    its queues. So the steps of the loop that talk to Redis record the error
    here, and a stop signal is recorded too.
    """

    # RQ's own retry while it waits for a job (it survives an outage there) uses
    # the same cap as ours.
    max_connection_wait_time = MAX_RETRY_DELAY
    lost_redis: Exception | None = None
    stop_requested = False
    started = False  # registered in Redis and listening

    @contextmanager
    def _noting_lost_redis(self):
        try:
            yield
        except REDIS_DOWN as error:
            self.lost_redis = error
            raise

    def request_stop(self, signum, frame):
        self.stop_requested = True
        super().request_stop(signum, frame)

    def bootstrap(self, *args, **kwargs):
        super().bootstrap(*args, **kwargs)
        self.started = True

    def check_for_suspension(self, *args, **kwargs):
        with self._noting_lost_redis():
            return super().check_for_suspension(*args, **kwargs)

    def run_maintenance_tasks(self, *args, **kwargs):
        with self._noting_lost_redis():
            super().run_maintenance_tasks(*args, **kwargs)
            self._register_again_if_forgotten()

    def _register_again_if_forgotten(self) -> None:
        """List this worker in Redis again if Redis lost it.

        While it waits for a job RQ rides out an outage itself, keeping the
        same worker; a Redis that came back empty no longer lists it.
        """
        if self.connection.sismember(self.redis_workers_keys, self.key):
            return
        with self.connection.pipeline() as pipeline:
            pipeline.hset(self.key, mapping=self.serialize())
            worker_registration.register(self, pipeline)
            pipeline.expire(self.key, self.worker_ttl + 60)
            pipeline.execute()

    def execute_job(self, *args, **kwargs):
        with self._noting_lost_redis():
            return super().execute_job(*args, **kwargs)

    def heartbeat(self, *args, **kwargs):
        with self._noting_lost_redis():
            return super().heartbeat(*args, **kwargs)

    def dequeue_job_and_maintain_ttl(self, *args, **kwargs):
        with self._noting_lost_redis():
            result = super().dequeue_job_and_maintain_ttl(*args, **kwargs)
        self.lost_redis = None  # RQ retried its way through an outage in there
        return result


class ReconnectingSimpleWorker(_NotesLostRedis, SimpleWorker):
    """RQ's SimpleWorker (jobs run in the worker process) that says why it stopped."""


class ReconnectingWorker(_NotesLostRedis, Worker):
    """RQ's forking Worker (a work-horse per job) that says why it stopped."""


def _raise_stop(signum, frame) -> None:
    raise StopRequested()


def _stop_on_signal() -> None:
    """SIGTERM/SIGINT while no RQ work loop runs (it installs its own): stop at once."""
    signal.signal(signal.SIGTERM, _raise_stop)
    signal.signal(signal.SIGINT, _raise_stop)


def _default_signals() -> None:
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    signal.signal(signal.SIGINT, signal.default_int_handler)


def _let_go(worker) -> None:
    """Stop what a worker that lost Redis left running in this process. No Redis needed.

    RQ's teardown stops the scheduler process and the pub/sub thread, but not
    when it fails half-way for want of Redis.
    """
    if worker.pubsub_thread is not None:
        worker.pubsub_thread.stop()  # it closes its own connection as it ends
    scheduler_process = worker.scheduler._process if worker.scheduler is not None else None
    if scheduler_process is not None and scheduler_process.is_alive():
        scheduler_process.terminate()
        scheduler_process.join(timeout=10)
    if worker.horse_pid:
        worker.wait_for_horse()  # the job in hand finishes or times out on its own


def _forget(worker) -> None:
    """Clear a worker that lost Redis out of Redis, once Redis is back.

    Marks it dead and off the worker lists (RQ's teardown could not), and frees
    the scheduler locks its scheduler process took with it, so that the next
    worker's scheduler takes them now rather than when they expire.
    """
    worker.register_death()
    if worker.scheduler is not None:
        worker.scheduler.release_locks()  # only locks still held under its name


def work_until_stopped(make_worker: Callable[[], Worker], burst: bool = False,
                       logging_level: str = "INFO") -> int:
    """Run RQ workers one after another until stopped; returns the exit status.

    Each time Redis goes away (at start-up or while working), the RQ worker is
    let go and a new one, under a new name, is started after a delay: 1 s,
    doubling to 30 s while Redis stays away, back to 1 s once a worker has
    started. A burst run does not wait for Redis: it exits with status 1.
    """
    delay, retrying = FIRST_RETRY_DELAY, False
    lost: list = []  # workers that lost Redis, still to be cleared out of it
    worker = None
    _stop_on_signal()
    try:
        while True:
            worker, error = None, None
            try:
                while lost:
                    _forget(lost[0])
                    lost.pop(0)
                worker = make_worker()
                if retrying:
                    log.warning("worker: Redis is back; starting a new RQ worker")
                    retrying = False
                worker.work(with_scheduler=True, burst=burst, logging_level=logging_level)
                error = worker.lost_redis
            except REDIS_DOWN as raised:
                error = raised
            _stop_on_signal()
            if worker is not None and worker.stop_requested:
                _let_go(worker)
                return 0
            if error is None:
                if burst:
                    return 0
                log.error("worker: RQ's work loop ended unexpectedly (see above); exiting")
                return 1
            if worker is not None:
                _let_go(worker)
                lost.append(worker)
                if worker.started:
                    delay = FIRST_RETRY_DELAY  # it had started: this is a new outage
            if burst:
                log.error("worker: Redis unavailable (%s); burst run stopped", error)
                return 1
            log.warning("worker: Redis unavailable (%s); retrying in %.0f s", error, delay)
            retrying = True
            time.sleep(delay)
            delay = min(delay * 2, MAX_RETRY_DELAY)
    except StopRequested:
        # A second signal ends the process at once, as in RQ's cold shutdown.
        _default_signals()
        log.info("worker: stopping on request")
        if worker is not None:
            _let_go(worker)
            if worker.started:
                with suppress(RedisError):
                    _forget(worker)
        return 0
    finally:
        _default_signals()


def warm_up(app) -> None:
    """Connect and compile the runner's queries once in the parent process.

    Each job runs in a forked work-horse; whatever the parent has already
    imported and compiled (the database driver, SQLAlchemy's statement cache)
    the horse inherits instead of redoing it for every job.
    """
    import sqlalchemy as sa

    with app.app_context():
        db.session.scalar(sa.select(OutboxMessage).where(OutboxMessage.id == -1)
                          .with_for_update())
        db.session.rollback()
        db.engine.dispose()


def main(burst: bool = False, with_beat: bool = True, queues: tuple[str, ...] = QUEUES) -> int:
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = get_app()
    use_app(app)
    warm_up(app)
    redis_url = app.config.get("REDIS_URL")
    if not redis_url:
        print("REDIS_URL is not set: with no Redis, jobs run inline in the web process "
              "and no worker is needed.", file=sys.stderr)
        return 2
    prefix = app.config.get("RQ_QUEUE_PREFIX", "")
    # A connect timeout, so an unreachable host fails fast and is retried; RQ
    # sets the read timeout itself (longer than its blocking dequeue).
    connection = Redis.from_url(redis_url, socket_connect_timeout=5)
    worker_class = ReconnectingWorker if os.environ.get("RQ_FORK_PER_JOB") == "1" \
        else ReconnectingSimpleWorker

    def make_worker() -> Worker:
        return worker_class(
            [Queue(prefix + name, connection=connection) for name in queues],
            connection=connection,
            # How soon a dead worker's job is noticed and retried (RQ defaults: 600 s, 30 s).
            maintenance_interval=int(os.environ.get("RQ_MAINTENANCE_INTERVAL", 60)),
            job_monitoring_interval=int(os.environ.get("RQ_JOB_MONITORING_INTERVAL", 15)),
        )

    beat = None
    if with_beat and not burst:
        beat = multiprocessing.get_context("fork").Process(
            target=run_beat, args=(redis_url, prefix, os.getpid()), daemon=True, name="beat")
        beat.start()
    try:
        return work_until_stopped(make_worker, burst=burst,
                                  logging_level=os.environ.get("RQ_LOG_LEVEL", "INFO"))
    finally:
        if beat is not None:
            beat.terminate()
