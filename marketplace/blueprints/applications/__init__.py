"""Applications: applying with a resume, the employer's pipeline, offers, placements and
their completion, and the log of who looked at a student's record."""

from __future__ import annotations

from flask import Flask

from marketplace.blueprints.applications import api, views
from marketplace.blueprints.opportunities import hooks
from marketplace.core.kept import cache_sized_by

__all__ = ["api", "init_app"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    hooks.detail_context.register(views.detail_for_student)
    # Each student's applications by posting (``views.application_to``).
    app.extensions["applied_cache"] = cache_sized_by(app, "PEOPLE_CACHE_SIZE")
