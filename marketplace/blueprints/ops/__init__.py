"""Operations: health checks, the background task console, the e-mail log, and the
people search with each person's records (it sits above every domain but home)."""

from __future__ import annotations

from flask import Flask

from marketplace.blueprints.ops import views

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
