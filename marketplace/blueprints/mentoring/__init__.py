"""Mentoring: alumni slots and weekly series, bookings, invitations and reminders."""

from __future__ import annotations

from flask import Flask

from marketplace.blueprints.mentoring import api, jobs, views
from marketplace.blueprints.mentoring.services import invitation_for
from marketplace.blueprints.notifications.services import email_attachment

__all__ = ["api", "init_app", "jobs"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    email_attachment.register(invitation_for)
