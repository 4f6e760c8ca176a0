"""API: applications. The same services and privacy rules as the HTML pages."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, jsonify, request
from flask_login import current_user
from sqlalchemy.orm import joinedload

from marketplace.blueprints.accounts.models import Organization, OrganizationStatus
from marketplace.blueprints.accounts.policies import students_in_scope
from marketplace.blueprints.applications.models import (
    Application,
    ApplicationStatus,
    Placement,
    PlacementStatus,
)
from marketplace.blueprints.applications.policies import can_view_application
from marketplace.blueprints.applications.services import (
    apply,
    move_application,
    record_access,
    record_list_access,
)
from marketplace.blueprints.opportunities.models import Opportunity
from marketplace.blueprints.opportunities.policies import can_view_opportunity
from marketplace.core.api import bp
from marketplace.core.api.openapi import documented, schema
from marketplace.core.api.views import (
    PAGE_PARAMETERS,
    json_body,
    page_of,
)
from marketplace.core.errors import ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.policies import SIGNED_IN, Role, role_required

APPLICATION = schema("Application", {
    "type": "object",
    "required": ["id", "opportunity_id", "student_id", "status", "placement_id"],
    "properties": {
        "id": {"type": "integer"}, "opportunity_id": {"type": "integer"},
        "student_id": {"type": "integer"},
        "status": {"type": "string", "enum": [s.value for s in ApplicationStatus]},
        "placement_id": {"type": ["integer", "null"]},
        "cover_letter": {"type": "string"}, "resume_filename": {"type": ["string", "null"]},
        "created_at": {"type": "string", "format": "date-time"},
    },
})


APPLICATION_LIST = schema("ApplicationList", {
    "type": "object", "required": ["items", "next_cursor"],
    "properties": {"items": {"type": "array", "items": APPLICATION},
                   "next_cursor": {"type": ["string", "null"]}}})




APPLY = schema("ApplyInput", {
    "type": "object", "properties": {"cover_letter": {"type": "string", "maxLength": 10000}},
    "description": "JSON, or multipart/form-data with cover_letter and a resume PDF."})


STATUS = schema("StatusInput", {
    "type": "object", "required": ["status"],
    "properties": {"status": {"type": "string", "enum": [s.value for s in ApplicationStatus]},
                   "note": {"type": "string", "maxLength": 2000},
                   "confirm_over_positions": {"type": "boolean", "description":
                                              "Offer beyond the posting's positions."}}})


def application_json(application: Application, placement_id: int | None) -> dict:
    return {"id": application.id, "opportunity_id": application.opportunity_id,
            "student_id": application.student_id, "status": application.status.value,
            "placement_id": placement_id, "cover_letter": application.cover_letter,
            "resume_filename": application.resume_filename,
            "created_at": application.created_at.isoformat()}


def placement_ids(application_ids: list[int]) -> dict[int, int]:
    if not application_ids:
        return {}
    return dict(db.session.execute(sa.select(Placement.application_id, Placement.id).where(
        Placement.application_id.in_(application_ids))).all())


@bp.route("/opportunities/<int:opportunity_id>/applications", methods=["POST"])
@documented("/opportunities/{opportunity_id}/applications", "post", "Apply to a posting",
            request=APPLY, response=APPLICATION, status="201",
            errors=("400", "401", "403", "404", "409", "422"), roles="students")
@role_required(Role.STUDENT)
def create_application(opportunity_id: int):
    opportunity = db.session.get(Opportunity, opportunity_id)
    if opportunity is None or not can_view_opportunity(current_user, opportunity):
        abort(404)  # a student sees public postings open to their school only
    if request.mimetype == "multipart/form-data":
        cover_letter, resume = request.form.get("cover_letter", ""), request.files.get("resume")
    else:
        body = json_body()
        cover_letter, resume = body.get("cover_letter", ""), None
        if not isinstance(cover_letter, str):
            raise ValidationFailed("The cover letter must be text.",
                                   {"cover_letter": "Must be text."})
    application = apply(opportunity, current_user, cover_letter, resume)
    db.session.commit()
    return jsonify(application_json(application, None)), 201


@bp.route("/applications")
@documented("/applications", "get", "Applications you may see, newest first, a page at a time",
            response=APPLICATION_LIST, parameters=PAGE_PARAMETERS,
            errors=("401",), roles="students (their own), employers (their organization's "
            "postings), staff (all; a school's staff, their school's students')")
@role_required(*SIGNED_IN)
def list_applications():
    statement = sa.select(Application).options(joinedload(Application.opportunity))
    if current_user.role is Role.STUDENT:
        statement = statement.where(Application.student_id == current_user.id)
    elif current_user.role is Role.EMPLOYER:
        # The same rule as can_view_application: own organization, not suspended.
        statement = statement.join(Opportunity).join(Organization).where(
            Opportunity.organization_id == current_user.organization_id,
            Organization.status != OrganizationStatus.SUSPENDED)
    elif current_user.role is Role.STAFF:
        # The same rule as can_view_application: a school's staff, their school's students.
        statement = statement.where(students_in_scope(current_user, Application.student_id))
    else:
        statement = statement.where(sa.false())
    applications, next_cursor = page_of(statement, Application.id)
    record_list_access(current_user, applications)  # one entry for the page, with its ids
    db.session.commit()
    placements = placement_ids([a.id for a in applications])
    return jsonify({"items": [application_json(a, placements.get(a.id)) for a in applications],
                    "next_cursor": next_cursor})


@bp.route("/applications/<int:application_id>")
@documented("/applications/{application_id}", "get", "One application",
            response=APPLICATION, errors=("401", "404"),
            roles="the student, the posting's employers, staff")
@role_required(*SIGNED_IN)
def get_application(application_id: int):
    application = db.session.get(Application, application_id)
    if application is None or not can_view_application(current_user, application):
        abort(404)
    record_access(current_user, application, "application")
    db.session.commit()
    return jsonify(application_json(application, placement_ids([application.id]).get(
        application.id)))


@bp.route("/applications/<int:application_id>/status", methods=["POST"])
@documented("/applications/{application_id}/status", "post", "Move an application a step",
            request=STATUS, response=APPLICATION,
            errors=("400", "401", "403", "404", "409", "422"),
            roles="employers of the posting (reviewing, interviewing, offered, declined), the "
            "student (hired, offer_declined, withdrawn)")
@role_required(*SIGNED_IN)
def set_application_status(application_id: int):
    body = json_body()
    try:
        status = ApplicationStatus(body.get("status"))
    except ValueError:
        raise ValidationFailed("Unknown status.", {"status": "Not a known status."}) from None
    note = body.get("note")
    if note is not None and not isinstance(note, str):
        raise ValidationFailed("The note must be text.", {"note": "Must be text."})
    confirm = body.get("confirm_over_positions", False)
    if not isinstance(confirm, bool):
        raise ValidationFailed("Must be true or false.", {"confirm_over_positions": "Boolean."})
    application = move_application(application_id, status, current_user, note, confirm)
    record_access(current_user, application, "application")  # the answer shows the letter
    db.session.commit()
    return jsonify(application_json(application, placement_ids([application.id]).get(
        application.id)))


PLACEMENT_ITEM = schema("PlacementItem", {
    "type": "object", "required": ["id", "application_id", "student_id", "opportunity_id",
                                   "status"],
    "properties": {"id": {"type": "integer"}, "application_id": {"type": "integer"},
                   "student_id": {"type": "integer"}, "opportunity_id": {"type": "integer"},
                   "status": {"type": "string", "enum": [s.value for s in PlacementStatus]},
                   "hours": {"type": ["number", "null"]},
                   "start_date": {"type": ["string", "null"], "format": "date"},
                   "end_date": {"type": ["string", "null"], "format": "date"},
                   "completed_at": {"type": ["string", "null"], "format": "date-time"}},
})

PLACEMENT_LIST = schema("PlacementList", {
    "type": "object", "required": ["items", "next_cursor"],
    "properties": {"items": {"type": "array", "items": PLACEMENT_ITEM},
                   "next_cursor": {"type": ["string", "null"]}},
})


def placement_json(placement: Placement) -> dict:
    return {"id": placement.id, "application_id": placement.application_id,
            "student_id": placement.student_id, "opportunity_id": placement.opportunity_id,
            "status": placement.status.value, "hours": placement.hours,
            "start_date": placement.start_date.isoformat() if placement.start_date else None,
            "end_date": placement.end_date.isoformat() if placement.end_date else None,
            "completed_at": placement.completed_at.isoformat()
            if placement.completed_at else None}


@bp.route("/placements")
@documented("/placements", "get", "Placements you may see, newest first",
            response=PLACEMENT_LIST, parameters=PAGE_PARAMETERS, errors=("401",),
            roles="students (their own), employers (their organization's), staff (all; a "
            "school's staff, their school's students')")
@role_required(*SIGNED_IN)
def list_placements():
    statement = sa.select(Placement)
    if current_user.role is Role.STUDENT:
        statement = statement.where(Placement.student_id == current_user.id)
    elif current_user.role is Role.EMPLOYER:
        statement = statement.join(Opportunity, Opportunity.id == Placement.opportunity_id
                                   ).join(Organization).where(
            Opportunity.organization_id == current_user.organization_id,
            Organization.status != OrganizationStatus.SUSPENDED)
    elif current_user.role is Role.STAFF:
        statement = statement.where(students_in_scope(current_user, Placement.student_id))
    else:
        statement = statement.where(sa.false())
    rows, next_cursor = page_of(statement, Placement.id)
    return jsonify({"items": [placement_json(p) for p in rows], "next_cursor": next_cursor})
