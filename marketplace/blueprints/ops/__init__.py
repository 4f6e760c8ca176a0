"""Operations: health checks, Prometheus metrics, the background task console, the e-mail
log, and the people search with each person's records (it sits above every domain but
home)."""

from __future__ import annotations

from flask import Flask

from marketplace.blueprints.ops import metrics, views
from marketplace.core import logs

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)  # with /metrics, which metrics adds to it
    logs.on_request_finished(metrics.observe_request)
