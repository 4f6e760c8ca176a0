"""The beat: enqueues each periodic job once per period, whatever the number of workers.

Every worker runs a beat. Each period of each job has one fixed RQ job id
(``<queue prefix>periodic-<name>-<period number>``), enqueued with
``unique=True``: the first beat wins, the others get DuplicateJobError and
move on. Two runs of one job
can overlap only if a run outlasts its period; jobs are written to allow that.
"""

from __future__ import annotations

import logging
import os
import time

from redis import Redis
from redis.exceptions import RedisError
from rq import Queue
from rq.exceptions import DuplicateJobError

from marketplace.core.jobs import PERIODIC

log = logging.getLogger("workers.beat")


def periodic_job_id(name: str, every: int, now: float, prefix: str = "") -> str:
    # RQ job ids are global in Redis: the queue prefix keeps two deployments (or
    # test runs) sharing one Redis from taking each other's periods.
    return f"{prefix}periodic-{name}-{int(now // every)}"


def tick(connection: Redis, prefix: str, now: float, last: dict[str, str]) -> list[str]:
    """Enqueue every periodic job whose current period has no job yet. Returns new ids."""
    enqueued = []
    for name, spec in PERIODIC.items():
        job_id = periodic_job_id(name, spec.every, now, prefix)
        if last.get(name) == job_id:
            continue
        try:
            Queue(prefix + spec.queue, connection=connection).enqueue(
                "workers.runner.run_periodic", name, job_id=job_id, unique=True,
                job_timeout=spec.timeout, result_ttl=max(spec.every * 2, 60),
                failure_ttl=7 * 24 * 3600, description=f"periodic {name}")
            enqueued.append(job_id)
        except DuplicateJobError:
            pass  # another worker's beat was first
        last[name] = job_id
    return enqueued


def run_beat(redis_url: str, prefix: str, parent_pid: int, interval: float = 1.0) -> None:
    """Loop until the parent worker is gone.

    A Redis outage does not end it: each tick tries again (redis-py reconnects),
    and once Redis is back each job's current period is enqueued (periods that
    passed meanwhile are not made up).
    """
    connection = Redis.from_url(redis_url, socket_connect_timeout=2, socket_timeout=5)
    last: dict[str, str] = {}
    redis_down = False
    while os.getppid() == parent_pid:
        try:
            for job_id in tick(connection, prefix, time.time(), last):
                log.debug("beat: enqueued %s", job_id)
            if redis_down:
                log.warning("beat: Redis is back")
                redis_down = False
        except RedisError as error:
            if not redis_down:  # once per outage, not once a second
                log.warning("beat: Redis unavailable: %s", error)
                redis_down = True
            last.clear()
        time.sleep(interval)
