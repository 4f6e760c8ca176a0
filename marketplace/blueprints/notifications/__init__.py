"""Notifications: messages to a person in the app and by e-mail, and the e-mail log."""

from __future__ import annotations

from flask import Flask, g
from flask_login import current_user

from marketplace.blueprints.notifications import api, jobs, views
from marketplace.blueprints.notifications.services import unread_count

__all__ = ["api", "init_app", "jobs"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    # A global, not a context processor: also seen by macros imported without context.
    app.jinja_env.globals["unread_notifications"] = _unread_notifications


def _unread_notifications() -> int:
    """Asked once per request, however many places of the page show it."""
    if not current_user.is_authenticated:
        return 0
    if "unread_notifications" not in g:
        g.unread_notifications = unread_count(current_user)
    return g.unread_notifications
