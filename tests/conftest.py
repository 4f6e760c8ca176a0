"""Fixtures: one schema per session (from the migrations), each test rolled back."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade
from flask_sqlalchemy.session import Session as FlaskSession
from sqlalchemy import event

from marketplace import create_app
from marketplace.core.extensions import db
from tests import factories
from tests.jobs_for_tests import test_metadata
from tests.support import WORKER, Client, app_config, fresh_database, read_calendar

pytest_plugins = ["tests.idp.fixtures"]


def _xdist_scope(nodeid: str) -> str:
    path = nodeid.split("::", 1)[0]
    return "journeys" if path.startswith("tests/journeys/") else path


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Under pytest-xdist (``make test``) the browser journeys go to one process, with one
    browser, while the other works through the rest; every other file goes whole to one
    process (its tests share module fixtures)."""
    from xdist.scheduler import LoadScopeScheduling

    class JourneysTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return _xdist_scope(nodeid)

    return JourneysTogether(config, log)


def pytest_collection_modifyitems(config, items):
    """Under pytest-xdist the scopes are handed out in collection order
    (``--no-loadscope-reorder``): the journeys first, then the files marked slow, then the
    rest, so that no long file starts last and keeps a process busy alone at the end."""
    if WORKER:
        items.sort(key=lambda item: (_xdist_scope(item.nodeid) != "journeys",
                                     item.get_closest_marker("slow") is None))


class ConnectionBoundSession(FlaskSession):
    """Flask-SQLAlchemy's session picks an engine per model; here, always the test's connection."""

    def get_bind(self, mapper=None, clause=None, bind=None, **kwargs):
        return bind or self.bind or super().get_bind(mapper, clause, bind, **kwargs)


@pytest.fixture(scope="session")
def app():
    app = create_app(app_config(fresh_database("main")))
    app.test_client_class = Client
    with app.app_context():
        upgrade()
        test_metadata.create_all(db.engine)
    return app


@pytest.fixture(autouse=True)
def db_session(request, app) -> Iterator:
    """Run the test inside one outer transaction that is rolled back afterwards.

    Views still call ``commit()``: with ``create_savepoint`` those commits end
    savepoints, and the outer transaction throws everything away at the end.
    """
    if "live_app" in request.fixturenames or request.node.get_closest_marker("no_db"):
        yield None
        return
    with app.app_context():
        connection = db.engine.connect()
        transaction = connection.begin()
        if connection.dialect.name == "postgresql":
            # The catalog version is bumped at commit, and this transaction never
            # commits: count changes as they happen instead (see test_page_cache).
            connection.exec_driver_sql("SET CONSTRAINTS ALL IMMEDIATE")
        # Rolled-back tests reuse version numbers: no page may outlive its test.
        for cache in ("page_cache", "results_cache", "recommendations_cache"):
            if app.extensions[cache] is not None:
                app.extensions[cache].clear()
        original = db.session
        db.session = db._make_scoped_session(
            {"bind": connection, "join_transaction_mode": "create_savepoint",
             "class_": ConnectionBoundSession}
        )
        try:
            yield db.session
        finally:
            db.session.remove()
            db.session = original
            if transaction.is_active:
                transaction.rollback()
            connection.close()


@pytest.fixture
def client(app) -> Client:
    return app.test_client()


@pytest.fixture
def login_as(client):
    """Log ``client`` in as ``user`` through the real log-in form."""

    def login(user, password: str = factories.DEFAULT_PASSWORD):
        response = client.submit("/auth/login", {"email": user.email, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return client

    return login


@pytest.fixture
def api_client(app):
    """A client that calls the API with a Bearer token for ``user``."""
    from marketplace.blueprints.accounts.services import issue_api_token

    def make(user):
        token = issue_api_token(user)
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return client

    return make


class QueryCounter:
    def __init__(self):
        self.statements: list[str] = []

    @property
    def count(self) -> int:
        return len(self.statements)


@pytest.fixture
def count_queries(app):
    """Count SQL statements run inside ``with count_queries() as counter:``."""
    from contextlib import contextmanager

    @contextmanager
    def counting():
        counter = QueryCounter()

        def before(conn, cursor, statement, *args):
            if not re.match(r"\s*(SAVEPOINT|RELEASE|ROLLBACK|BEGIN)", statement, re.I):
                counter.statements.append(statement)

        with app.app_context():
            engine = db.engine
        event.listen(engine, "before_cursor_execute", before)
        try:
            yield counter
        finally:
            event.remove(engine, "before_cursor_execute", before)

    return counting


def wait_for(predicate, timeout: float = 10.0, interval: float = 0.05):
    """Poll ``predicate`` until it is truthy or ``timeout`` passes; return its last value."""
    deadline = time.monotonic() + timeout
    value = predicate()
    while not value and time.monotonic() < deadline:
        time.sleep(interval)
        value = predicate()
    return value


__all__ = ["sa", "wait_for"]


@pytest.fixture
def run_jobs(app):
    """Hand what this test committed to the queue, and run the queue until it is empty.

    Inline mode has already run the jobs after each commit; with Redis, an
    in-process burst worker runs them against the test's own transaction.
    """
    from marketplace.core.jobs import QUEUES
    from marketplace.core.outbox import dispatch_ready
    from marketplace.core.queueing import queue_for, redis_connection

    def run(until=None, timeout: float = 10.0) -> None:
        """``until``: keep working (retries come due) until it returns True."""
        dispatch_ready()
        if redis_connection() is None:
            return
        from rq import SimpleWorker

        queues = [queue_for(name) for name in QUEUES]
        deadline = time.monotonic() + timeout
        while True:
            SimpleWorker(queues, connection=redis_connection()).work(
                burst=True, with_scheduler=until is not None, logging_level="WARNING")
            dispatch_ready()
            if until is None or until() or time.monotonic() > deadline:
                return
            time.sleep(0.3)

    return run


@pytest.fixture
def smtp(app):
    """A real local SMTP server the app sends to, for the test's length."""
    from tests.smtp_server import SMTPServer

    with SMTPServer() as server:
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port)
        try:
            yield server
        finally:
            app.config.update(MAIL_SERVER=None, MAIL_PORT=25)
    # Every invitation and cancellation the test sent is read by three independent
    # iCalendar parsers, which must agree.
    for calendar in server.calendars:
        read_calendar(calendar)
