"""API: postings. The same services and validation rules as the HTML pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, jsonify, request
from flask_login import current_user

from marketplace.blueprints.accounts.policies import staff_school_limit
from marketplace.blueprints.opportunities import hooks
from marketplace.blueprints.opportunities import services as postings
from marketplace.blueprints.opportunities.audience import open_to_school
from marketplace.blueprints.opportunities.browse import (
    COUNT_BOUND,
    FALSE_VALUES,
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    SORTS,
    TRUE_VALUES,
    browse,
    decode_cursor,
    encode_cursor,
    reader_filters,
)
from marketplace.blueprints.opportunities.forms import parse_filters
from marketplace.blueprints.opportunities.models import (
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    WorkMode,
)
from marketplace.blueprints.opportunities.policies import (
    can_manage_opportunity,
    can_view_opportunity,
)
from marketplace.blueprints.opportunities.rules import posting_values
from marketplace.core.api import bp
from marketplace.core.api.openapi import documented, schema
from marketplace.core.api.views import json_body
from marketplace.core.errors import ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.policies import Role, public, role_required
from marketplace.core.reference import CAREER_CLUSTERS

OPPORTUNITY_FIELDS = {
    "title": {"type": "string", "maxLength": 200},
    "kind": {"type": "string", "enum": [k.value for k in OpportunityKind]},
    "description": {"type": "string", "description": "Markdown"},
    "location": {"type": "string"},
    "remote": {"type": "string", "enum": [m.value for m in WorkMode]},
    "paid": {"type": "boolean"},
    "pay_min": {"type": ["number", "null"]},
    "pay_max": {"type": ["number", "null"]},
    "pay_period": {"type": ["string", "null"], "enum": ["hour", "week", "month", "total", None]},
    "hours_per_week": {"type": ["integer", "null"]},
    "start_date": {"type": ["string", "null"], "format": "date"},
    "end_date": {"type": ["string", "null"], "format": "date"},
    "application_deadline": {"type": ["string", "null"], "format": "date"},
    "positions": {"type": "integer", "minimum": 1},
    "career_cluster": {"type": "string", "enum": list(CAREER_CLUSTERS)},
    "skills": {"type": "array", "items": {"type": "string"}},
    "schools": {"type": "array", "items": {"type": "integer"},
                "description": "In a district, the ids of the schools whose students may see "
                               "the posting and apply; empty (the default): every school. "
                               "A college has no schools."},
}


OPPORTUNITY_INPUT = schema("OpportunityInput", {
    "type": "object", "properties": OPPORTUNITY_FIELDS, "additionalProperties": False})


OPPORTUNITY = schema("Opportunity", {
    "type": "object",
    "required": ["id", "title", "kind", "status", "organization", "description", "location",
                 "remote", "paid", "career_cluster", "application_deadline", "positions"],
    "properties": {
        "id": {"type": "integer"},
        "status": {"type": "string", "enum": [s.value for s in OpportunityStatus]},
        "organization": {"type": "object", "properties": {"id": {"type": "integer"},
                                                           "name": {"type": "string"}}},
        "risk_flags": {"type": "array", "items": {"type": "string"},
                       "description": "Staff and the posting's employers only."},
        "rejection_reason": {"type": ["string", "null"]},
        **OPPORTUNITY_FIELDS,
    },
})


OPPORTUNITY_LIST = schema("OpportunityList", {
    "type": "object", "required": ["items", "next_cursor", "total", "total_is_estimate"],
    "properties": {"items": {"type": "array", "items": OPPORTUNITY},
                   "next_cursor": {"type": ["string", "null"]},
                   "total": {"type": "integer", "minimum": 0,
                             "description": "How many postings match, across all pages: "
                             f"exact, or a lower bound ({COUNT_BOUND}) when "
                             "total_is_estimate is true."},
                   "total_is_estimate": {"type": "boolean",
                                         "description": "More postings match than total."}},
})


def _query(name: str, description: str, **schema) -> dict:
    return {"name": name, "in": "query", "required": False, "description": description,
            "schema": schema}


# An empty value means "any", as in the search form.
FILTER_PARAMETERS = [
    _query("q", "Search words: a posting matching any of them is listed, those matching "
           "all of them first. Work-mode words (remote, hybrid, onsite, in person) match "
           "the work mode; a place matches the location; a one- or two-word search "
           "forgives a typo in titles and skills.", type="string",
           maxLength=MAX_QUERY_LENGTH),
    _query("kind", "Opportunity kind", type="string",
           enum=["", *(k.value for k in OpportunityKind)]),
    _query("cluster", "Career cluster", type="string", enum=["", *CAREER_CLUSTERS]),
    _query("remote", "Where the work happens", type="string",
           enum=["", *(m.value for m in WorkMode)]),
    _query("paid", "Paid or unpaid", type="string",
           enum=["", *sorted(TRUE_VALUES), *sorted(FALSE_VALUES)]),
    _query("location", "Part of the location", type="string", maxLength=100),
    _query("sort", "Order. relevance (best match, the default with words or for a "
           "student): with words, by how many words match; without, a student's career "
           "clusters first, then newest. newest (the default otherwise), deadline.",
           type="string", enum=["", *SORTS]),
    _query("cursor", "next_cursor of the previous page (opaque; another value is a 400)",
           type="string"),
    _query("limit", "Postings per page", type="integer", minimum=1, maximum=MAX_PAGE_SIZE),
    _query("status", "Staff only: postings in this state", type="string",
           enum=["", *(s.value for s in OpportunityStatus)]),
]


STRING_FIELDS = {"title", "kind", "description", "location", "remote", "pay_period",
                 "start_date", "end_date", "application_deadline", "career_cluster"}


NUMBER_FIELDS = {"pay_min", "pay_max"}


INTEGER_FIELDS = {"hours_per_week", "positions"}


NULLABLE_FIELDS = {"pay_min", "pay_max", "pay_period", "hours_per_week", "start_date",
                   "end_date", "application_deadline"}


def opportunity_json(opportunity: Opportunity) -> dict:
    data = {
        "id": opportunity.id, "title": opportunity.title, "kind": opportunity.kind.value,
        "status": opportunity.status.value,
        "organization": {"id": opportunity.organization.id,
                         "name": opportunity.organization.name},
        "description": opportunity.description, "location": opportunity.location,
        "remote": opportunity.work_mode.value, "paid": opportunity.paid,
        "pay_min": float(opportunity.pay_min) if opportunity.pay_min is not None else None,
        "pay_max": float(opportunity.pay_max) if opportunity.pay_max is not None else None,
        "pay_period": opportunity.pay_period, "hours_per_week": opportunity.hours_per_week,
        "start_date": opportunity.start_date.isoformat() if opportunity.start_date else None,
        "end_date": opportunity.end_date.isoformat() if opportunity.end_date else None,
        "application_deadline": (opportunity.application_deadline.isoformat()
                                 if opportunity.application_deadline else None),
        "positions": opportunity.positions, "career_cluster": opportunity.career_cluster,
        "skills": list(opportunity.skills or []),
        "schools": opportunity.school_ids,
    }
    if can_manage_opportunity(current_user, opportunity):
        data["risk_flags"] = list(opportunity.risk_flags or [])
        data["rejection_reason"] = opportunity.rejection_reason
    return data


def validated_values(body: dict, current: Opportunity | None = None) -> dict:
    """Check a create or patch body by type, then by the posting rules (``rules``)."""
    errors = {}
    for field, value in body.items():
        if field not in OPPORTUNITY_FIELDS:
            errors[field] = "Unknown field."
        elif value is None:
            if field not in NULLABLE_FIELDS:
                errors[field] = "Must not be null."
        elif field in STRING_FIELDS and not isinstance(value, str):
            errors[field] = "Must be text."
        elif field in NUMBER_FIELDS and (isinstance(value, bool)
                                         or not isinstance(value, int | float)):
            errors[field] = "Must be a number."
        elif field in INTEGER_FIELDS and (isinstance(value, bool) or not isinstance(value, int)):
            errors[field] = "Must be a whole number."
        elif field == "paid" and not isinstance(value, bool):
            errors[field] = "Must be true or false."
        elif field == "skills" and not (isinstance(value, list)
                                        and all(isinstance(s, str) for s in value)):
            errors[field] = "Must be a list of text."
        elif field == "schools" and not (isinstance(value, list) and all(
                isinstance(i, int) and not isinstance(i, bool) for i in value)):
            errors[field] = "Must be a list of school ids."
    if errors:
        raise ValidationFailed("Some fields are not valid.", errors)
    # A patch is checked as the whole posting it would produce.
    merged = ({field: value for field, value in opportunity_json(current).items()
               if field in OPPORTUNITY_FIELDS} if current is not None else {})
    merged.update(body)
    if "remote" in merged:
        merged["work_mode"] = merged.pop("remote")
    try:
        values = posting_values(merged)
    except ValidationFailed as error:
        raise ValidationFailed(error.message, {("remote" if name == "work_mode" else name): text
                                               for name, text in error.fields.items()}) from None
    if "schools" in body:  # checked against the district's schools by the service
        values["school_ids"] = body["schools"]
    if current is not None:  # a patch changes only what it names
        names = {{"remote": "work_mode", "schools": "school_ids"}.get(field, field)
                 for field in body}
        values = {name: value for name, value in values.items() if name in names}
    return values


def _get(opportunity_id: int) -> Opportunity:
    opportunity = db.session.get(Opportunity, opportunity_id)
    if opportunity is None or not can_view_opportunity(current_user, opportunity):
        abort(404)
    return opportunity


def _managed(opportunity_id: int) -> Opportunity:
    opportunity = _get(opportunity_id)
    if not can_manage_opportunity(current_user, opportunity):
        abort(403)
    return opportunity


@bp.route("/opportunities")
@documented("/opportunities", "get", "Browse and search published postings",
            response=OPPORTUNITY_LIST, parameters=FILTER_PARAMETERS, errors=("400",),
            roles="anyone: those open to every school, and to a student's own school "
            "(staff may list any state with status=)", public=True)
@public
def list_opportunities():
    status = request.args.get("status")
    if status and status not in {s.value for s in OpportunityStatus}:
        abort(400, description="Unknown status.")
    by_status = status and current_user.is_authenticated and current_user.role is Role.STAFF
    # Every filter is checked, also when staff list by state (which pages by id).
    arguments = request.args.copy()
    if by_status:
        arguments.pop("cursor", None)
    try:
        filters = parse_filters(arguments, **reader_filters(current_user))
    except ValidationFailed as error:
        error.status, error.code = 400, "bad_request"
        raise
    if by_status:
        return _list_by_status(status)
    page = browse(filters)
    return jsonify({"items": [opportunity_json(o) for o in page.items],
                    "next_cursor": page.next_cursor, "total": page.total,
                    "total_is_estimate": page.total_is_estimate})


def _list_by_status(status: str):
    if status not in {s.value for s in OpportunityStatus}:
        abort(400, description="Unknown status.")
    # A school's staff: the postings open to their school (or every school), as in review.
    school_id = staff_school_limit(current_user)
    audience = sa.true() if school_id is None else open_to_school(school_id)
    statement = sa.select(Opportunity).where(Opportunity.status == status, audience)
    if request.args.get("cursor"):
        cursor = decode_cursor(request.args["cursor"], "id")
        if cursor is None:
            abort(400, description="Invalid cursor.")
        statement = statement.where(Opportunity.id < cursor[1])
    # The count in the same query, as for browsing.
    count = (sa.select(sa.func.count()).select_from(
        sa.select(Opportunity.id).where(Opportunity.status == status, audience)
        .limit(COUNT_BOUND + 1).subquery()).scalar_subquery())
    rows = db.session.execute(statement.add_columns(count.label("total"))
                              .options(sa.orm.joinedload(Opportunity.organization),
                                       sa.orm.selectinload(Opportunity.school_rows))
                              .order_by(Opportunity.id.desc()).limit(51)).all()
    total = (rows[0].total if rows else db.session.scalar(sa.select(count))
             if request.args.get("cursor") else 0)
    next_cursor = encode_cursor("id", 0, rows[49][0].id) if len(rows) > 50 else None
    return jsonify({"items": [opportunity_json(row[0]) for row in rows[:50]],
                    "next_cursor": next_cursor, "total": min(total, COUNT_BOUND),
                    "total_is_estimate": total > COUNT_BOUND})


@bp.route("/opportunities/<int:opportunity_id>")
@documented("/opportunities/{opportunity_id}", "get", "One posting", response=OPPORTUNITY,
            errors=("404",), roles="anyone for published postings open to every school, a "
            "school's students for those open to it; its employers and staff for any state",
            public=True)
@public
def get_opportunity(opportunity_id: int):
    return jsonify(opportunity_json(_get(opportunity_id)))


@bp.route("/opportunities", methods=["POST"])
@documented("/opportunities", "post", "Create a draft posting", request=OPPORTUNITY_INPUT,
            response=OPPORTUNITY, status="201", errors=("400", "401", "403", "422"),
            roles="employers")
@role_required(Role.EMPLOYER)
def create_opportunity():
    if current_user.organization is None:
        abort(403)
    values = validated_values(json_body())
    opportunity = postings.create_opportunity(current_user.organization, current_user, **values)
    db.session.commit()
    return jsonify(opportunity_json(opportunity)), 201


@bp.route("/opportunities/<int:opportunity_id>", methods=["PATCH"])
@documented("/opportunities/{opportunity_id}", "patch", "Change a posting",
            request=OPPORTUNITY_INPUT, response=OPPORTUNITY,
            errors=("400", "401", "403", "404", "409", "422"),
            roles="the posting's employers, staff")
@role_required(Role.EMPLOYER, Role.STAFF)
def update_opportunity(opportunity_id: int):
    opportunity = _managed(opportunity_id)
    values = validated_values(json_body(), current=opportunity)
    postings.update_opportunity(opportunity, current_user, **values)
    db.session.commit()
    return jsonify(opportunity_json(opportunity))


@bp.route("/opportunities/<int:opportunity_id>/submit", methods=["POST"])
@documented("/opportunities/{opportunity_id}/submit", "post", "Send a draft to review",
            response=OPPORTUNITY, errors=("401", "403", "404", "409", "422"),
            roles="the posting's employers, staff")
@role_required(Role.EMPLOYER, Role.STAFF)
def submit_opportunity(opportunity_id: int):
    opportunity = _managed(opportunity_id)
    status = postings.submit_opportunity(opportunity, current_user)
    db.session.commit()
    body = opportunity_json(opportunity)
    if status is OpportunityStatus.AWAITING_PAYMENT:
        body["checkout_url"] = hooks.checkout_url.first(opportunity)
    return jsonify(body)


@bp.route("/opportunities/<int:opportunity_id>/close", methods=["POST"])
@documented("/opportunities/{opportunity_id}/close", "post", "Stop taking applications",
            response=OPPORTUNITY, errors=("401", "403", "404", "409"),
            roles="the posting's employers, staff")
@role_required(Role.EMPLOYER, Role.STAFF)
def close_opportunity(opportunity_id: int):
    opportunity = _managed(opportunity_id)
    postings.close_opportunity(opportunity, current_user)
    db.session.commit()
    return jsonify(opportunity_json(opportunity))


@bp.route("/opportunities/<int:opportunity_id>/approve", methods=["POST"])
@documented("/opportunities/{opportunity_id}/approve", "post", "Publish a posting in review",
            response=OPPORTUNITY, errors=("401", "403", "404", "409"), roles="staff")
@role_required(Role.STAFF)
def approve_opportunity(opportunity_id: int):
    opportunity = postings.approve_opportunity(opportunity_id, current_user)
    db.session.commit()
    return jsonify(opportunity_json(opportunity))


REASON = schema("Reason", {"type": "object", "required": ["reason"],
                           "properties": {"reason": {"type": "string", "minLength": 1}}})


@bp.route("/opportunities/<int:opportunity_id>/reject", methods=["POST"])
@documented("/opportunities/{opportunity_id}/reject", "post", "Reject a posting in review",
            request=REASON, response=OPPORTUNITY, errors=("400", "401", "403", "404", "409",
                                                          "422"), roles="staff")
@role_required(Role.STAFF)
def reject_opportunity(opportunity_id: int):
    body = json_body()
    reason = body.get("reason")
    if not isinstance(reason, str):
        raise ValidationFailed("Give a reason.", {"reason": "Required text."})
    opportunity = postings.reject_opportunity(opportunity_id, current_user, reason)
    db.session.commit()
    return jsonify(opportunity_json(opportunity))


SAVED = schema("Saved", {"type": "object", "properties": {"saved": {"type": "boolean"}}})


@bp.route("/opportunities/<int:opportunity_id>/save", methods=["POST"])
@documented("/opportunities/{opportunity_id}/save", "post", "Save or unsave a posting",
            response=SAVED, errors=("401", "403", "404"), roles="students")
@role_required(Role.STUDENT)
def save_opportunity(opportunity_id: int):
    opportunity = db.session.get(Opportunity, opportunity_id)
    # A student manages nothing: public postings open to their school only.
    if opportunity is None or not can_view_opportunity(current_user, opportunity):
        abort(404)
    saved = postings.toggle_saved(opportunity, current_user)
    db.session.commit()
    return jsonify({"saved": saved})
