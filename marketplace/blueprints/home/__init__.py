"""Home: the front page and each role's home, which gather what the domains below hold,
and the suggestions (postings and mentors) a student's home and the API share."""

from __future__ import annotations

from flask import Flask

from marketplace.blueprints.home import api, recommendations, views

__all__ = ["api", "init_app"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    recommendations.init_app(app)
