"""What changed in the database, as each worker process hears it: what lets a worker
keep what it read (who is signed in, pages of results) without asking again.

PostgreSQL only. Triggers (migration 0024) send a notification on the channel
``cc_changes`` when a transaction that changed something a kept value depends on commits:
``catalog`` for a posting, an organization, a posting's schools or a school;
``user:<id>`` for a person's account, sessions, profiles, clusters, notifications, saved
postings and the rest of what their own pages show; ``mentoring`` and ``rules`` for what
many people's pages show; ``*`` when a table is truncated (migration 0024 lists them).
Each process listens on a connection of its own, in a thread, and counts what it hears
per topic.

A value is kept under the *stamp* of its topics taken before it was computed: the
feed's epoch (a new one each time it connects, or when it hears ``*``), the count of
this process's own commits that wrote, and the count of each topic. It is served only
while its stamp is still the current one, so a notification heard, a commit made by this
process and a lost connection each make it a miss. Without a live feed (SQLite, a
session bound to one connection as in the tests, the feed not yet connected, lost, or
silent for ``STALE_AFTER`` seconds) there is no stamp and nothing is kept.

What this cannot close: another process's commit is heard a few milliseconds after it
returns, and in that window another worker can still serve what it kept (an ended
session included). This process's own commits count at once: a person reading what they
just wrote, on the same worker, always sees it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
import sqlalchemy as sa
from flask import Flask, current_app, g, has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.orm import Session

from marketplace.core.extensions import db

CHANNEL = "cc_changes"
EVERYTHING = "*"
# The listening connection runs a query when it has heard nothing for this long...
HEARTBEAT_SECONDS = 2.0
# ...and stamps stop when it has not answered for this long (a hung connection).
STALE_AFTER = 5.0
# Topics counted before the counts start again under a new epoch (memory stays bounded).
MAX_TOPICS = 100_000

log = logging.getLogger(__name__)


class ChangeFeed:
    """One process's ear on ``cc_changes``: counts per topic, and stamps from them."""

    def __init__(self, database_url: str):
        url = sa.make_url(database_url)
        self.conninfo = url.set(drivername="postgresql").render_as_string(hide_password=False)
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._epoch = 0
        self._writes = 0  # this process's own commits that wrote
        self._live = False
        self._heard_at = 0.0  # time.monotonic() of the last answer on the connection
        self._pid: int | None = None
        self._thread: threading.Thread | None = None
        self._stop = threading.Event()
        self._started = threading.Lock()

    # -- read by requests ---------------------------------------------------------

    def stamp(self, *topics: str) -> tuple | None:
        """The current stamp of ``topics``, or None when the feed is not live."""
        if self._pid != os.getpid():
            self._start()
        with self._lock:
            if not self._live or time.monotonic() - self._heard_at > STALE_AFTER:
                return None
            return (self._epoch, self._writes, *(self._counts.get(t, 0) for t in topics))

    def wrote(self) -> None:
        """This process committed a change: every stamp taken before is out of date."""
        with self._lock:
            self._writes += 1

    @property
    def live(self) -> bool:
        return self.stamp() is not None

    def close(self) -> None:
        """Stop listening (tests, shutting down); stamps are None from now on."""
        self._stop.set()
        with self._lock:
            self._live = False
        if self._thread is not None and self._pid == os.getpid():
            self._thread.join(timeout=HEARTBEAT_SECONDS + 5)

    # -- the listening thread -------------------------------------------------------

    def _start(self) -> None:
        with self._started:
            if self._pid == os.getpid() or self._stop.is_set():
                return
            # A forked worker starts afresh: nothing heard by its parent counts here.
            self._lock = threading.Lock()
            self._counts, self._live, self._pid = {}, False, os.getpid()
            self._thread = threading.Thread(target=self._listen, name="change-feed",
                                            daemon=True)
            self._thread.start()

    def _forget(self, live: bool) -> None:
        with self._lock:
            self._epoch += 1
            self._counts.clear()
            self._live = live
            self._heard_at = time.monotonic()

    def _heard(self, topic: str) -> None:
        with self._lock:
            if topic == EVERYTHING or len(self._counts) >= MAX_TOPICS:
                self._epoch += 1
                self._counts.clear()
            else:
                self._counts[topic] = self._counts.get(topic, 0) + 1
            self._heard_at = time.monotonic()

    def _listen(self) -> None:
        wait = 0.5
        while not self._stop.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True, connect_timeout=5,
                                     keepalives_idle=5, keepalives_interval=2,
                                     keepalives_count=2, tcp_user_timeout=10_000,
                                     application_name="change-feed") as connection:
                    connection.execute(f"LISTEN {CHANNEL}")
                    self._forget(live=True)
                    wait = 0.5
                    while not self._stop.is_set():
                        for note in connection.notifies(timeout=HEARTBEAT_SECONDS):
                            self._heard(note.payload)
                        answered = time.monotonic()
                        connection.execute("SELECT 1")
                        # What arrived meanwhile is counted before the answer is.
                        for note in connection.notifies(timeout=0):
                            self._heard(note.payload)
                        with self._lock:
                            self._heard_at = answered
            except (psycopg.Error, OSError) as error:
                log.warning("change feed lost its connection: %s", type(error).__name__)
            finally:
                self._forget(live=False)
            self._stop.wait(wait)
            wait = min(wait * 2, 30.0)


def init_app(app: Flask) -> None:
    """A feed for ``app`` when it runs on PostgreSQL and ``CHANGE_FEED`` is on; it starts
    listening on first use, in each process."""
    url = app.config["SQLALCHEMY_DATABASE_URI"]
    on = app.config.get("CHANGE_FEED", True) and url.startswith("postgresql")
    app.extensions["change_feed"] = ChangeFeed(url) if on else None


def current_feed() -> ChangeFeed | None:
    """The app's feed, if the request's session reads through the app's own engine (a
    session bound to one connection, as in the rolled-back tests, sees uncommitted rows
    no notification tells of)."""
    feed = current_app.extensions.get("change_feed")
    if feed is None or not isinstance(db.session.get_bind(), Engine):
        return None
    return feed


def stamp(*topics: str) -> tuple | None:
    """The stamp of ``topics`` for values read in this request, or None (keep nothing).

    Within a request each part of a stamp is taken once, the first time it is asked for,
    and then repeated: a value read later in the request (a page part built from the
    signed-in person, read at the start) is never kept under a count heard after what it
    was built from was read. A count heard since makes the value a miss next time."""
    feed = current_feed()
    if feed is None:
        return None
    if not has_request_context():
        return feed.stamp(*topics)
    taken: dict = g.setdefault("change_stamps", {})
    new = [topic for topic in topics if topic not in taken]
    if new or "" not in taken:
        now = feed.stamp(*new)
        if now is None:
            return None
        taken.setdefault("", now[:2])  # the epoch and this process's own writes
        taken.update(zip(new, now[2:], strict=True))
    return (*taken[""], *(taken[topic] for topic in topics))


def user_topic(user_id: int) -> str:
    return f"user:{user_id}"


# This process's own writes. A statement that changes rows marks the thread; when the
# session commits, after the database has, the feed hears of it at once. (Before the
# commit would be too early: a stamp taken in between would be kept with old rows.)
_marks = threading.local()


# Statements that read (or only set up a transaction), written as text.
READS = ("SELECT", "WITH", "SHOW", "SET", "SAVEPOINT", "RELEASE", "LISTEN", "BEGIN",
         "EXPLAIN", "PRAGMA")


@event.listens_for(Engine, "after_cursor_execute")
def _mark_write(conn, cursor, statement, parameters, context, executemany):
    if context is not None and (context.isinsert or context.isupdate or context.isdelete):
        _marks.wrote = True
    elif (context is not None and context.compiled is not None
          and not isinstance(context.compiled.statement, sa.TextClause)):
        return  # a SELECT built with SQLAlchemy
    elif not statement.lstrip().upper().startswith(READS):
        _marks.wrote = True  # text that may write


@event.listens_for(Engine, "rollback")
def _forget_write(conn):
    _marks.wrote = False


@contextmanager
def unheard() -> Iterator[None]:
    """Commits inside this block do not count as this process's writes: for a write no
    reader needs to see at once (when a session was last seen), which would otherwise
    make every value this process keeps a miss. Notifications still tell of it."""
    _marks.quiet = True
    try:
        yield
    finally:
        _marks.quiet = False


@event.listens_for(Session, "after_commit")
def _wrote(session):
    if not getattr(_marks, "wrote", False):
        return
    _marks.wrote = False
    if getattr(_marks, "quiet", False):
        return
    if has_app_context():
        feed = current_app.extensions.get("change_feed")
        if feed is not None:
            feed.wrote()
