"""API: placement completion and a student's outcome evidence."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime

import sqlalchemy as sa
from flask import abort, jsonify, request
from flask_login import current_user

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.applications.services import complete_placement
from marketplace.blueprints.outcomes import imports
from marketplace.blueprints.outcomes.models import OutcomeEvidence, SourceKind
from marketplace.blueprints.outcomes.policies import (
    can_record_for,
    can_view_student_progress,
    school_scope,
)
from marketplace.blueprints.outcomes.reports import GROUPS, parse_year, summary
from marketplace.core.api import bp
from marketplace.core.api.openapi import documented, schema
from marketplace.core.api.views import PAGE_PARAMETERS, json_body, page_of
from marketplace.core.errors import ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.policies import SIGNED_IN, Role, role_required
from marketplace.core.reference import NACE_COMPETENCIES

COMPLETE = schema("PlacementCompletion", {
    "type": "object", "required": ["hours"],
    "properties": {
        "hours": {"type": "number", "minimum": 0.5, "maximum": 2000},
        "ratings": {"type": "object", "propertyNames": {"enum": list(NACE_COMPETENCIES)},
                    "additionalProperties": {"type": "integer", "minimum": 1, "maximum": 4}},
        "start_date": {"type": "string", "format": "date"},
        "end_date": {"type": "string", "format": "date"},
        "comment": {"type": "string", "maxLength": 4000},
        "early_reason": {"type": "string", "maxLength": 2000,
                         "description": "Staff only: why it is confirmed before its first day"}}})


PLACEMENT = schema("Placement", {
    "type": "object", "properties": {"id": {"type": "integer"}, "status": {"type": "string"},
                                     "hours": {"type": ["number", "null"]},
                                     "application_id": {"type": "integer"}}})


EVIDENCE = schema("Evidence", {
    "type": "object", "required": ["items", "next_cursor"],
    "properties": {"next_cursor": {"type": ["string", "null"]},
                   "items": {"type": "array", "items": {
        "type": "object", "required": ["outcome", "source_kind", "source_id", "recorded_at"],
        "properties": {"outcome": {"type": "string"},
                       "source_kind": {"type": "string",
                                       "enum": [kind.value for kind in SourceKind]},
                       "source_id": {"type": "integer"},
                       "recorded_at": {"type": "string", "format": "date-time"}}}}}})


def _date(body: dict, field: str) -> date | None:
    value = body.get(field)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise ValidationFailed("Use dates like 2026-06-30.", {field: "Not a date."}) from None


@bp.route("/placements/<int:placement_id>/complete", methods=["POST"])
@documented("/placements/{placement_id}/complete", "post", "Confirm a placement completed",
            request=COMPLETE, response=PLACEMENT,
            errors=("400", "401", "404", "409", "422"), roles="the host employer, staff")
@role_required(*SIGNED_IN)
def complete_placement_api(placement_id: int):
    body = json_body()
    ratings = body.get("ratings") or {}
    if not isinstance(ratings, dict):
        raise ValidationFailed("Ratings are an object of competency: 1-4.",
                               {"ratings": "Must be an object."})
    comment, early_reason = body.get("comment"), body.get("early_reason")
    for name, value in (("comment", comment), ("early_reason", early_reason)):
        if value is not None and not isinstance(value, str):
            raise ValidationFailed(f"The {name.replace('_', ' ')} must be text.",
                                   {name: "Must be text."})
    placement = complete_placement(placement_id, current_user, body.get("hours"),
                                   _date(body, "start_date"), _date(body, "end_date"), ratings,
                                   comment, early_reason=early_reason)
    db.session.commit()
    return jsonify({"id": placement.id, "status": placement.status.value,
                    "hours": placement.hours, "application_id": placement.application_id})


@bp.route("/students/<int:student_id>/evidence")
@documented("/students/{student_id}/evidence", "get", "A student's outcome evidence, newest "
            "first", parameters=PAGE_PARAMETERS,
            response=EVIDENCE, errors=("401", "403", "404"), roles="that student, staff")
@role_required(Role.STUDENT, Role.STAFF)
def student_evidence(student_id: int):
    if not can_view_student_progress(current_user, student_id):
        # Another school's student is not there for a school's staff.
        abort(404 if current_user.role is Role.STAFF else 403)
    student = db.session.get(User, student_id)
    if student is None or student.role is not Role.STUDENT:
        abort(404)
    rows, next_cursor = page_of(sa.select(OutcomeEvidence).where(
        OutcomeEvidence.student_id == student_id), OutcomeEvidence.id)
    return jsonify({"next_cursor": next_cursor, "items": [
        {"outcome": row.outcome, "source_kind": row.source_kind.value,
         "source_id": row.source_id, "recorded_at": row.recorded_at.isoformat(),
         "details": row.details, "rule_version_id": row.rule_version_id,
         # A reversing row (a withdrawn approval) names the row it takes back.
         "reverses_id": row.reverses_id} for row in rows]})


OUTCOME_COUNT = {"type": "object", "required": ["key", "with_evidence", "rate"],
                 "properties": {"key": {"type": "string"}, "label": {"type": "string"},
                                "with_evidence": {"type": "integer"},
                                "rate": {"type": "number", "minimum": 0, "maximum": 1},
                                "gap_points": {"type": "number"}}}


SUMMARY = schema("OutcomesSummary", {
    "type": "object", "required": ["students", "outcomes"],
    "properties": {
        "students": {"type": "integer"}, "graduation_year": {"type": ["integer", "null"]},
        "school_id": {"type": ["integer", "null"],
                      "description": "The school counted; null: every school"},
        "outcomes": {"type": "array", "items": OUTCOME_COUNT},
        "group_by": {"type": ["string", "null"]},
        "groups": {"type": "array", "items": {"type": "object", "properties": {
            "value": {"type": "string"}, "label": {"type": "string"},
            "students": {"type": "integer"},
            "outcomes": {"type": "array", "items": OUTCOME_COUNT}}}}}})


SUMMARY_PARAMETERS = [
    {"name": "graduation_year", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1900, "maximum": 2199},
     "description": "A graduating class; all students if absent"},
    {"name": "group_by", "in": "query", "required": False,
     "schema": {"type": "string", "enum": ["", *GROUPS]},
     "description": "Break each outcome down by this student attribute"},
    {"name": "school", "in": "query", "required": False,
     "schema": {"type": "integer", "minimum": 1},
     "description": "In a district, one school's students (a school's staff always count "
                    "their own school's); a school that is not one, or not theirs, is 404"}]


@bp.route("/outcomes/summary")
@documented("/outcomes/summary", "get", "Outcome attainment for a cohort, optionally by group",
            response=SUMMARY, parameters=SUMMARY_PARAMETERS,
            errors=("400", "401", "403", "404"),
            roles="career staff")
@role_required(Role.STAFF)
def outcomes_summary():
    raw_year = request.args.get("graduation_year", "").strip()
    graduation_year = parse_year(raw_year)
    if raw_year and graduation_year is None:
        abort(400, description="graduation_year must be a year, e.g. 2027.")
    group_by = request.args.get("group_by", "").strip() or None
    if group_by is not None and group_by not in GROUPS:
        abort(400, description=f"group_by must be one of: {', '.join(GROUPS)}.")
    raw_school = request.args.get("school", "").strip()
    requested = int(raw_school) if re.fullmatch(r"[0-9]{1,100}", raw_school) else None
    scope = school_scope(current_user, raw_school)
    if raw_school and requested is None:
        abort(400, description="school must be the id of one of the district's schools.")
    if requested is not None and scope.school_id != requested:
        # Not a school of the district, or (a school's staff) another school's students.
        abort(404, description="No such school among those you can see.")
    result = summary(graduation_year, group_by, scope.school_id)

    def counts(outcomes, group=None) -> list[dict]:
        return [{"key": o.key, "label": o.label, "with_evidence": o.with_evidence,
                 "rate": round(o.rate, 4),
                 **({"gap_points": result.gap(group, o.key)} if group else {})}
                for o in outcomes]

    return jsonify({"students": result.students, "graduation_year": graduation_year,
                    "school_id": scope.school_id,
                    "outcomes": counts(result.outcomes), "group_by": group_by,
                    "groups": [{"value": g.value, "label": g.label, "students": g.students,
                                "outcomes": counts(g.outcomes.values(), g)}
                               for g in result.groups]})


STAFF_EVIDENCE = schema("StaffEvidenceInput", {
    "type": "object", "required": ["outcome", "occurred_on", "description"],
    "properties": {
        "outcome": {"type": "string", "enum": list(imports.STAFF_OUTCOMES)},
        "occurred_on": {"type": "string", "format": "date"},
        "description": {"type": "string", "minLength": 1, "maxLength": 500},
    },
})

RECORDED = schema("StaffEvidenceResult", {
    "type": "object", "required": ["added"],
    "properties": {"added": {"type": "boolean",
                             "description": "False when the same record was there already"}},
})

IMPORT = schema("ImportInput", {
    "type": "object", "required": ["kind", "csv"],
    "properties": {"kind": {"type": "string", "enum": list(imports.KINDS)},
                   "csv": {"type": "string", "maxLength": imports.MAX_BYTES,
                           "description": "The file's text, with its header line"}},
})

IMPORT_RESULT = schema("ImportResult", {
    "type": "object", "required": ["kind", "rows", "created", "updated", "unchanged"],
    "properties": {"kind": {"type": "string"}, "rows": {"type": "integer"},
                   "created": {"type": "integer"}, "updated": {"type": "integer"},
                   "unchanged": {"type": "integer"}},
})


@bp.route("/students/<int:student_id>/evidence", methods=["POST"])
@documented("/students/{student_id}/evidence", "post",
            "Record evidence of one of the four outcomes staff record",
            request=STAFF_EVIDENCE, response=RECORDED, status="201",
            errors=("401", "403", "404", "422"), roles="career staff")
@role_required(Role.STAFF)
def record_student_evidence(student_id: int):
    body = json_body()
    student = db.session.get(User, student_id)
    if not can_record_for(current_user, student):
        abort(404)
    occurred_on = date.fromisoformat(body["occurred_on"])  # the schema checked its format
    if not body["description"].strip():
        raise ValidationFailed("Say what the student did.", {"description": "Required."})
    if occurred_on > datetime.now(UTC).date():
        raise ValidationFailed("Evidence is of something that happened.",
                               {"occurred_on": "Not in the future."})
    added = imports.record_staff_evidence(student, body["outcome"], occurred_on,
                                          body["description"].strip(), current_user)
    db.session.commit()
    return jsonify({"added": added}), 201


@bp.route("/outcomes/imports", methods=["POST"])
@documented("/outcomes/imports", "post",
            "Import a roster, evidence or first destinations: the whole file or nothing",
            request=IMPORT, response=IMPORT_RESULT, status="201",
            errors=("401", "403", "409", "422"), roles="career staff")
@role_required(Role.STAFF)
def import_outcomes_api():
    body = json_body()
    try:
        result = imports.import_csv(body["kind"], body["csv"].encode(), current_user)
    except imports.ImportRefused as refused:
        refused.fields = {f"line {line}": problem
                          for line, problem in refused.result.errors[:50]}
        raise
    db.session.commit()
    return jsonify({"kind": result.kind, "rows": result.rows, "created": result.created,
                    "updated": result.updated, "unchanged": result.unchanged}), 201
