"""Signed-in browsers: each log-in is a row the person can see and end."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from flask import g, has_request_context, request, session
from sqlalchemy.orm import contains_eager

from marketplace.blueprints.accounts.models import (
    AlumniProfile,
    StudentCluster,
    StudentProfile,
    User,
    UserSession,
)
from marketplace.blueprints.accounts.policies import can_manage_session
from marketplace.blueprints.notifications.services import unread_count_of
from marketplace.core import changes
from marketplace.core.changes import user_topic
from marketplace.core.db import utcnow
from marketplace.core.errors import NotFound
from marketplace.core.extensions import db
from marketplace.core.kept import (
    Snapshot,
    cache_sized_by,
    in_session,
    kept_while_unchanged,
    snapshot,
)

SESSION_KEY = "sid"

# Writing "last seen" on every page would make each read a write: every 5 minutes is enough.
LAST_SEEN_EVERY = timedelta(minutes=5)


def _digest(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def open_session(user: User, method: str = "password") -> tuple[UserSession, bool]:
    """Record a new signed-in browser for ``user`` and put its key in the cookie.

    Returns the row and whether this browser looks new for the person (no earlier
    session from the same kind of device), for a sign-in notice. Flushes.
    """
    agent = (request.user_agent.string or "")[:300]
    earlier = db.session.scalars(sa.select(UserSession.user_agent).where(
        UserSession.user_id == user.id).limit(50)).all()
    key = secrets.token_urlsafe(32)
    row = UserSession(user_id=user.id, key_hash=_digest(key), user_agent=agent,
                      ip_address=(request.remote_addr or "")[:45] or None, method=method[:60])
    db.session.add(row)
    db.session.flush()
    session[SESSION_KEY] = key
    return row, bool(earlier) and describe_device(agent) not in {
        describe_device(seen) for seen in earlier}


def _cookie_key() -> str | None:
    key = session.get(SESSION_KEY)
    if not isinstance(key, str) or not key or len(key) > 100:
        return None
    return key


def _found(digest: str, session_id: int, last_seen_at) -> None:
    """Keep the id of the session row found for this request's cookie on ``g`` (for
    ``current_session``), and note when a "last seen" is due."""
    g.user_session = (digest, session_id)
    if last_seen_at < utcnow() - LAST_SEEN_EVERY:
        g.session_seen = session_id  # noted once the request is answered


# Every signed-in request asks this: built once, not per request. The person's profile
# comes with them (pages write times in the zone it names), and a student's career
# clusters as one string (browse, the home and the outcomes page order by them). Of the
# session row, only what every request needs: the few pages that show the row read it
# (``current_session``).
SIGNED_IN = (
    sa.select(User, UserSession.id.label("session_id"),
              UserSession.last_seen_at.label("last_seen_at"),
              unread_count_of(User.id).label("unread"),
              sa.select(sa.func.aggregate_strings(StudentCluster.cluster, ","))
              .where(StudentCluster.user_id == User.id).scalar_subquery().label("clusters"))
    .join(UserSession, UserSession.user_id == User.id)
    .outerjoin(StudentProfile, StudentProfile.user_id == User.id)
    .outerjoin(AlumniProfile, AlumniProfile.user_id == User.id)
    .options(contains_eager(User.student_profile), contains_eager(User.alumni_profile))
    .where(User.id == sa.bindparam("user_id"), UserSession.key_hash == sa.bindparam("digest"),
           UserSession.ended_at.is_(None)))


@dataclass(frozen=True)
class SignedIn:
    """What ``SIGNED_IN`` found, as kept between requests: the person and their profiles
    as a snapshot (never the objects of a request's session), and the rest."""

    user: Snapshot
    session_id: int
    last_seen_at: datetime
    unread: int
    clusters: tuple[str, ...]

    @classmethod
    def of(cls, found) -> SignedIn:
        return cls(snapshot(found[0], "student_profile", "alumni_profile"), found.session_id,
                   found.last_seen_at, found.unread, _clusters(found.clusters))


def _clusters(joined: str | None) -> tuple[str, ...]:
    return tuple(sorted(key for key in (joined or "").split(",") if key))


def init_app(app) -> None:
    # Who is signed in on each browser, kept per worker while the change feed hears
    # nothing of the person (``core.changes``): most signed-in pages then start
    # without a query.
    app.extensions["people_cache"] = cache_sized_by(app, "PEOPLE_CACHE_SIZE")


def signed_in_user(user_id: int) -> User | None:
    """The person behind this request's cookie if their session on this browser is still
    open: one query joining the person to the session row (None when the cookie holds
    no key, or the session was ended or is someone else's). The same query counts their
    unread notifications, which every page's header shows, and reads a student's
    clusters (``viewer_clusters``).

    Where the change feed is live, what the query found is kept per worker, under the
    cookie's digest, until anything about the person changes (their account, a session,
    a profile, a notification...): then the next request asks again."""
    key = _cookie_key()
    if key is None:
        return None
    digest = _digest(key)
    found = kept_while_unchanged("people_cache", (user_id, digest), (user_topic(user_id),),
                                 lambda: _signed_in(user_id, digest))
    if found is None:
        return None
    user = in_session(found.user)
    if user is None:
        # Just read (its row is in the session), or already in this request's session.
        user = db.session.get(User, user_id)
        if user is None:
            return None
    _found(digest, found.session_id, found.last_seen_at)
    g.unread_notifications = found.unread
    g.viewer_clusters = (user.id, found.clusters)
    return user


def _signed_in(user_id: int, digest: str) -> SignedIn | None:
    found = db.session.execute(SIGNED_IN, {"user_id": user_id, "digest": digest}).first()
    return SignedIn.of(found) if found is not None else None


def viewer_clusters(user: User) -> tuple[str, ...]:
    """``user``'s career clusters, sorted: as read with the signed-in person when ``user``
    is them (no query), else from their profile."""
    profile = user.student_profile
    changed = profile is not None and "cluster_rows" in sa.inspect(profile).dict
    kept = g.get("viewer_clusters") if has_request_context() and not changed else None
    if kept is not None and kept[0] == user.id:
        return kept[1]
    return tuple(sorted(profile.clusters)) if profile else ()


def current_session(user: User) -> UserSession | None:
    """The live session row behind this request's cookie, or None (ended, or not ``user``'s).

    The user loader found the row's id: the row is read by it (once per request, then
    from the session's identity map), so ending it in this request shows at once, since
    that changes the same object."""
    key = _cookie_key()
    if key is None:
        return None
    digest = _digest(key)
    kept = g.get("user_session")
    if kept is not None and kept[0] == digest:
        row = db.session.get(UserSession, kept[1])
    else:
        row = db.session.scalar(sa.select(UserSession).where(
            UserSession.key_hash == digest, UserSession.user_id == user.id,
            UserSession.ended_at.is_(None)))
        if row is not None:
            _found(digest, row.id, row.last_seen_at)
    if row is None or row.user_id != user.id or row.ended_at is not None:
        return None
    return row


def note_session_seen() -> None:
    """Commits: write when a session was last seen (at most every few minutes). A busy
    database only skips this one note."""
    session_id = g.pop("session_seen", None)
    if session_id is None:
        return
    try:
        db.session.execute(sa.update(UserSession).where(UserSession.id == session_id)
                           .values(last_seen_at=utcnow()))
        with changes.unheard():  # no page shows it at once; the person's topic tells
            db.session.commit()
    except sa.exc.OperationalError:
        db.session.rollback()


def active_sessions(user: User) -> list[UserSession]:
    return db.session.scalars(sa.select(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None))
        .order_by(UserSession.last_seen_at.desc(), UserSession.id.desc()).limit(100)).all()


def end_session(user: User, session_id: int) -> UserSession:
    """End one of the user's own sessions (that browser is signed out at its next request)."""
    row = db.session.get(UserSession, session_id)
    if row is None or not can_manage_session(user, row):
        raise NotFound("No such session.")
    if row.ended_at is None:
        row.ended_at = utcnow()
    db.session.flush()
    return row


def end_all_sessions(user: User, except_id: int | None = None) -> int:
    statement = sa.update(UserSession).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None))
    if except_id is not None:
        statement = statement.where(UserSession.id != except_id)
    return db.session.execute(statement.values(ended_at=utcnow())).rowcount


_BROWSERS = (("Edg/", "Edge"), ("OPR/", "Opera"), ("Firefox/", "Firefox"),
             ("Chrome/", "Chrome"), ("Chromium/", "Chromium"), ("Safari/", "Safari"))
_SYSTEMS = (("iPhone", "iPhone"), ("iPad", "iPad"), ("Android", "Android"),
            ("Windows", "Windows"), ("Mac OS X", "Mac"), ("CrOS", "ChromeOS"),
            ("Linux", "Linux"))


def describe_device(agent: str) -> str:
    """"Firefox on Windows", from a User-Agent header; "An unknown device" when unclear."""
    agent = agent or ""
    browser = next((name for marker, name in _BROWSERS if marker in agent), None)
    if browser is None and re.match(r"^[\w.-]+/[\d.]+", agent):
        browser = agent.split("/", 1)[0][:40]  # curl/8.0, python-requests/2.32
    system = next((name for marker, name in _SYSTEMS if marker in agent), None)
    if browser and system:
        return f"{browser} on {system}"
    return browser or system or "An unknown device"
