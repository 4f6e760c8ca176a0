"""In-app notifications, each optionally followed by an e-mail through the outbox."""

from __future__ import annotations

import sqlalchemy as sa
from flask import g, has_app_context
from flask_login import UserMixin

from marketplace.blueprints.notifications.models import Notification
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.hooks import Hook
from marketplace.core.outbox import enqueue_after_commit
from marketplace.core.urls import path_for

# What a domain above attaches to a notification's e-mail (mentoring: a calendar
# invitation), registered in its ``init_app``.
email_attachment = Hook("an attachment for a notification's e-mail, or None")


# What a domain above adds to a notification's e-mail headers (outcomes' campaigns:
# List-Unsubscribe), as a dict, or None.
email_headers = Hook("extra headers for a notification's e-mail, or None")


def notify(user: UserMixin, kind: str, title: str, body: str = "", link: str | None = None,
           email: bool = True, **link_values) -> Notification:
    """Add a notification for ``user`` and, if ``email``, queue its e-mail. Flushes.

    ``kind`` names the e-mail template (``templates/emails/<kind>.txt``), falling
    back to a generic one. ``link`` is the endpoint the notification leads to, with
    ``link_values`` its URL values. Not idempotent: call it once per event.
    """
    path = path_for(link, **link_values) if link else None
    notification = Notification(user_id=user.id, kind=kind, title=title, body=body, link=path)
    db.session.add(notification)
    db.session.flush()
    _forget_count()
    if email:
        enqueue_after_commit("send_notification_email", notification.id)
    return notification


def unread_count(user: UserMixin) -> int:
    return db.session.scalar(sa.select(unread_count_of(user.id))) or 0


def unread_count_of(user_id) -> sa.ScalarSelect:
    """How many notifications of ``user_id`` (a value or a column) are unread, as a
    subquery: the user loader asks it in its own query (``accounts.services.sessions``)."""
    return (sa.select(sa.func.count(Notification.id))
            .where(Notification.user_id == user_id, Notification.read_at.is_(None))
            .scalar_subquery())


def _forget_count() -> None:
    """The count this request read at its start is out of date."""
    if has_app_context():
        g.pop("unread_notifications", None)


def mark_read(user: UserMixin, notification_id: int | None = None) -> int:
    """Mark one (or, with no id, every) notification of ``user`` read. Returns rows changed."""
    statement = sa.update(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))
    if notification_id is not None:
        statement = statement.where(Notification.id == notification_id)
    _forget_count()
    return db.session.execute(statement.values(read_at=utcnow())).rowcount
