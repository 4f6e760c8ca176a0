"""The benchmark's outbox job: one with a countable effect."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.core.extensions import db
from marketplace.core.jobs import job

bench_metadata = sa.MetaData()
bench_effect = sa.Table(
    "bench_effect", bench_metadata,
    sa.Column("id", sa.Integer, primary_key=True),
    sa.Column("key", sa.Integer, nullable=False),
)


@job(queue="high", timeout=30, retry_intervals=(1, 5))
def record_bench_effect(key: int) -> None:
    """One row per run, so the benchmark can check every effect happened exactly once."""
    db.session.execute(bench_effect.insert().values(key=key))
