"""Events and career fairs: workshops, information sessions and fairs; registration with
a waitlist; check-in codes and the kiosk; employers at fairs and their conversations."""

from __future__ import annotations

from flask import Flask

from marketplace.blueprints.events import api, jobs, views

__all__ = ["api", "init_app", "jobs"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
