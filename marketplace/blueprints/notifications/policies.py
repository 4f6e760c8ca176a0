"""Who may do what with notifications. Deny by default."""

from __future__ import annotations

from flask_login import UserMixin

from marketplace.blueprints.notifications.models import Notification


def can_read_notification(user: UserMixin, notification: Notification) -> bool:
    """A notification is for its addressee alone."""
    return user.is_authenticated and notification.user_id == user.id
