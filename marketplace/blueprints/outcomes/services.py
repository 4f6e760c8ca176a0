"""The evidence ledger: recording is idempotent, enforced by a unique constraint."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import aliased

from marketplace.blueprints.outcomes.models import OutcomeEvidence, SourceKind, StudentAttainment
from marketplace.core.db import utcnow
from marketplace.core.extensions import db, insert_or_ignore
from marketplace.core.hooks import Hook
from marketplace.core.reference import OUTCOMES


def record_evidence(student_id: int, outcome: str, source_kind: SourceKind, source_id: int,
                    details: dict | None = None, occurred_at: datetime | None = None,
                    rule_version_id: int | None = None) -> bool:
    """Add one ledger row unless it exists. Returns True when a row was added.

    ``rule_version_id``: the evidence rule version that decided it (``outcomes.rules``).

    Safe to rerun and to run concurrently: the database ignores the duplicate
    (``ON CONFLICT DO NOTHING``) instead of Python checking first.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    insert = insert_or_ignore(OutcomeEvidence)
    now = utcnow()
    occurred_at = min(occurred_at or now, now)
    statement = insert.values(student_id=student_id, outcome=outcome,
                              source_kind=source_kind.value, source_id=source_id,
                              recorded_at=now, occurred_at=occurred_at,
                              details=details, rule_version_id=rule_version_id
                              ).on_conflict_do_nothing(
        index_elements=["student_id", "outcome", "source_kind", "source_id"])
    # RETURNING, not rowcount: drivers need not report a row count for an INSERT.
    added = db.session.execute(statement.returning(OutcomeEvidence.id)).first() is not None
    if added:
        column = StudentAttainment.__table__.c[outcome]
        upsert = insert_or_ignore(StudentAttainment).values(
            {"student_id": student_id, outcome: occurred_at})
        new = upsert.excluded[outcome]
        db.session.execute(upsert.on_conflict_do_update(
            index_elements=["student_id"],
            set_={outcome: sa.case((column.is_(None), new), (new < column, new),
                                   else_=column)}))
    return added


def rebuild_attainment() -> None:
    """Recompute ``student_attainment`` from the ledger (after bulk loads). Flushes.

    Reversal rows, and the rows they reverse, do not count."""
    db.session.execute(sa.delete(StudentAttainment))
    when = sa.func.coalesce(OutcomeEvidence.occurred_at, OutcomeEvidence.recorded_at)
    firsts = [sa.func.min(sa.case((OutcomeEvidence.outcome == key, when))) for key in OUTCOMES]
    db.session.execute(sa.insert(StudentAttainment).from_select(
        ["student_id", *OUTCOMES],
        sa.select(OutcomeEvidence.student_id, *firsts).where(counts_as_evidence())
        .group_by(OutcomeEvidence.student_id)))


# Called with a ledger row that no longer counts (its approval was withdrawn) and the
# reason, by the job that reverses it: credentials revoke what was issued for it.
evidence_withdrawn = Hook("a ledger row no longer counts: (row, reason)")


def counts_as_evidence() -> sa.ColumnElement[bool]:
    """Ledger rows that count: not a reversal, and not reversed by one."""
    reversal = aliased(OutcomeEvidence)
    return sa.and_(OutcomeEvidence.reverses_id.is_(None), ~sa.exists(
        sa.select(reversal.id).where(reversal.reverses_id == OutcomeEvidence.id)))


def evidence_for(student_id: int) -> list[OutcomeEvidence]:
    return db.session.scalars(sa.select(OutcomeEvidence).where(
        OutcomeEvidence.student_id == student_id).order_by(OutcomeEvidence.recorded_at.desc(),
                                                           OutcomeEvidence.id.desc())).all()
