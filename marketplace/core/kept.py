"""Values a worker process keeps between requests: bounded, each under the version of
what it was computed from, and for a limited time.

The version is whatever the caller compares: the catalog's counter read from the
database, or a stamp of the change feed (``changes``). An entry whose version is not the
current one, or whose time is up, is a miss and is dropped.
"""

from __future__ import annotations

import copy
import threading
import time
from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from flask import Flask, current_app, render_template, request
from markupsafe import Markup
from sqlalchemy.orm import make_transient_to_detached
from sqlalchemy.orm.attributes import set_committed_value

from marketplace.core import changes
from marketplace.core.extensions import db


@dataclass(frozen=True)
class Kept:
    """A value kept with the version it was computed at."""

    value: object
    version: object
    expires: float  # time.monotonic()


class PageCache:
    """A bounded least-recently-used map of key to entry (an object with ``version`` and
    ``expires``: a ``Kept`` or a page); safe across threads."""

    def __init__(self, size: int, seconds: float):
        self.size = size
        self.seconds = seconds
        self._pages: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key, version, now: float):
        with self._lock:
            page = self._pages.get(key)
            if page is None:
                return None
            if page.version != version or page.expires <= now:
                del self._pages[key]
                return None
            self._pages.move_to_end(key)
            return page

    def put(self, key, page) -> None:
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


def cache_sized_by(app: Flask, setting: str) -> PageCache | None:
    """A cache of ``app.config[setting]`` entries per worker; None when that is 0."""
    size = app.config[setting]
    return PageCache(size, app.config["PAGE_CACHE_SECONDS"]) if size > 0 else None


def keep(name: str, key, version_of: Callable[[], object], compute: Callable[[], object]):
    """``compute()``, kept in the app's cache ``name`` under ``key`` and the version
    ``version_of()`` gave before computing it (read only when there is a cache): the same
    for every caller with that key while the version holds, for ``PAGE_CACHE_SECONDS`` at
    most. ``key`` must hold everything else the value depends on; the value is shared,
    never to be changed. Without the cache or a version (None), computed every time."""
    cache: PageCache | None = current_app.extensions.get(name)
    version = version_of() if cache is not None else None
    if version is None:
        return compute()
    now = time.monotonic()
    found = cache.get(key, version, now)
    if found is None:
        # The version was read first: a change made meanwhile makes this a miss next time.
        found = Kept(compute(), version, now + cache.seconds)
        cache.put(key, found)
    return found.value


def kept_while_unchanged(name: str, key, topics: tuple[str, ...], compute: Callable[[], object]):
    """``keep`` under the change feed's stamp of ``topics``: kept while nothing counted
    under them changes. Without a live feed, computed every time."""
    return keep(name, key, lambda: changes.stamp(*topics), compute)


def kept_while_live(name: str, key, topics: tuple[str, ...], compute: Callable[[], object]):
    """``kept_while_unchanged`` where the change feed is live, and None without it: for a
    value (all of a student's saved postings, say) that costs more to read each time than
    the caller's own narrower read, which it then makes instead."""
    if changes.stamp(*topics) is None:
        return None
    return kept_while_unchanged(name, key, topics, compute)


@dataclass(frozen=True)
class Snapshot:
    """A row and the relationships named when it was taken (one level), as column values:
    what is kept between requests instead of the row object of one request's session."""

    model: type
    columns: dict
    related: dict  # name: Snapshot, a tuple of them, or None


def snapshot(row, *related: str) -> Snapshot:
    """``row`` as loaded (nothing changed on it yet), with its loaded relationships
    ``related``."""
    def columns(item) -> dict:
        # Lists and dicts copied: the request that took the snapshot goes on with its row.
        state = sa.inspect(item)
        return {attr.key: _copied(state.dict[attr.key]) for attr in state.mapper.column_attrs
                if attr.key in state.dict}

    def taken(value):
        if value is None:
            return None
        if isinstance(value, list | tuple):
            return tuple(taken(item) for item in value)
        return Snapshot(type(value), columns(value), {})

    return Snapshot(type(row), columns(row), {name: taken(getattr(row, name))
                                              for name in related})


def _copied(value):
    return copy.deepcopy(value) if isinstance(value, list | dict) else value


def _rebuilt(snap: Snapshot):
    """A detached row holding the snapshot's values as if just loaded (nothing to write);
    lists and dicts copied, so that a request changing its row changes nothing kept."""
    row = snap.model.__mapper__.class_manager.new_instance()
    for key, value in snap.columns.items():
        set_committed_value(row, key, _copied(value))
    make_transient_to_detached(row)
    for name, value in snap.related.items():
        if isinstance(value, tuple):
            set_committed_value(row, name, [_rebuilt(item) for item in value])
        else:
            set_committed_value(row, name, _rebuilt(value) if value is not None else None)
    return row


def _identities(snap: Snapshot):
    yield sa.inspect(snap.model).identity_key_from_primary_key(tuple(
        snap.columns[column.key] for column in sa.inspect(snap.model).primary_key))
    for value in snap.related.values():
        for item in (value if isinstance(value, tuple) else (value,)):
            if item is not None:
                yield from _identities(item)


def in_session(snap: Snapshot):
    """The snapshot's row, and its related rows, as rows of this request's session, built
    without a query (later lazy loads work as for any row); None when the session holds
    any of them already (then read them again)."""
    identity_map = db.session.identity_map
    if any(key in identity_map for key in _identities(snap)):
        return None
    row = _rebuilt(snap)
    db.session.add(row)
    return row


def init_app(app: Flask) -> None:
    app.extensions["fragment_cache"] = cache_sized_by(app, "FRAGMENT_CACHE_SIZE")
    app.jinja_env.globals["rendered_once"] = rendered_once


def kept_fragment(key: tuple, topics: tuple[str, ...], render: Callable[[], str]) -> Markup:
    """Part of a page, rendered by ``render()`` and kept in the fragment cache under
    ``key`` while nothing counted under ``topics`` changes (``kept_while_unchanged``; for
    ``PAGE_CACHE_SECONDS`` at most, which bounds how long a change the topics do not
    count can go unseen). The part must hold no form: a CSRF token is the browser's own.
    ``key`` must name the person and everything else the part depends on."""
    return kept_while_unchanged("fragment_cache", (request.script_root, *key), topics,
                                lambda: Markup(render()))


# Templates rendered once per worker for each set of values (``rendered_once``); never
# more than this many sets are kept.
RENDERED_ONCE_MAX = 64


def rendered_once(template: str, *, key: tuple | None = None,
                  given: Callable[[], dict] | None = None, **values) -> Markup:
    """``template`` rendered with ``values`` alone (and the mount point, which its links
    are built with), once per worker: for a part that is the same for everyone it is
    rendered with, such as a role's navigation. The values must be few and hashable, or
    ``key`` says what makes two renderings differ and ``given()`` gives the values (for a
    blank form's fields: nothing differs, and the form is made only when rendered)."""
    kept: dict = current_app.extensions.setdefault("rendered_once", {})
    key = (template, request.script_root, *(sorted(values.items()) if key is None else key))
    found = None if current_app.debug else kept.get(key)  # debug: templates change
    if found is None:
        found = Markup(render_template(template, **(values if given is None else given())))
        # Kept only from a GET: a request that sent a form could leave its values in it.
        if request.method == "GET":
            if len(kept) >= RENDERED_ONCE_MAX:
                kept.clear()
            kept[key] = found
    return found
