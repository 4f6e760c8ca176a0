"""Entry points RQ calls. Each one runs a registered job inside an app context and
commits once; exceptions are recorded and re-raised so RQ retries them."""

from __future__ import annotations

import os

from flask import Flask, current_app, has_app_context

from marketplace import create_app
from marketplace.core.extensions import db
from marketplace.core.jobs import run_outbox_message, run_periodic_job

_app: Flask | None = None


def use_app(app: Flask) -> None:
    """Make ``app`` this worker process's app."""
    global _app
    if _app is None:
        # RQ forks a work-horse per job: a pooled connection must never be
        # shared by parent and child.
        os.register_at_fork(after_in_child=_dispose_inherited_pool)
    _app = app


def get_app() -> Flask:
    """The current app (tests, inline mode, ``flask worker``) or this process's own."""
    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        use_app(create_app())
    return _app


def _dispose_inherited_pool() -> None:
    if _app is not None:
        with _app.app_context():
            db.engine.dispose(close=False)


def run_outbox_job(outbox_id: int) -> str:
    """RQ entry point for one outbox row."""
    with get_app().app_context():
        return run_outbox_message(outbox_id)


def run_periodic(name: str) -> str:
    """RQ entry point for a periodic job."""
    with get_app().app_context():
        return run_periodic_job(name)
