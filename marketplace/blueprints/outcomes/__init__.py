"""Outcomes: the evidence ledger, the staff dashboard, imports, exports and reports."""

from __future__ import annotations

from flask import Flask

from marketplace.blueprints.outcomes import api, campaigns, jobs, views

__all__ = ["api", "init_app", "jobs"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    campaigns.init_app(app)
