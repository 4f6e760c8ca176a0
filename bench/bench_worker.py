"""``make bench-worker``: 10,000 outbox jobs through two workers, next to RQ's own worker
doing an empty job, both measured in this run against the local PostgreSQL and Redis.

Prints jobs per second for each and the ratio (goal: at least 50% of the baseline), and
checks that every outbox job's effect happened exactly once.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import uuid
from pathlib import Path

import sqlalchemy as sa
from redis import Redis
from rq import Queue

from bench.common import fresh_database

ROOT = Path(__file__).resolve().parents[1]
JOBS = int(os.environ.get("BENCH_JOBS", 10_000))
WORKERS = 2
PG_URL = os.environ.get("BENCH_DATABASE_URL",
                        "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/0")


def run_workers(command: list[str], env: dict) -> float:
    """Start WORKERS burst workers at once; return the seconds until all have finished."""
    started = time.perf_counter()
    processes = [subprocess.Popen(command, cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.DEVNULL) for _ in range(WORKERS)]
    for process in processes:
        if process.wait(timeout=1800) != 0:
            raise SystemExit(f"a worker exited with {process.returncode}: {command}")
    return time.perf_counter() - started


def baseline(redis: Redis, worker_class: str) -> float:
    prefix = f"bench-base-{uuid.uuid4().hex[:6]}-"
    queue = Queue(prefix + "high", connection=redis)
    queue.enqueue_many([Queue.prepare_data("bench.empty.empty_job", result_ttl=600)
                        for _ in range(JOBS)])
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    rq = str(Path(sys.executable).parent / "rq")
    seconds = run_workers([rq, "worker", "--burst", "--url", REDIS_URL, "--quiet",
                           "--worker-class", worker_class, prefix + "high"], env)
    assert queue.count == 0
    return JOBS / seconds


def outbox(redis: Redis) -> tuple[float, dict[int, int]]:
    from flask_migrate import upgrade

    from bench.jobs import bench_effect, bench_metadata
    from marketplace import create_app
    from marketplace.core.extensions import db
    from marketplace.core.models import OutboxMessage
    from marketplace.core.outbox import dispatch_ready, enqueue_after_commit

    database_url = fresh_database(PG_URL, "cc_bench_worker")
    prefix = f"bench-ours-{uuid.uuid4().hex[:6]}-"
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": REDIS_URL,
           "RQ_QUEUE_PREFIX": prefix, "SECRET_KEY": "bench-secret",
           "CC_EXTRA_JOB_MODULES": "bench.jobs", "PYTHONPATH": str(ROOT),
           "RQ_LOG_LEVEL": "WARNING"}
    os.environ.update({k: env[k] for k in ("CC_EXTRA_JOB_MODULES",)})
    app = create_app({"SQLALCHEMY_DATABASE_URI": database_url, "REDIS_URL": REDIS_URL,
                      "RQ_QUEUE_PREFIX": prefix, "SECRET_KEY": "bench-secret"})
    with app.app_context():
        upgrade()
        bench_metadata.create_all(db.engine)
        for key in range(JOBS):
            enqueue_after_commit("record_bench_effect", key)
        db.session.commit()
        sent = dispatch_ready()
        assert len(sent) == JOBS, len(sent)
    seconds = run_workers([sys.executable, "-m", "workers", "--burst"], env)
    with app.app_context():
        done = db.session.scalar(sa.select(sa.func.count(OutboxMessage.id)).where(
            OutboxMessage.completed_at.is_not(None)))
        counts = dict(db.session.execute(sa.select(bench_effect.c.key, sa.func.count())
                                         .group_by(bench_effect.c.key)).all())
        db.engine.dispose()
    assert done == JOBS, f"only {done} of {JOBS} outbox rows completed"
    return JOBS / seconds, counts


def main() -> None:
    redis = Redis.from_url(REDIS_URL)
    redis.ping()
    print(f"{JOBS} jobs, {WORKERS} workers, PostgreSQL {sa.make_url(PG_URL).host}, "
          f"Redis {REDIS_URL}", flush=True)
    base = baseline(redis, "rq.worker.Worker")
    print(f"baseline  RQ's worker (forks per job), empty job: {base:8.1f} jobs/s", flush=True)
    simple = baseline(redis, "rq.worker.SimpleWorker")
    print(f"baseline  RQ's SimpleWorker, empty job:           {simple:8.1f} jobs/s", flush=True)
    ours, counts = outbox(redis)
    print(f"outbox    our worker, job with a database effect: {ours:8.1f} jobs/s", flush=True)
    once = sum(1 for key in range(JOBS) if counts.get(key) == 1)
    print(f"ratio     {ours / base:.0%} of RQ's worker (goal: at least 50%); "
          f"{ours / simple:.0%} of RQ's SimpleWorker")
    print(f"effects   {once} of {JOBS} exactly once, "
          f"{sum(1 for c in counts.values() if c > 1)} more than once, "
          f"{JOBS - len(counts)} missing")
    if once != JOBS:
        raise SystemExit("some effect did not happen exactly once")


if __name__ == "__main__":
    main()
