"""API: who am I, and my API tokens (issue, list with last use, revoke)."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from flask import abort, g, jsonify, request
from flask_login import current_user

from marketplace.blueprints.accounts.models import (
    ApiToken,
    Organization,
    OrganizationStatus,
    OrganizationType,
)
from marketplace.blueprints.accounts.services import (
    MAX_TOKEN_DAYS,
    TOKEN_DAYS,
    active_sessions,
    api_tokens,
    current_session,
    describe_device,
    end_session,
    issue_api_token,
    revoke_api_token,
    set_organization_status,
    set_personal_email,
    token_status,
    update_alumni_profile,
    update_student_profile,
)
from marketplace.core.api import bp
from marketplace.core.api.openapi import documented, schema
from marketplace.core.api.views import (
    PAGE_PARAMETERS,
    json_body,
    page_of,
)
from marketplace.core.errors import ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.policies import Role, role_required
from marketplace.core.reference import CAREER_CLUSTERS, is_valid_time_zone

ALL_ROLES = tuple(Role)


THIS_YEAR = date.today().year
CLUSTER = {"type": "string", "enum": list(CAREER_CLUSTERS)}
ZONE = {"type": "string", "maxLength": 64, "description": "An IANA time zone"}
STUDENT_FIELDS = {
    "graduation_year": {"type": "integer", "minimum": THIS_YEAR - 2, "maximum": THIS_YEAR + 8},
    "major": {"type": ["string", "null"], "maxLength": 120},
    "clusters": {"type": "array", "items": CLUSTER, "maxItems": 14, "uniqueItems": True},
    "first_generation": {"type": ["boolean", "null"]},
    "pell_eligible": {"type": ["boolean", "null"]},
    "time_zone": ZONE,
    "personal_email": {"type": ["string", "null"], "format": "email", "maxLength": 254,
                       "description": "Kept after graduation: the alum signs in with it"},
    "date_of_birth": {"type": ["string", "null"], "format": "date",
                      "description": "Not in the future, not over 100 years ago"},
    "school_id": {"type": ["integer", "null"], "description": "One of the district's schools"},
    "cte_concentrator": {"type": "boolean"},
    "guardian_email": {"type": ["string", "null"], "format": "email", "maxLength": 254,
                       "description": "A parent's or guardian's address (minors' consent)"},
    "preferred_language": {"type": "string", "enum": ["en", "es"]},
}
ALUMNI_FIELDS = {
    "graduation_year": {"type": ["integer", "null"], "minimum": 1950, "maximum": THIS_YEAR},
    "employer": {"type": ["string", "null"], "maxLength": 200},
    "title": {"type": ["string", "null"], "maxLength": 200},
    "cluster": {"type": ["string", "null"], "enum": [*CAREER_CLUSTERS, None]},
    "time_zone": ZONE,
}

ME = schema("Me", {
    "type": "object",
    "required": ["id", "email", "name", "role"],
    "properties": {
        "id": {"type": "integer"},
        "email": {"type": "string", "format": "email"},
        "name": {"type": "string"},
        "role": {"type": "string", "enum": [r.value for r in Role]},
        "email_verified": {"type": "boolean"},
        "personal_email": {"type": ["string", "null"]},
        "student_profile": {"type": ["object", "null"], "properties": {
            "graduation_year": {"type": ["integer", "null"]},
            "major": {"type": ["string", "null"]},
            "clusters": {"type": "array", "items": {"type": "string"}},
            "first_generation": {"type": ["boolean", "null"]},
            "pell_eligible": {"type": ["boolean", "null"]}, "time_zone": {"type": "string"},
            "date_of_birth": {"type": ["string", "null"], "format": "date"},
            "school_id": {"type": ["integer", "null"]},
            "cte_concentrator": {"type": "boolean"},
            "guardian_email": {"type": ["string", "null"]},
            "preferred_language": {"type": "string"}}},
        "alumni_profile": {"type": ["object", "null"], "properties": {
            "graduation_year": {"type": ["integer", "null"]},
            "employer": {"type": ["string", "null"]}, "title": {"type": ["string", "null"]},
            "cluster": {"type": ["string", "null"]}, "time_zone": {"type": "string"}}},
        "organization": {"type": ["object", "null"], "properties": {
            "id": {"type": "integer"}, "name": {"type": "string"},
            "status": {"type": "string"}}},
    },
})

ME_PATCH = schema("MePatch", {
    "type": "object",
    "description": "Your name, and the fields of your role's profile (students and alumni).",
    "properties": {"name": {"type": "string", "minLength": 1, "maxLength": 120},
                   **STUDENT_FIELDS, **ALUMNI_FIELDS,
                   "graduation_year": {"type": ["integer", "null"], "minimum": 1950,
                                       "maximum": THIS_YEAR + 8,
                                       "description": "Students: this year - 2 to + 8; "
                                                      "alumni: 1950 to this year"}},
})


def me_json(user) -> dict:
    body = {"id": user.id, "email": user.email, "name": user.name, "role": user.role.value,
            "email_verified": user.email_verified, "personal_email": user.personal_email}
    profile = user.student_profile if user.role is Role.STUDENT else None
    body["student_profile"] = profile and {
        "graduation_year": profile.graduation_year, "major": profile.major,
        "clusters": profile.clusters, "first_generation": profile.first_generation,
        "pell_eligible": profile.pell_eligible, "time_zone": profile.time_zone,
        "date_of_birth": profile.date_of_birth and profile.date_of_birth.isoformat(),
        "school_id": profile.school_id, "cte_concentrator": bool(profile.cte_concentrator),
        "guardian_email": profile.guardian_email,
        "preferred_language": profile.preferred_language or "en"}
    alum = user.alumni_profile if user.role is Role.ALUMNI else None
    body["alumni_profile"] = alum and {
        "graduation_year": alum.graduation_year, "employer": alum.employer,
        "title": alum.title, "cluster": alum.cluster, "time_zone": alum.time_zone}
    organization = user.organization if user.role is Role.EMPLOYER else None
    body["organization"] = organization and {
        "id": organization.id, "name": organization.name,
        "status": organization.status.value}
    return body


@bp.route("/me")
@documented("/me", "get", "The authenticated user, with their profile", response=ME,
            errors=("401",))
@role_required(*ALL_ROLES)
def get_me():
    return jsonify(me_json(current_user))


@bp.route("/me", methods=["PATCH"])
@documented("/me", "patch", "Change your name and profile", request=ME_PATCH, response=ME,
            errors=("401", "422"))
@role_required(*ALL_ROLES)
def patch_me():
    body = json_body()
    user = current_user
    own = {Role.STUDENT: STUDENT_FIELDS, Role.ALUMNI: ALUMNI_FIELDS}.get(user.role, {})
    foreign = sorted(set(body) - {"name"} - set(own))
    if foreign:
        raise ValidationFailed("Some fields are not part of your profile.",
                               {field: "Not part of your profile." for field in foreign})
    year = body.get("graduation_year", 0)
    low, high = (THIS_YEAR - 2, THIS_YEAR + 8) if user.role is Role.STUDENT else (1950, THIS_YEAR)
    if "graduation_year" in body and not (year is None and user.role is Role.ALUMNI) \
            and not (isinstance(year, int) and low <= year <= high):
        raise ValidationFailed("Check the graduation year.",
                               {"graduation_year": f"A year from {low} to {high}."})
    if "time_zone" in body and not is_valid_time_zone(body["time_zone"]):
        raise ValidationFailed("Choose a time zone.", {"time_zone": "Not a known time zone."})
    name = body.get("name", user.name)
    if not name.strip():
        raise ValidationFailed("Your name is needed.", {"name": "Required."})
    # The services set only the fields they are given: a patch changes what it names.
    fields = {key: value for key, value in body.items()
              if key not in ("name", "clusters", "personal_email")}
    if fields.get("date_of_birth") is not None:  # the schema checked the format
        fields["date_of_birth"] = date.fromisoformat(fields["date_of_birth"])
    if user.role is Role.STUDENT:
        if "personal_email" in body:
            set_personal_email(user, body["personal_email"])
        profile = user.student_profile
        update_student_profile(user, name=name,
                               clusters=body.get("clusters", profile.clusters if profile else []),
                               **fields)
    elif user.role is Role.ALUMNI:
        update_alumni_profile(user, name=name, **fields)
    else:
        user.name = name.strip()
    db.session.commit()
    return jsonify(me_json(user))


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
    "type": "object", "required": ["items", "next_cursor"],
    "properties": {"items": {"type": "array", "items": TOKEN_INFO},
                   "next_cursor": {"type": ["string", "null"]}},
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
@documented("/tokens", "get", "My API tokens, newest first, with when each was last used",
            response=TOKEN_LIST, parameters=PAGE_PARAMETERS, errors=("401",))
@role_required(*ALL_ROLES)
def list_tokens():
    rows, next_cursor = page_of(sa.select(ApiToken).where(ApiToken.user_id == current_user.id),
                                ApiToken.id)
    return jsonify({"items": [token_json(token) for token in rows], "next_cursor": next_cursor})


@bp.route("/tokens/<int:token_id>", methods=["DELETE"])
@documented("/tokens/{token_id}", "delete", "Revoke one of my API tokens",
            response=TOKEN_INFO, errors=("401", "404"))
@role_required(*ALL_ROLES)
def revoke_token(token_id: int):
    token = revoke_api_token(current_user, token_id)
    db.session.commit()
    return jsonify(token_json(token))


ORGANIZATION = schema("Organization", {
    "type": "object", "required": ["id", "name", "type", "status", "trusted"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"},
                   "type": {"type": "string", "enum": [t.value for t in OrganizationType]},
                   "website": {"type": ["string", "null"]},
                   "status": {"type": "string", "enum": [s.value for s in OrganizationStatus]},
                   "status_reason": {"type": ["string", "null"]},
                   "trusted": {"type": "boolean"},
                   "pending_name": {"type": ["string", "null"]}},
})

ORGANIZATION_LIST = schema("OrganizationList", {
    "type": "object", "required": ["items", "next_cursor"],
    "properties": {"items": {"type": "array", "items": ORGANIZATION},
                   "next_cursor": {"type": ["string", "null"]}},
})

DECISION = schema("OrganizationDecision", {
    "type": "object",
    "properties": {"reason": {"type": "string", "maxLength": 500,
                              "description": "Required to suspend; told to the organization"}},
})


def organization_json(organization: Organization) -> dict:
    return {"id": organization.id, "name": organization.name,
            "type": organization.type.value, "website": organization.website,
            "status": organization.status.value, "status_reason": organization.status_reason,
            "trusted": organization.trusted, "pending_name": organization.pending_name}


@bp.route("/organizations")
@documented("/organizations", "get", "Organizations, oldest first, optionally by status",
            response=ORGANIZATION_LIST, errors=("401", "403"), roles="career staff",
            parameters=[*PAGE_PARAMETERS, {
                "name": "status", "in": "query", "required": False,
                "description": "Only organizations in this state",
                "schema": {"type": "string",
                           "enum": ["", *(s.value for s in OrganizationStatus)]}}])
@role_required(Role.STAFF)
def list_organizations_api():
    status = request.args.get("status") or None
    if status is not None and status not in {s.value for s in OrganizationStatus}:
        abort(400, description="Unknown status.")
    statement = sa.select(Organization)
    if status:
        statement = statement.where(Organization.status == status)
    rows, next_cursor = page_of(statement, Organization.id, newest_first=False)
    return jsonify({"items": [organization_json(o) for o in rows], "next_cursor": next_cursor})


@bp.route("/organizations/<int:organization_id>/verify", methods=["POST"])
@documented("/organizations/{organization_id}/verify", "post", "Verify an organization",
            request=DECISION, request_required=False, response=ORGANIZATION,
            errors=("401", "403", "404", "409", "422"), roles="career staff")
@role_required(Role.STAFF)
def verify_organization_api(organization_id: int):
    return _decide(organization_id, OrganizationStatus.VERIFIED)


@bp.route("/organizations/<int:organization_id>/suspend", methods=["POST"])
@documented("/organizations/{organization_id}/suspend", "post",
            "Suspend an organization (its postings disappear), with a reason",
            request=DECISION, response=ORGANIZATION,
            errors=("401", "403", "404", "409", "422"), roles="career staff")
@role_required(Role.STAFF)
def suspend_organization_api(organization_id: int):
    return _decide(organization_id, OrganizationStatus.SUSPENDED)


def _decide(organization_id: int, status: OrganizationStatus):
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        abort(404)
    body = json_body() if request.content_length else {}
    set_organization_status(organization, status, current_user, body.get("reason"))
    db.session.commit()
    return jsonify(organization_json(organization))


SESSION_INFO = schema("UserSession", {
    "type": "object",
    "required": ["id", "device", "created_at", "last_seen_at", "method", "current"],
    "properties": {"id": {"type": "integer"},
                   "device": {"type": "string", "description": "From the browser's User-Agent"},
                   "created_at": {"type": "string", "format": "date-time"},
                   "last_seen_at": {"type": "string", "format": "date-time"},
                   "ended_at": {"type": ["string", "null"], "format": "date-time"},
                   "ip_address": {"type": ["string", "null"]},
                   "method": {"type": "string",
                              "description": "password, link (an e-mailed link) or sso:<name>"},
                   "current": {"type": "boolean",
                               "description": "The session this request was made with"}},
})

SESSION_LIST = schema("UserSessionList", {
    "type": "object", "required": ["items"],
    "properties": {"items": {"type": "array", "items": SESSION_INFO, "maxItems": 100}},
})


def session_json(row, current_id: int | None) -> dict:
    return {"id": row.id, "device": describe_device(row.user_agent),
            "created_at": row.created_at.isoformat(), "last_seen_at": row.last_seen_at.isoformat(),
            "ended_at": row.ended_at.isoformat() if row.ended_at else None,
            "ip_address": row.ip_address, "method": row.method,
            "current": row.id == current_id}


def _current_session_id() -> int | None:
    if g.get("authenticated_by_token"):
        return None
    row = current_session(current_user)
    return row.id if row else None


@bp.route("/me/sessions")
@documented("/me/sessions", "get", "Where I am signed in: my active browser sessions",
            response=SESSION_LIST, errors=("401",))
@role_required(*ALL_ROLES)
def list_sessions():
    current_id = _current_session_id()
    return jsonify({"items": [session_json(row, current_id)
                              for row in active_sessions(current_user)]})


@bp.route("/me/sessions/<int:session_id>", methods=["DELETE"])
@documented("/me/sessions/{session_id}", "delete",
            "End one of my sessions: that browser is signed out at its next request",
            response=SESSION_INFO, errors=("401", "404"))
@role_required(*ALL_ROLES)
def end_session_api(session_id: int):
    row = end_session(current_user, session_id)
    db.session.commit()
    return jsonify(session_json(row, _current_session_id()))
