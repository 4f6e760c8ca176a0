"""Public pages kept rendered for visitors who are not logged in, until postings change.

The opportunities list and detail pages look the same to every visitor without
an account, and most of their cost is rendering. Each worker process keeps the
last few hundred such pages, each under the catalog version it was rendered at
(a counter the database bumps on every committed change to a posting or an
organization, see ``CatalogVersion``). A visit reads the version and serves the
page kept for it, so a change shows on the next visit: a suspended organization's
postings vanish at once, for every worker. Where the change feed is live
(``core.changes``) the version is its stamp of ``catalog``, known without a query;
else the counter is read (one indexed row).

Nothing personal is ever kept: only GET requests with an empty session and no
logged-in user are served from or stored in the cache, and a page is not kept
if rendering it touched the session (a CSRF token, a flash) or set a cookie.
Pages also expire after ``PAGE_CACHE_SECONDS``, and a page with a featured
posting when that feature ends.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps

import sqlalchemy as sa
from flask import Flask, current_app, g, request, session
from flask_login import current_user

from marketplace.blueprints.opportunities.models import CatalogVersion
from marketplace.core import changes
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.kept import PageCache, cache_sized_by, keep


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    mimetype: str
    version: object  # the catalog's (``catalog_version``)
    expires: float  # time.monotonic()


def init_app(app: Flask) -> None:
    app.extensions["page_cache"] = cache_sized_by(app, "PAGE_CACHE_SIZE")
    # Each student's saved postings (``views.saved_ids``), one entry per student.
    app.extensions["saved_cache"] = cache_sized_by(app, "PEOPLE_CACHE_SIZE")


def add_kept_values(app: Flask, name: str) -> None:
    """Give ``app`` a cache of values kept until the catalog changes (``kept_until_change``),
    as ``app.extensions[name]``: ``RESULTS_CACHE_SIZE`` entries per worker, 0: none."""
    app.extensions[name] = cache_sized_by(app, "RESULTS_CACHE_SIZE")


def kept_until_change(name: str, key, compute: Callable[[], object]):
    """``compute()``, kept in the app's cache ``name`` under ``key`` and the catalog
    version it was computed at: the same for every caller with that key, until a posting
    or an organization changes (or ``PAGE_CACHE_SECONDS`` pass). ``key`` must hold
    everything the value depends on besides the catalog; the value is shared, never to
    be changed. Without the cache (or its version), computed every time."""
    return keep(name, key, catalog_version, compute)


VERSION_QUERY = sa.select(CatalogVersion.version).where(CatalogVersion.id == 1)


def catalog_version() -> object:
    """The catalog's version: the change feed's stamp of ``catalog`` where it is live (no
    query), else the counter read from the database."""
    heard = changes.stamp("catalog")
    if heard is not None:
        return heard
    bind = db.session.get_bind()
    if isinstance(bind, sa.Engine) and bind.dialect.name == "postgresql":
        # A read in autocommit: no BEGIN and ROLLBACK round trips around it.
        with bind.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
            return connection.execute(VERSION_QUERY).scalar()
    # SQLite, or a session bound to one connection: read through the session.
    return db.session.connection().execute(VERSION_QUERY).scalar()


def keep_page_until(when: datetime) -> None:
    """The page being rendered is wrong after ``when`` (a featured posting's end)."""
    seconds = (when - utcnow()).total_seconds()
    deadline = time.monotonic() + max(seconds, 0.0)
    g.page_cache_deadline = min(deadline, g.get("page_cache_deadline", deadline))


def _visitor_request() -> bool:
    # Order matters: a remember-me cookie logs the visitor in while current_user loads.
    return (request.method == "GET" and not current_user.is_authenticated
            and not session)


def cached_for_visitors(view: Callable) -> Callable:
    """Serve ``view`` from the page cache to visitors who are not logged in."""

    @wraps(view)
    def cached_view(*args, **kwargs):
        cache: PageCache | None = current_app.extensions.get("page_cache")
        if cache is None or not _visitor_request():
            return view(*args, **kwargs)
        version = catalog_version()
        if version is None:
            return view(*args, **kwargs)
        # The mount point too: the page's links are built with it.
        key = request.script_root + request.full_path
        now = time.monotonic()
        page = cache.get(key, version, now)
        if page is not None:
            return current_app.response_class(page.body, mimetype=page.mimetype)
        response = current_app.make_response(view(*args, **kwargs))
        if (response.status_code == 200 and not session and not session.modified
                and "Set-Cookie" not in response.headers and not response.is_streamed):
            expires = min(now + cache.seconds, g.get("page_cache_deadline", float("inf")))
            cache.put(key, CachedPage(response.get_data(), response.mimetype, version, expires))
        return response

    return cached_view
