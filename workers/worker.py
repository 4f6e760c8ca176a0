"""The worker: an RQ worker with its scheduler on high, default and low, plus the beat."""

from __future__ import annotations

import logging
import multiprocessing
import os
import sys

from redis import Redis
from rq import Queue, SimpleWorker, Worker

from marketplace.core.extensions import db
from marketplace.core.jobs import QUEUES
from marketplace.core.models import OutboxMessage
from workers.beat import run_beat
from workers.runner import get_app, use_app


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
    connection = Redis.from_url(redis_url)
    beat = None
    if with_beat and not burst:
        beat = multiprocessing.get_context("fork").Process(
            target=run_beat, args=(redis_url, prefix, os.getpid()), daemon=True, name="beat")
        beat.start()
    try:
        worker_class = Worker if os.environ.get("RQ_FORK_PER_JOB") == "1" else SimpleWorker
        worker = worker_class(
            [Queue(prefix + name, connection=connection) for name in queues],
            connection=connection,
            # How soon a dead worker's job is noticed and retried (RQ defaults: 600 s, 30 s).
            maintenance_interval=int(os.environ.get("RQ_MAINTENANCE_INTERVAL", 60)),
            job_monitoring_interval=int(os.environ.get("RQ_JOB_MONITORING_INTERVAL", 15)),
        )
        worker.work(with_scheduler=True, burst=burst,
                    logging_level=os.environ.get("RQ_LOG_LEVEL", "INFO"))
    finally:
        if beat is not None:
            beat.terminate()
    return 0
