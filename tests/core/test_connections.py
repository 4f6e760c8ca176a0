"""Pooled PostgreSQL connections: checked before use only after sitting idle, and one the
server dropped costs a single "try again", never a 500 or a wrong answer."""

from __future__ import annotations

import time

import pytest
import sqlalchemy as sa

from marketplace.core import extensions
from marketplace.core.extensions import db
from tests.support import ON_SERVICES, migrated_app

pytestmark = [
    pytest.mark.no_db,
    pytest.mark.skipif(not ON_SERVICES, reason="needs PostgreSQL (make test-services)"),
]


def backend_pid(app) -> int:
    """The server process behind the (single) pooled connection."""
    with app.app_context():
        return db.session.execute(sa.text("SELECT pg_backend_pid()")).scalar_one()


def drop_every_connection(app) -> None:
    """What a server restart does to the app's pooled connections."""
    with app.app_context():
        database = db.engine.url.database
        admin = sa.create_engine(db.engine.url, isolation_level="AUTOCOMMIT", poolclass=sa.NullPool)
        with admin.connect() as connection:
            dropped = connection.execute(sa.text(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity "
                "WHERE datname = :name AND pid <> pg_backend_pid()"), {"name": database}).scalar()
        admin.dispose()
    assert dropped >= 1


@pytest.fixture(scope="module")
def app():
    app = migrated_app("connections", SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1,
                                                                 "max_overflow": 0})
    yield app
    with app.app_context():
        db.engine.dispose()


def test_a_connection_used_moments_ago_is_not_pinged(app):
    client = app.test_client()
    assert client.get("/opportunities").status_code == 200
    statements = []
    with app.app_context():
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        sa.event.listen(db.engine, "before_cursor_execute", listener)
        try:
            assert client.get("/opportunities").status_code == 200
        finally:
            sa.event.remove(db.engine, "before_cursor_execute", listener)
    assert statements and not any(s.strip().upper() == "SELECT 1" for s in statements)


def test_an_idle_connection_the_server_dropped_is_replaced_before_use(app):
    client = app.test_client()
    before = backend_pid(app)
    drop_every_connection(app)
    # As if the connection had sat in the pool past the ping interval.
    pool = None
    with app.app_context():
        pool = db.engine.pool
    for record in list(pool._pool.queue):
        record.info["checked_in"] = time.monotonic() - extensions.IDLE_PING_SECONDS - 1
    response = client.get("/opportunities")
    assert response.status_code == 200
    assert backend_pid(app) != before


def test_a_connection_dropped_while_in_use_gives_one_503_then_works(app):
    client = app.test_client()
    assert client.get("/opportunities").status_code == 200
    drop_every_connection(app)
    response = client.get("/opportunities")
    assert response.status_code == 503
    assert response.headers["Retry-After"] == "1"
    assert "Please try again" in response.text
    api = client.get("/api/v1/opportunities")  # the pool connected again
    assert api.status_code == 200
    drop_every_connection(app)
    api = client.get("/api/v1/opportunities")
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "busy"
    assert client.get("/opportunities").status_code == 200
