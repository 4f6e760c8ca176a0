"""Privacy: a person's data rights. They download everything the product holds about
them, and ask to be deleted; staff carry the request out (or decline it)."""

from __future__ import annotations

from flask import Flask

from marketplace.blueprints.privacy import api, jobs, views

__all__ = ["api", "init_app", "jobs"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
