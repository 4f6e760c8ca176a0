"""Structured logs: one line per request and per job, tied together by the request id.

Each request ends with one record on the ``marketplace.request`` logger and each job
with one on ``marketplace.job``, at INFO (ERROR for a 5xx or a failed job). They carry
ids only: the request id, the signed-in person's id, the endpoint and its route pattern
(never the path or the query string, which can hold a search or a sign-in token), the
status and the duration. Never an address, a name or what somebody typed.

The request id comes from an incoming ``X-Request-ID`` when it is well formed (a load
balancer's), is made up otherwise, and is sent back in the response's ``X-Request-ID``.
The jobs a request enqueues carry it (the RQ job's meta; inline, the context variable
below), so their lines name the request that caused them.

``LOG_FORMAT=json`` (the default when ``BASE_URL`` is https) writes every record of the
process, ours and everybody's, as one JSON object per line on stderr; ``text`` leaves
Python's logging as it is (``make run``, tests), where these INFO lines stay silent.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from flask import Flask, Response, g, has_app_context, request
from flask.logging import default_handler

REQUEST_ID_HEADER = "X-Request-ID"
# What we accept from a proxy: letters, digits and a few separators (UUIDs, hex, AWS
# trace ids), 8 to 128 of them. Anything else is replaced, so a log line never carries
# what a client wrote into the header (spaces, quotes, newlines, personal data).
WELL_FORMED_REQUEST_ID = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:+/=-]{7,127}")

request_log = logging.getLogger("marketplace.request")
job_log = logging.getLogger("marketplace.job")

# Called with (endpoint or None, method, status, seconds) as each request ends: the ops
# domain counts requests with it for /metrics. A plain list rather than a core.hooks.Hook,
# which builds a list of answers: this runs on every request, and so must whatever is
# registered, in a few microseconds at most.
_request_observers: list[Callable[[str | None, str, int, float], None]] = []


def on_request_finished(function: Callable[[str | None, str, int, float], None]) -> Callable:
    """Call ``function`` as each request ends (once, however many apps are created)."""
    if function not in _request_observers:
        _request_observers.append(function)
    return function


# The request id a job was enqueued with, while that job runs (worker or inline); None
# while a job no request asked for runs, even after a request (periodic jobs inline).
_UNBOUND = object()
_job_request_id: ContextVar = ContextVar("job_request_id", default=_UNBOUND)


def current_request_id() -> str | None:
    """The id of the request being served, or of the one that enqueued the running job."""
    bound = _job_request_id.get()
    if bound is not _UNBOUND:
        return bound
    return g.get("request_id") if has_app_context() else None


@contextmanager
def request_id_bound(request_id: str | None) -> Iterator[None]:
    """Make ``request_id`` the current one for what runs inside (a job run inline)."""
    token = _job_request_id.set(request_id)
    try:
        yield
    finally:
        _job_request_id.reset(token)


def _rq_job_request_id() -> str | None:
    from rq import get_current_job

    job = get_current_job()
    return job.meta.get("request_id") if job is not None else None


_FROM_QUEUE = object()


@contextmanager
def job_logged(request_id: str | None | object = _FROM_QUEUE, **fields) -> Iterator[dict]:
    """Write one line when the job inside ends: ``fields`` plus what the job adds to the
    yielded dict, its status (``done`` unless set, ``failed`` on an exception) and its
    duration. The request id is the one the RQ job carries, else the current one; pass
    ``request_id=None`` for work no request asked for (periodic jobs)."""
    if request_id is _FROM_QUEUE:
        request_id = _rq_job_request_id() or current_request_id()
    line = {"event": "job", "request_id": request_id, **fields}
    started = time.perf_counter()
    with request_id_bound(request_id):
        try:
            yield line
        except BaseException as error:
            line["status"] = "failed"
            # The class only: an error's text can quote an address or a document.
            line["error"] = type(error).__name__
            _write_job_line(line, started, logging.ERROR)
            raise
        line.setdefault("status", "done")
        _write_job_line(line, started, logging.INFO)


def _write_job_line(line: dict, started: float, level: int) -> None:
    if job_log.isEnabledFor(level):
        line["duration_ms"] = round((time.perf_counter() - started) * 1000, 1)
        job_log.log(level, "job %s %s in %.1f ms", line.get("job", "?"), line["status"],
                    line["duration_ms"], extra={"fields": line})


def _start_request() -> None:
    g.request_started = time.perf_counter()
    incoming = request.environ.get("HTTP_X_REQUEST_ID")
    # 128 random bits, as a UUID4 has, in hex (uuid.uuid4() costs four times as much).
    g.request_id = (incoming if incoming and WELL_FORMED_REQUEST_ID.fullmatch(incoming)
                    else os.urandom(16).hex())


def _user_id() -> int | None:
    # Only a person the request has already loaded: loading one just to log it would
    # cost /ping a query.
    user = g.get("_login_user")
    return getattr(user, "id", None) if user is not None and user.is_authenticated else None


def _finish_request(response: Response) -> Response:
    # Every request pays for this function: plain attribute reads, no logging work
    # unless the line is wanted.
    ctx_g = g._get_current_object()
    started = getattr(ctx_g, "request_started", None)
    seconds = time.perf_counter() - started if started is not None else 0.0
    request_id = getattr(ctx_g, "request_id", None)
    if request_id is not None:
        response.headers[REQUEST_ID_HEADER] = request_id
    req = request._get_current_object()
    status = response.status_code
    for observe in _request_observers:
        observe(req.endpoint, req.method, status, seconds)
    level = logging.ERROR if status >= 500 else logging.INFO
    if request_log.isEnabledFor(level):
        rule = req.url_rule
        line = {"event": "request", "request_id": request_id, "user_id": _user_id(),
                "method": req.method, "endpoint": req.endpoint,
                "route": rule.rule if rule is not None else None, "status": status,
                "duration_ms": round(seconds * 1000, 1)}
        request_log.log(level, "%s %s %s in %.1f ms", line["method"], line["route"] or "-",
                        status, line["duration_ms"], extra={"fields": line})
    return response


# One encoder for every line: json.dumps with options builds a new one per call.
_encode = json.JSONEncoder(default=str, separators=(",", ":")).encode


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, then the record's ``fields``
    (request and job lines) or its message, with the current request id."""

    def format(self, record: logging.LogRecord) -> str:
        entry = {
            "time": datetime.fromtimestamp(record.created, UTC)
            .isoformat(timespec="milliseconds").replace("+00:00", "Z"),
            "level": record.levelname.lower(),
            "logger": record.name,
        }
        fields = getattr(record, "fields", None)
        if fields is not None:
            entry.update(fields)
        else:
            entry["message"] = record.getMessage()
            entry["request_id"] = current_request_id()
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        return _encode(entry)


class JsonHandler(logging.StreamHandler):
    """The stderr handler ``use_json_logs`` installs (a class of its own, so a second app
    in the same process replaces it rather than adding another)."""


def use_json_logs(level: str = "INFO", stream=None) -> JsonHandler:
    """Send every record of the process to ``stream`` (stderr) as JSON lines.

    Replaces the plain stderr handlers of the root logger (``logging.basicConfig``'s, the
    worker sets one up before the app exists), so no line is written twice; handlers
    of other kinds (a test's capture) are left alone.
    """
    root = logging.getLogger()
    for handler in list(root.handlers):
        if type(handler) in (logging.StreamHandler, JsonHandler):
            root.removeHandler(handler)
    handler = JsonHandler(stream if stream is not None else sys.stderr)
    handler.setFormatter(JsonFormatter())
    root.addHandler(handler)
    root.setLevel(level)
    return handler


def init_app(app: Flask) -> None:
    """Time and name every request; with ``LOG_FORMAT=json``, log as JSON lines.

    Call it before anything else registers request hooks: the request is timed from
    the first ``before_request`` to the last ``after_request``.
    """
    if app.config.get("LOG_FORMAT") == "json":
        use_json_logs(app.config.get("LOG_LEVEL") or "INFO")
        # Flask's own handler on app.logger would write each of its records again.
        app.logger.removeHandler(default_handler)
    app.before_request_funcs.setdefault(None, []).insert(0, _start_request)
    # after_request functions run last-registered first: at index 0, this one runs
    # last, and so sees the final status and times the other hooks too.
    app.after_request_funcs.setdefault(None, []).insert(0, _finish_request)
