"""In-app notifications, each optionally followed by an e-mail through the outbox."""

from __future__ import annotations

import sqlalchemy as sa

from ..extensions import db
from ..models import Notification, User
from ..models.base import utcnow
from ..outbox import enqueue_after_commit


def notify(user: User, kind: str, title: str, body: str = "", link: str | None = None,
           email: bool = True) -> Notification:
    """Add a notification for ``user`` and, if ``email``, queue its e-mail. Flushes.

    ``kind`` names the e-mail template (``templates/emails/<kind>.txt``), falling
    back to a generic one. Not idempotent: call it once per event.
    """
    notification = Notification(user_id=user.id, kind=kind, title=title, body=body, link=link)
    db.session.add(notification)
    db.session.flush()
    if email:
        enqueue_after_commit("send_notification_email", notification.id)
    return notification


def unread_count(user: User) -> int:
    return db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0


def mark_read(user: User, notification_id: int | None = None) -> int:
    """Mark one (or, with no id, every) notification of ``user`` read. Returns rows changed."""
    statement = sa.update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    return db.session.execute(statement.values(read_at=utcnow())).rowcount
