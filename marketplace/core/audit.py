"""The audit log: who did what to which object, when, and why. Append-only."""

from __future__ import annotations

from marketplace.core.extensions import db
from marketplace.core.models import AuditEntry


def audit(actor, action: str, subject=None, reason: str | None = None, *,
          subject_type: str | None = None, subject_id: int | None = None, **details) -> None:
    """Add one audit row. ``subject`` is any mapped row: its table name and id are
    recorded (``opportunity``, ``organization``…), unless given explicitly. Flushes nothing."""
    db.session.add(AuditEntry(
        actor_id=actor.id if actor else None, action=action,
        subject_type=subject_type or subject.__tablename__,
        subject_id=subject_id if subject_id is not None else subject.id,
        reason=reason, details=details or None))
