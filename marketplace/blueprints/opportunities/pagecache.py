"""Public pages kept rendered for visitors who are not logged in, until postings change.

The opportunities list and detail pages look the same to every visitor without
an account, and most of their cost is rendering. Each worker process keeps the
last few hundred such pages, each under the catalog version it was rendered at
(a counter the database bumps on every committed change to a posting or an
organization, see ``CatalogVersion``). A visit reads the version (one indexed
row) and serves the page kept for it, so a change shows on the next visit: a
suspended organization's postings vanish at once, for every worker.

Nothing personal is ever kept: only GET requests with an empty session and no
logged-in user are served from or stored in the cache, and a page is not kept
if rendering it touched the session (a CSRF token, a flash) or set a cookie.
Pages also expire after ``PAGE_CACHE_SECONDS``, and a page with a featured
posting when that feature ends.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import wraps

import sqlalchemy as sa
from flask import Flask, current_app, g, request, session
from flask_login import current_user

from marketplace.blueprints.opportunities.models import CatalogVersion
from marketplace.core.db import utcnow
from marketplace.core.extensions import db


@dataclass(frozen=True)
class CachedPage:
    body: bytes
    mimetype: str
    version: int
    expires: float  # time.monotonic()


class PageCache:
    """A bounded least-recently-used map of URL to page; safe across threads."""

    def __init__(self, size: int, seconds: float):
        self.size = size
        self.seconds = seconds
        self._pages: OrderedDict[str, CachedPage] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: str, version: int, now: float) -> CachedPage | None:
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            if page.version != version or page.expires <= now:
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key: str, page: CachedPage) -> None:
        with self._lock:
            self._pages[key] = page
            self._pages.move_to_end(key)
            while len(self._pages) > self.size:
                self._pages.popitem(last=False)

    def clear(self) -> None:
        with self._lock:
            self._pages.clear()

    def __len__(self) -> int:
        return len(self._pages)


def _cache_sized_by(app: Flask, setting: str) -> PageCache | None:
    """A cache of ``app.config[setting]`` entries per worker; None when that is 0."""
    size = app.config[setting]
    return PageCache(size, app.config["PAGE_CACHE_SECONDS"]) if size > 0 else None


def init_app(app: Flask) -> None:
    app.extensions["page_cache"] = _cache_sized_by(app, "PAGE_CACHE_SIZE")


@dataclass(frozen=True)
class Kept:
    """A value kept by ``kept_until_change``."""

    value: object
    version: int
    expires: float  # time.monotonic()


def add_kept_values(app: Flask, name: str) -> None:
    """Give ``app`` a cache of values kept until the catalog changes (``kept_until_change``),
    as ``app.extensions[name]``: ``RESULTS_CACHE_SIZE`` entries per worker, 0: none."""
    app.extensions[name] = _cache_sized_by(app, "RESULTS_CACHE_SIZE")


def kept_until_change(name: str, key, compute: Callable[[], object]):
    """``compute()``, kept in the app's cache ``name`` under ``key`` and the catalog
    version it was computed at: the same for every caller with that key, until a posting
    or an organization changes (or ``PAGE_CACHE_SECONDS`` pass). ``key`` must hold
    everything the value depends on besides the catalog; the value is shared, never to
    be changed. Without the cache (or its version), computed every time."""
    cache: PageCache | None = current_app.extensions.get(name)
    version = catalog_version() if cache is not None else None
    if version is None:
        return compute()
    now = time.monotonic()
    found = cache.get(key, version, now)
    if found is None:
        found = Kept(compute(), version, now + cache.seconds)
        cache.put(key, found)
    return found.value


VERSION_QUERY = sa.select(CatalogVersion.version).where(CatalogVersion.id == 1)


def catalog_version() -> int | None:
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
