"""Extensions, created unbound; ``create_app`` binds them. Nothing here connects."""

from __future__ import annotations

import contextvars
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask_limiter import Limiter
from flask_limiter.util import get_remote_address
from flask_login import LoginManager
from flask_migrate import Migrate
from flask_sqlalchemy import SQLAlchemy
from flask_wtf.csrf import CSRFProtect
from sqlalchemy import MetaData, event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase
from sqlalchemy.pool import Pool

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


migrate = Migrate()


login_manager = LoginManager()


csrf = CSRFProtect()


limiter = Limiter(key_func=get_remote_address, default_limits=[])


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    """Make SQLite behave: foreign keys on, WAL, and real transactions.

    pysqlite starts transactions lazily and never for SELECT, which breaks
    SAVEPOINT and lets two writers interleave. Taking over BEGIN ourselves (see
    ``_begin_sqlite``) gives SQLite the transaction semantics the code relies on.
    """
    module = type(dbapi_connection).__module__
    if not module.startswith("sqlite3"):
        return
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


# A pooled server connection unused this long is checked before it is handed out.
IDLE_PING_SECONDS = 10.0


@event.listens_for(Pool, "checkin")
def _note_checkin(dbapi_connection, connection_record):
    connection_record.info["checked_in"] = time.monotonic()


@event.listens_for(Pool, "checkout")
def _ping_if_idle(dbapi_connection, connection_record, connection_proxy):
    """Hand out a PostgreSQL connection only once it is known to work, if it sat idle.

    Pinging at every checkout (``pool_pre_ping``) costs every request a round trip or
    two (psycopg opens a transaction for the ping). A connection used moments ago is
    almost surely alive; one idle for ``IDLE_PING_SECONDS`` (the server may have
    restarted since) is pinged, and a dead one replaced (``DisconnectionError`` makes
    the pool connect again). A connection that dies between pings fails one statement:
    SQLAlchemy then drops every pooled connection older than it, and the request gets a
    503 that says to try again (``errorpages``).
    """
    if not type(dbapi_connection).__module__.startswith("psycopg"):
        return  # SQLite: a file, nothing to lose
    last = connection_record.info.get("checked_in")
    if last is None or time.monotonic() - last < IDLE_PING_SECONDS:
        return  # just connected, or used moments ago
    try:
        dbapi_connection.execute("SELECT 1")
        dbapi_connection.rollback()
    except Exception as error:  # the driver's own errors: the connection is gone
        raise DisconnectionError(str(error)) from error


begin_immediately = contextvars.ContextVar("sqlite_begin_immediate", default=False)


@contextmanager
def write_transaction() -> Iterator[None]:
    """Transactions begun inside this block take SQLite's write lock up front.

    That is SQLite's stand-in for PostgreSQL's row locks: a read-check-write
    unit of work cannot interleave with another writer. On PostgreSQL it does
    nothing; use ``SELECT ... FOR UPDATE`` or constraints there.
    """
    token = begin_immediately.set(True)
    try:
        yield
    finally:
        begin_immediately.reset(token)


@event.listens_for(Engine, "begin")
def _begin_sqlite(conn):
    if conn.dialect.name != "sqlite":
        return
    conn.exec_driver_sql("BEGIN IMMEDIATE" if begin_immediately.get() else "BEGIN")
    conn.info["sqlite_changes_at_begin"] = conn.connection.dbapi_connection.total_changes


def sqlite_transaction_wrote(conn) -> bool:
    """Whether the SQLite transaction open on ``conn`` has changed any row (and so holds
    the write lock): SQLite's own count of changed rows, compared with its count at BEGIN."""
    start = conn.info.get("sqlite_changes_at_begin")
    return start is None or conn.connection.dbapi_connection.total_changes != start


def insert_or_ignore(model):
    """An INSERT with the database's ON CONFLICT clause (PostgreSQL and SQLite both
    have one): ``.on_conflict_do_nothing`` / ``.on_conflict_do_update`` on the result."""
    from sqlalchemy.dialects import postgresql, sqlite

    dialect = db.session.get_bind().dialect.name
    return (postgresql.insert if dialect == "postgresql" else sqlite.insert)(model)
