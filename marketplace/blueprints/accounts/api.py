"""marketplace.blueprints.accounts.api."""

from __future__ import annotations

from flask import abort, g, jsonify
from flask_login import current_user

from marketplace.blueprints.accounts.services import issue_api_token
from marketplace.core.api import bp
from marketplace.core.api.openapi import documented, schema
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
