"""Opportunities: postings from draft to review to published, browse and search, saving."""

from __future__ import annotations

from flask import Flask

from marketplace.blueprints.opportunities import api, browse, cards, jobs, pagecache, views

__all__ = ["api", "init_app", "jobs"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    pagecache.init_app(app)
    browse.init_app(app)
    cards.init_app(app)
