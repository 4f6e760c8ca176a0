"""Input every request is checked for once, before any view: control characters in text,
JSON that is too deep or not JSON, and ids past what a database column holds.

Views and services then see only text a database can store, JSON they can walk, and ids
that fit in PostgreSQL's ``integer``.
"""

from __future__ import annotations

import json
import re

from flask import Flask, abort, g, request
from werkzeug.datastructures import ImmutableMultiDict
from werkzeug.routing import IntegerConverter

from marketplace.core.extensions import begin_immediately, db

# C0 controls and DEL, except tab, line feed and carriage return (which text areas send).
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
CONTROL_MESSAGE = ("Text may not contain control characters (such as a NUL byte); "
                   "retype it or paste it as plain text.")
REMOVED_MESSAGE = ("We took out control characters (such as a NUL byte) this text held: "
                   "check it, then send the form again.")
MAX_JSON_DEPTH = 32
MAX_ID = 2**31 - 1
RAW_BODY = {"billing.stripe_webhook"}


class IdConverter(IntegerConverter):
    """``<int:…>`` in every route: 0 to 2**31 - 1. A larger number matches no route (404)
    rather than reaching the database, where it overflows PostgreSQL's ``integer``.

    The bound is in the pattern itself, not only checked after matching: otherwise the
    router answers 405 rather than 404 to other methods on such an address."""

    regex = ("(?:[0-9]{1,9}|1[0-9]{9}|20[0-9]{8}|21[0-3][0-9]{7}|214[0-6][0-9]{6}"
             "|2147[0-3][0-9]{5}|21474[0-7][0-9]{4}|214748[0-2][0-9]{3}|2147483[0-5][0-9]{2}"
             "|21474836[0-3][0-9]|214748364[0-7])")

    def __init__(self, map, *args, **kwargs) -> None:
        kwargs.setdefault("max", MAX_ID)
        super().__init__(map, *args, **kwargs)


def _json_depth(text: str) -> int:
    """How deeply the brackets of a JSON text nest, strings skipped (no parsing)."""
    depth = deepest = 0
    in_string = escaped = False
    for char in text:
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif char in "]}":
            depth -= 1
    return deepest


def _refuse_constant(name: str):
    raise ValueError(f"{name} is not a JSON number")


def _has_control(value) -> bool:
    """Whether any key or text in a parsed JSON value holds a control character (walked
    without recursion: the depth is bounded already, but never trust that twice)."""
    pending = [value]
    while pending:
        item = pending.pop()
        if isinstance(item, str):
            if CONTROL.search(item):
                return True
        elif isinstance(item, dict):
            pending += [*item.keys(), *item.values()]
        elif isinstance(item, list):
            pending += item
    return False


def check_request_input() -> None:
    """400 with a plain message for control characters or unusable JSON; the parsed JSON
    body is kept in ``g.json_body`` for ``core.api.views.json_body``."""
    for key, value in request.args.items(multi=True):
        if CONTROL.search(key) or CONTROL.search(value):
            abort(400, description=CONTROL_MESSAGE)
    # A posted form keeps what the person typed: the control characters are taken out
    # (no view ever sees them), and ``core.forms.Form`` shows the form again with a
    # message on each field they were in, for the person to check and send again.
    if request.form and any(CONTROL.search(key) or CONTROL.search(value)
                            for key, value in request.form.items(multi=True)):
        if any(CONTROL.search(key) for key in request.form):
            abort(400, description=CONTROL_MESSAGE)
        g.control_fields = {key for key, value in request.form.items(multi=True)
                            if CONTROL.search(value)}
        request.form = ImmutableMultiDict(
            [(key, CONTROL.sub("", value)) for key, value in request.form.items(multi=True)])
        request.__dict__.pop("values", None)
    # Stripe's events are checked by their signature over the raw body instead.
    if request.is_json and request.content_length != 0 and request.endpoint not in RAW_BODY:
        raw = request.get_data(cache=True)
        if not raw:
            return
        try:
            text = raw.decode("utf-8")  # JSON on the web is UTF-8 (RFC 8259), nothing else
        except UnicodeDecodeError:
            abort(400, description="Send JSON as UTF-8 text.")
        if _json_depth(text) > MAX_JSON_DEPTH:
            abort(400, description=f"The JSON is nested more than {MAX_JSON_DEPTH} levels deep.")
        try:
            body = json.loads(text, parse_constant=_refuse_constant)
        except (ValueError, RecursionError):
            abort(400, description="The body is not valid JSON.")
        if _has_control(body):
            abort(400, description=CONTROL_MESSAGE)
        g.json_body = body


def take_the_write_lock_up_front() -> None:
    """On SQLite, a request that changes things begins its transactions with the write
    lock (``BEGIN IMMEDIATE``): writers then queue for the lock (busy timeout) instead of
    failing when a read transaction tries to become a write one."""
    if request.method not in ("GET", "HEAD", "OPTIONS") \
            and db.engine.dialect.name == "sqlite":
        g.write_lock_token = begin_immediately.set(True)


def release_the_write_lock_flag(exception=None) -> None:
    token = g.pop("write_lock_token", None)
    if token is not None:
        begin_immediately.reset(token)


def init_app(app: Flask) -> None:
    # Before any blueprint adds its rules: each <int:…> is then an IdConverter.
    app.url_map.converters["int"] = IdConverter
    app.before_request(take_the_write_lock_up_front)
    app.before_request(check_request_input)
    app.teardown_request(release_the_write_lock_flag)
