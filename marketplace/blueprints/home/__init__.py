"""Home: the front page and each role's home, which gather what the domains below hold."""

from __future__ import annotations

from flask import Flask

from marketplace.blueprints.home import views

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
