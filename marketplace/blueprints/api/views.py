"""API routes. Each one parses input, calls a service, commits once."""

from __future__ import annotations

from flask import abort, g, jsonify, request
from flask_login import current_user

from ...extensions import csrf, db
from ...models import Role
from ...policies import role_required
from ...services.accounts import issue_api_token
from . import bp
from .openapi import build_document, documented, schema

ALL_ROLES = tuple(Role)

ME = schema("Me", {
    "type": "object",
    "required": ["id", "email", "name", "role"],
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string", "format": "email"},
        "name": {"type": "string"},
        "role": {"type": "string", "enum": [r.value for r in Role]},
    },
})


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
def openapi_document():
    return jsonify(build_document())


@bp.route("/me")
@documented("/me", "get", "The authenticated user", response=ME, errors=("401",))
@role_required(*ALL_ROLES)
def get_me():
    user = current_user
    return jsonify({"id": user.id, "email": user.email, "name": user.name,
                    "role": user.role.value})


TOKEN = schema("NewToken", {
    "type": "object",
    "required": ["token"],
    "properties": {"token": {"type": "string", "description": "Shown once; keep it secret."}},
})


@bp.route("/tokens", methods=["POST"])
@documented("/tokens", "post", "Issue a new API token (from a logged-in browser session only)",
            response=TOKEN, status="201", errors=("400", "401", "403"))
@role_required(*ALL_ROLES)
def create_token():
    if g.get("authenticated_by_token"):
        abort(403, description="Issue new tokens from a logged-in session, not with a token.")
    token = issue_api_token(current_user)
    db.session.commit()
    return jsonify({"token": token}), 201


def json_body() -> dict:
    """The request's JSON object, or a 400 that says what is wrong."""
    if not request.is_json:
        abort(400, description="Send a JSON object with Content-Type: application/json.")
    body = request.get_json(silent=True)
    if not isinstance(body, dict):
        abort(400, description="The body must be a JSON object.")
    return body
