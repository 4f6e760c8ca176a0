"""The evidence ledger: recording is idempotent, enforced by a unique constraint."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..extensions import db
from ..models import OutcomeEvidence, SourceKind
from ..models.base import utcnow
from ..reference import OUTCOMES


def record_evidence(student_id: int, outcome: str, source_kind: SourceKind, source_id: int,
                    details: dict | None = None) -> bool:
    """Add one ledger row unless it exists. Returns True when a row was added.

    Safe to rerun and to run concurrently: the database ignores the duplicate
    (``ON CONFLICT DO NOTHING``) instead of Python checking first.
    """
    if outcome not in OUTCOMES:
        raise ValueError(f"unknown outcome {outcome!r}")
    dialect = db.session.get_bind().dialect.name
    insert = (postgresql.insert if dialect == "postgresql" else sqlite.insert)(OutcomeEvidence)
    statement = insert.values(student_id=student_id, outcome=outcome,
                              source_kind=source_kind.value, source_id=source_id,
                              recorded_at=utcnow(), details=details).on_conflict_do_nothing(
        index_elements=["student_id", "outcome", "source_kind", "source_id"])
    return db.session.execute(statement).rowcount == 1


def evidence_for(student_id: int) -> list[OutcomeEvidence]:
    return db.session.scalars(sa.select(OutcomeEvidence).where(
        OutcomeEvidence.student_id == student_id).order_by(OutcomeEvidence.recorded_at.desc(),
                                                           OutcomeEvidence.id.desc())).all()
