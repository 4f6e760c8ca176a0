"""Operations: health checks, the background task console and the e-mail log."""

from __future__ import annotations

from flask import Flask

from marketplace.blueprints.ops import views

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
