"""The beat: one job per period however many workers, and deployments sharing a Redis
keep their own periods. Services round only (needs Redis)."""

from __future__ import annotations

import uuid

import pytest
from redis import Redis
from rq import Queue

from marketplace.core.jobs import PERIODIC
from tests.support import ON_SERVICES, TEST_REDIS_URL
from workers.beat import tick

pytestmark = [pytest.mark.no_db,
              pytest.mark.skipif(not ON_SERVICES, reason="needs Redis (make test-services)")]


def queued(connection: Redis, prefix: str) -> int:
    return sum(Queue(prefix + name, connection=connection).count
               for name in {spec.queue for spec in PERIODIC.values()})


def test_two_beats_enqueue_each_period_once():
    connection = Redis.from_url(TEST_REDIS_URL)
    prefix, now = f"beat-{uuid.uuid4().hex[:6]}-", 1_800_000_000.0
    first = tick(connection, prefix, now, {})
    second = tick(connection, prefix, now + 0.5, {})
    assert len(first) == len(PERIODIC) and second == []
    assert queued(connection, prefix) == len(PERIODIC)
    # The next period of the 15-second relay is a new job.
    later = tick(connection, prefix, now + 15, {})
    assert any("relay_outbox" in job_id for job_id in later)


def test_deployments_sharing_a_redis_keep_their_own_periods():
    connection = Redis.from_url(TEST_REDIS_URL)
    now = 1_800_000_100.0
    one, two = (f"site{n}-{uuid.uuid4().hex[:6]}-" for n in (1, 2))
    assert len(tick(connection, one, now, {})) == len(PERIODIC)
    assert len(tick(connection, two, now, {})) == len(PERIODIC)
    assert queued(connection, one) == queued(connection, two) == len(PERIODIC)
