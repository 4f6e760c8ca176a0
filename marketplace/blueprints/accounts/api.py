"""API: who am I, and my API tokens (issue, list with last use, revoke)."""

from __future__ import annotations

from flask import abort, g, jsonify, request
from flask_login import current_user

from marketplace.blueprints.accounts.services import (
    MAX_TOKEN_DAYS,
    TOKEN_DAYS,
    api_tokens,
    issue_api_token,
    revoke_api_token,
    token_status,
)
from marketplace.core.api import bp
from marketplace.core.api.openapi import documented, schema
from marketplace.core.api.views import json_body
from marketplace.core.errors import ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.policies import Role, role_required

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


@bp.route("/me")
@documented("/me", "get", "The authenticated user", response=ME, errors=("401",))
@role_required(*ALL_ROLES)
def get_me():
    user = current_user
    return jsonify({"id": user.id, "email": user.email, "name": user.name,
                    "role": user.role.value})


TOKEN = schema("NewToken", {
    "type": "object",
    "required": ["token", "id", "expires_at"],
    "properties": {"token": {"type": "string", "description": "Shown once; keep it secret."},
                   "id": {"type": "integer"},
                   "expires_at": {"type": "string", "format": "date-time"}},
})

TOKEN_REQUEST = schema("TokenRequest", {
    "type": "object", "additionalProperties": False,
    "properties": {"name": {"type": "string", "maxLength": 80},
                   "days": {"type": "integer", "minimum": 1, "maximum": MAX_TOKEN_DAYS,
                            "default": TOKEN_DAYS}},
})

TOKEN_INFO = schema("ApiToken", {
    "type": "object", "required": ["id", "name", "created_at", "expires_at", "status"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                   "created_at": {"type": "string", "format": "date-time"},
                   "expires_at": {"type": "string", "format": "date-time"},
                   "last_used_at": {"type": ["string", "null"], "format": "date-time"},
                   "status": {"type": "string", "enum": ["active", "expired", "revoked"]}},
})

TOKEN_LIST = schema("ApiTokenList", {
    "type": "object", "required": ["items"],
    "properties": {"items": {"type": "array", "items": TOKEN_INFO}},
})


def token_json(token) -> dict:
    return {"id": token.id, "name": token.name, "created_at": token.created_at.isoformat(),
            "expires_at": token.expires_at.isoformat(),
            "last_used_at": token.last_used_at.isoformat() if token.last_used_at else None,
            "status": token_status(token)}


@bp.route("/tokens", methods=["POST"])
@documented("/tokens", "post", "Issue a new API token (from a logged-in browser session only)",
            request=TOKEN_REQUEST, request_required=False, response=TOKEN, status="201",
            errors=("400", "401", "403", "422"))
@role_required(*ALL_ROLES)
def create_token():
    if g.get("authenticated_by_token"):
        abort(403, description="Issue new tokens from a logged-in session, not with a token.")
    body = json_body() if request.content_length else {}
    name = body.get("name", "API token")
    if not isinstance(name, str):
        raise ValidationFailed("The name must be text.", {"name": "Must be text."})
    token = issue_api_token(current_user, name, body.get("days", TOKEN_DAYS))
    db.session.commit()
    issued = api_tokens(current_user)[0]
    return jsonify({"token": token, "id": issued.id,
                    "expires_at": issued.expires_at.isoformat()}), 201


@bp.route("/tokens")
@documented("/tokens", "get", "My API tokens, with when each was last used",
            response=TOKEN_LIST, errors=("401",))
@role_required(*ALL_ROLES)
def list_tokens():
    return jsonify({"items": [token_json(token) for token in api_tokens(current_user)]})


@bp.route("/tokens/<int:token_id>", methods=["DELETE"])
@documented("/tokens/{token_id}", "delete", "Revoke one of my API tokens",
            response=TOKEN_INFO, errors=("401", "404"))
@role_required(*ALL_ROLES)
def revoke_token(token_id: int):
    token = revoke_api_token(current_user, token_id)
    db.session.commit()
    return jsonify(token_json(token))
