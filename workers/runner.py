"""Entry points RQ calls. Each one runs a registered job inside an app context and
commits once; exceptions are recorded and re-raised so RQ retries them."""

from __future__ import annotations

import os

import sqlalchemy as sa
from flask import Flask, current_app, has_app_context

from marketplace.extensions import db, write_transaction
from marketplace.models import OutboxMessage
from marketplace.models.base import utcnow

from .registry import JOBS, PERIODIC, load_jobs

_app: Flask | None = None


def use_app(app: Flask) -> None:
    """Make ``app`` this worker process's app."""
    global _app
    if _app is None:
        # RQ forks a work-horse per job: a pooled connection must never be
        # shared by parent and child.
        os.register_at_fork(after_in_child=_dispose_inherited_pool)
    _app = app
    load_jobs()


def get_app() -> Flask:
    """The current app (tests, inline mode, ``flask worker``) or this process's own."""
    if has_app_context():
        return current_app._get_current_object()
    if _app is None:
        from marketplace import create_app

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


def run_outbox_message(outbox_id: int) -> str:
    """Run the job of one outbox row and mark the row done, in one transaction.

    Safe to rerun and to run concurrently: the row is locked (PostgreSQL) or the
    write lock taken (SQLite) first, and a row already done is skipped.
    """
    if not JOBS:
        load_jobs()
    with write_transaction():
        message = db.session.scalar(
            sa.select(OutboxMessage).where(OutboxMessage.id == outbox_id).with_for_update())
    if message is None or message.completed_at is not None:
        db.session.rollback()
        return "skipped"
    if message.job not in JOBS:
        load_jobs()
    spec = JOBS[message.job]
    args = list(message.args)
    try:
        spec.func(*args)
        now = utcnow()
        message.completed_at = now
        message.last_attempt_at = now
        message.attempts += 1
        message.last_error = None
        db.session.commit()
    except Exception as error:
        db.session.rollback()
        record_failure(outbox_id, error)
        raise
    return "done"


def record_failure(outbox_id: int, error: BaseException) -> None:
    """Note a failed attempt on the row (its own transaction), for the relay and staff."""
    text = f"{type(error).__name__}: {error}"[:2000]
    db.session.execute(
        sa.update(OutboxMessage).where(OutboxMessage.id == outbox_id).values(
            attempts=OutboxMessage.attempts + 1, last_error=text, last_attempt_at=utcnow()))
    db.session.commit()


def run_periodic(name: str) -> str:
    """RQ entry point for a periodic job."""
    with get_app().app_context():
        return run_periodic_job(name)


def run_periodic_job(name: str) -> str:
    if name not in PERIODIC:
        load_jobs()
    result = PERIODIC[name].func()
    db.session.commit()
    return str(result)
