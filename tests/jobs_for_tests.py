"""Jobs that exist only for the tests: their effects are rows we can count.

Loaded by the test suite, and by worker processes the tests start through
``CC_EXTRA_JOB_MODULES=tests.jobs_for_tests``.
"""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.core.extensions import db
from marketplace.core.jobs import job

test_metadata = sa.MetaData()

job_effect = sa.Table(
    "test_job_effect", test_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.Integer, nullable=False, index=True),
)

job_switch = sa.Table(
    "test_job_switch", test_metadata,
    sa.Column("key", sa.Integer, primary_key=True),
)


@job(queue="high", timeout=30, retry_intervals=(1, 1))
def record_effect(key: int) -> None:
    """Insert one effect row for ``key`` (deliberately not idempotent by itself)."""
    db.session.execute(job_effect.insert().values(key=key))


@job(queue="default", timeout=30, retry_intervals=(1, 1))
def fail_until_fixed(key: int) -> None:
    """Fails until a switch row for ``key`` exists, then records its effect."""
    if db.session.execute(sa.select(job_switch.c.key).where(job_switch.c.key == key)).first() \
            is None:
        raise RuntimeError(f"the cause of failure {key} is not fixed yet")
    db.session.execute(job_effect.insert().values(key=key))


def effect_counts(connection_or_session) -> dict[int, int]:
    rows = connection_or_session.execute(
        sa.select(job_effect.c.key, sa.func.count()).group_by(job_effect.c.key)).all()
    return dict(rows)
