"""Column helpers shared by the domain models."""

from __future__ import annotations

import enum
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.types import TypeDecorator

from marketplace.core.extensions import db, sqlite_transaction_wrote, write_transaction


def utcnow() -> datetime:
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator):
    """A timestamp stored in UTC and always returned timezone-aware.

    SQLite keeps no offset, PostgreSQL's ``timestamptz`` does; this type makes
    both hand back aware UTC datetimes so comparisons never mix naive and aware.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTCDateTime column")
        value = value.astimezone(UTC)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_type(enum_class: type[enum.Enum], length: int = 32) -> sa.Enum:
    """Store a StrEnum by its value in a VARCHAR with a CHECK constraint."""
    return sa.Enum(
        enum_class,
        native_enum=False,
        create_constraint=True,
        length=length,
        values_callable=lambda members: [member.value for member in members],
        name=enum_class.__name__.lower(),
        validate_strings=True,
    )


def end_read_transaction() -> None:
    """On SQLite, make sure the transaction holds the write lock before a read-check-write:
    a transaction that has only read is ended (there is nothing in it to commit), so the
    next one begins with ``BEGIN IMMEDIATE``; one that has written holds SQLite's write
    lock already and goes on. Nothing on PostgreSQL (use row locks there).
    """
    session = db.session()
    if session.get_bind().dialect.name != "sqlite" or not session.in_transaction():
        return
    if session.new or session.dirty or session.deleted:
        session.flush()  # now written, and so holding the write lock
    if not sqlite_transaction_wrote(session.connection()):
        session.commit()  # it only read: nothing is written


def lock_row(model, row_id: int):
    """Load one row locked against concurrent changes: ``FOR UPDATE`` on PostgreSQL,
    the write lock taken at ``BEGIN IMMEDIATE`` on SQLite. None if there is no such row.

    On SQLite see ``end_read_transaction``: a read-only transaction still open (the
    request loaded its user) is ended first; one that has written is never committed
    here, it already holds the lock.
    """
    end_read_transaction()
    with write_transaction():
        return db.session.scalar(
            sa.select(model).where(model.id == row_id).with_for_update()
            .execution_options(populate_existing=True))


def relock(model, row_id: int):
    """Lock one more row inside a transaction that already holds the write lock: on
    SQLite (taken at BEGIN IMMEDIATE) a plain read, on PostgreSQL ``FOR UPDATE``.
    Unlike ``lock_row`` it never ends the transaction."""
    return db.session.scalar(sa.select(model).where(model.id == row_id).with_for_update()
                             .execution_options(populate_existing=True))
