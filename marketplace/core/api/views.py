"""API routes. Each one parses input, calls a service, commits once."""

from __future__ import annotations

import base64
import json
import re

from flask import abort, current_app, g, jsonify, request
from flask_login import current_user

from marketplace.core.api import bp
from marketplace.core.api.openapi import build_document, documented, request_errors
from marketplace.core.errors import ValidationFailed
from marketplace.core.extensions import csrf, db
from marketplace.core.inputs import MAX_ID
from marketplace.core.policies import public


@bp.before_request
def check_csrf_for_cookie_auth():
    """Calls authenticated by a Bearer token need no CSRF token; cookie-authenticated writes do.

    The session cookie wins over the header when both are sent, so what counts is
    how this request's user was actually loaded, not whether the header is there.
    """
    unsafe = request.method in ("POST", "PUT", "PATCH", "DELETE")
    # Anonymous calls go on to the view, which answers 401.
    if unsafe and current_user.is_authenticated and not g.get("authenticated_by_token"):
        csrf.protect()


@bp.route("/openapi.json")
@documented("/openapi.json", "get", "This OpenAPI 3.1 document", public=True, errors=(),
            response={"type": "object"}, roles="anyone")
@public
def openapi_document():
    return jsonify(build_document())


def json_body() -> dict:
    """The request's JSON object, or a 400 that says what is wrong."""
    if not request.is_json:
        abort(400, description="Send a JSON object with Content-Type: application/json.")
    body = g.get("json_body")  # parsed and checked once, by core.inputs
    if not isinstance(body, dict):
        abort(400, description="The body must be a JSON object.")
    errors = request_errors(current_app.view_functions.get(request.endpoint), body)
    if errors:
        raise ValidationFailed("Some fields are not valid.", errors)
    return body


PAGE_PARAMETERS = [
    {"name": "cursor", "in": "query", "required": False,
     "description": "next_cursor of the previous page (opaque; another value is a 400)",
     "schema": {"type": "string"}},
    {"name": "limit", "in": "query", "required": False, "description": "Items per page",
     "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}},
]


STALE_CURSOR = "This page link is no longer valid; start from the first page."


def encode_cursor(*key) -> str:
    """An opaque cursor: the key (JSON values) of the last row of a page."""
    return base64.urlsafe_b64encode(json.dumps(key).encode()).decode().rstrip("=")


def page_arguments(default: int = 50, maximum: int = 100) -> tuple[int, list | None]:
    """``limit`` and the key the previous page ended at (a list, as ``encode_cursor`` was
    given it), from the query; a 400 for anything else."""
    text = request.args.get("limit", str(default))  # sent empty: not a number either
    if not re.fullmatch(r"[0-9]{1,4}", text) or not 1 <= int(text) <= maximum:
        abort(400, description=f"limit is a whole number from 1 to {maximum}.")
    cursor = request.args.get("cursor")
    if not cursor:
        return int(text), None
    try:
        key = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
    except (ValueError, UnicodeDecodeError):
        key = None
    if not isinstance(key, list) or not key:
        abort(400, description=STALE_CURSOR)
    return int(text), key


def page_of(statement, id_column, newest_first: bool = True) -> tuple[list, str | None]:
    """One page of ``statement``'s rows, by id, from the request's ``limit`` and
    ``cursor``; and the cursor of the next page (None on the last)."""
    limit, key = page_arguments()
    if key is not None:
        if len(key) != 1 or type(key[0]) is not int or not 0 < key[0] <= MAX_ID:
            abort(400, description=STALE_CURSOR)
        cursor = key[0]
        statement = statement.where(id_column < cursor if newest_first else id_column > cursor)
    order = id_column.desc() if newest_first else id_column.asc()
    rows = db.session.scalars(statement.order_by(order).limit(limit + 1)).all()
    more = len(rows) > limit
    rows = rows[:limit]
    return rows, encode_cursor(rows[-1].id) if more else None
