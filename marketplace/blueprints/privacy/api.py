"""API: everything the product holds about me, as one JSON document."""

from __future__ import annotations

from flask import abort, jsonify
from flask_login import current_user

from marketplace.blueprints.privacy.export import FORMAT, SECTIONS, personal_data
from marketplace.blueprints.privacy.policies import can_export_data
from marketplace.core.api import bp
from marketplace.core.api.openapi import documented, schema
from marketplace.core.policies import SIGNED_IN, role_required

OBJECT_OR_NULL = {"type": ["object", "null"]}
LIST = {"type": "array", "items": {"type": "object"}}
SHAPES = {"account": {"type": "object"}, "profile": OBJECT_OR_NULL,
          "clusters": {"type": "array", "items": {"type": "string"}},
          "organization": OBJECT_OR_NULL, "attainment": OBJECT_OR_NULL,
          "first_destination": OBJECT_OR_NULL, "career_plan": OBJECT_OR_NULL}

PERSONAL_DATA = schema("PersonalData", {
    "type": "object",
    "description": "Every section is present: an empty list or null when it does not apply. "
                   "Files are links to routes that check who asks; no secret is included.",
    "required": ["format", "version", "generated_at", "person_id", *SECTIONS],
    "properties": {"format": {"type": "string", "const": FORMAT},
                   "version": {"type": "integer"},
                   "generated_at": {"type": "string", "format": "date-time"},
                   "person_id": {"type": "integer"},
                   **{name: SHAPES.get(name, LIST) for name in SECTIONS}},
})


@bp.route("/me/export")
@documented("/me/export", "get", "Everything the product holds about me, as one document",
            response=PERSONAL_DATA, errors=("401", "403"))
@role_required(*SIGNED_IN)
def export_my_data():
    if not can_export_data(current_user, current_user):
        abort(403)
    return jsonify(personal_data(current_user))
