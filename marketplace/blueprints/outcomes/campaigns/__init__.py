"""Outreach campaigns to students missing an outcome, with a stored random holdout."""

from __future__ import annotations

from flask import Flask, current_app

from marketplace.blueprints.notifications.models import Notification
from marketplace.blueprints.notifications.services import email_headers
from marketplace.blueprints.outcomes.campaigns import api, jobs, views
from marketplace.blueprints.outcomes.campaigns.services import unsubscribe_token
from marketplace.core.urls import path_for

__all__ = ["api", "init_app", "jobs"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    email_headers.register(unsubscribe_headers)
    app.jinja_env.globals["campaign_unsubscribe_url"] = unsubscribe_url


def unsubscribe_url(user_id: int) -> str:
    return current_app.config["BASE_URL"] + path_for(
        "campaigns.unsubscribe", token=unsubscribe_token(user_id))


def unsubscribe_headers(notification: Notification) -> dict | None:
    """A campaign e-mail can be unsubscribed from by the mail program in one click
    (RFC 2369 and RFC 8058); transactional e-mail never carries these."""
    if notification.kind != "campaign":
        return None
    return {"List-Unsubscribe": f"<{unsubscribe_url(notification.user_id)}>",
            "List-Unsubscribe-Post": "List-Unsubscribe=One-Click",
            "Precedence": "bulk"}
