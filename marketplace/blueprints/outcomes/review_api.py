"""API: career plans, documents and their review, and a student's progress (SPEC:
Outcomes from real work). The same services as the pages."""

from __future__ import annotations

from flask import abort, jsonify, request
from flask_login import current_user

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.outcomes import documents, reviews
from marketplace.blueprints.outcomes.models import (
    CareerPlan,
    DocumentKind,
    DocumentSubmission,
    ReviewStatus,
)
from marketplace.blueprints.outcomes.policies import can_view_student_progress
from marketplace.blueprints.outcomes.spectrum import Stage, outcomes_of, stage_for
from marketplace.core.api import bp
from marketplace.core.api.openapi import documented, schema
from marketplace.core.api.views import json_body
from marketplace.core.errors import PermissionDenied, ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.policies import Role, role_required
from marketplace.core.reference import CAREER_CLUSTERS, OUTCOMES

STEP = {"type": "object", "required": ["step", "due"],
        "properties": {"step": {"type": "string", "minLength": 3,
                                "maxLength": reviews.MAX_STEP},
                       "due": {"type": "string", "format": "date"}},
        "additionalProperties": False}

PLAN_INPUT = schema("CareerPlanInput", {
    "type": "object", "required": ["goals", "cluster", "roles", "next_steps"],
    "properties": {
        "goals": {"type": "string", "minLength": 10, "maxLength": reviews.MAX_GOALS},
        "cluster": {"type": "string", "enum": list(CAREER_CLUSTERS)},
        "roles": {"type": "string", "minLength": 2, "maxLength": reviews.MAX_ROLES},
        "next_steps": {"type": "array", "minItems": reviews.STEPS,
                       "maxItems": reviews.STEPS, "items": STEP,
                       "description": "Exactly three, each dated from today on"}}})

REVIEW_STATUSES = [s.value for s in ReviewStatus]

PLAN = schema("CareerPlan", {
    "type": "object",
    "required": ["id", "student_id", "status", "goals", "cluster", "roles", "next_steps"],
    "properties": {"id": {"type": "integer"}, "student_id": {"type": "integer"},
                   "status": {"type": "string", "enum": REVIEW_STATUSES},
                   "goals": {"type": "string"}, "cluster": {"type": "string"},
                   "roles": {"type": "string"},
                   "next_steps": {"type": "array", "items": {"type": "object"}},
                   "submitted_at": {"type": "string", "format": "date-time"}}})

APPROVE = schema("ApproveInput", {
    "type": "object",
    "properties": {"comment": {"type": "string", "maxLength": reviews.MAX_COMMENT}}})

DOCUMENT_INPUT = schema("DocumentInput", {
    "type": "object", "required": ["kind"],
    "properties": {"kind": {"type": "string", "enum": [k.value for k in DocumentKind]}},
    "description": "Send multipart/form-data with `kind` and `file` (a PDF, at most 5 MB); "
                   "a JSON body has no file and is refused with 422."})

DOCUMENT = schema("Document", {
    "type": "object", "required": ["id", "student_id", "kind", "status", "filename"],
    "properties": {"id": {"type": "integer"}, "student_id": {"type": "integer"},
                   "kind": {"type": "string", "enum": [k.value for k in DocumentKind]},
                   "status": {"type": "string", "enum": REVIEW_STATUSES},
                   "filename": {"type": "string"}, "size": {"type": "integer"},
                   "submitted_at": {"type": "string", "format": "date-time"}}})

REVIEW_INPUT = schema("DocumentReviewInput", {
    "type": "object", "required": ["decision"],
    "properties": {"decision": {"type": "string", "enum": [
        ReviewStatus.APPROVED.value, ReviewStatus.CHANGES_REQUESTED.value,
        ReviewStatus.APPROVAL_WITHDRAWN.value]},
        "comment": {"type": "string", "maxLength": reviews.MAX_COMMENT,
                    "description": "Needed unless approving: the student sees it"}},
    # Asking for changes or withdrawing an approval says why.
    "if": {"required": ["decision"], "properties": {"decision": {"enum": [
        ReviewStatus.CHANGES_REQUESTED.value, ReviewStatus.APPROVAL_WITHDRAWN.value]}}},
    "then": {"required": ["comment"], "properties": {"comment": {"pattern": "\\S"}}}})

PROGRESS = schema("Progress", {
    "type": "object", "required": ["stage", "outcomes"],
    "properties": {"stage": {"type": "string", "enum": [s.value for s in Stage]},
                   "outcomes": {"type": "object", "required": list(OUTCOMES),
                                "properties": {key: {"type": "boolean"} for key in OUTCOMES},
                                "additionalProperties": False}}})


def plan_json(plan: CareerPlan) -> dict:
    return {"id": plan.id, "student_id": plan.student_id, "status": plan.status.value,
            "goals": plan.goals, "cluster": plan.cluster, "roles": plan.roles,
            "next_steps": plan.next_steps, "submitted_at": plan.submitted_at.isoformat()}


def document_json(document: DocumentSubmission) -> dict:
    return {"id": document.id, "student_id": document.student_id,
            "kind": document.kind.value, "status": document.status.value,
            "filename": document.filename, "size": document.size,
            "submitted_at": document.submitted_at.isoformat()}


@bp.route("/career-plans", methods=["POST"])
@documented("/career-plans", "post", "Write (or rewrite) your career plan for staff sign-off",
            request=PLAN_INPUT, response=PLAN, status="201",
            errors=("401", "403", "409", "422"), roles="students (their own plan)")
@role_required(Role.STUDENT)
def submit_career_plan():
    body = json_body()
    values = {"goals": body.get("goals"), "cluster": body.get("cluster"),
              "roles": body.get("roles")}
    for n, step in enumerate(body.get("next_steps") or [], start=1):
        values[f"step_{n}"], values[f"due_{n}"] = step.get("step"), step.get("due")
    plan = reviews.submit_plan(current_user, values)
    db.session.commit()
    return jsonify(plan_json(plan)), 201


@bp.route("/career-plans/<int:plan_id>/approve", methods=["POST"])
@documented("/career-plans/{plan_id}/approve", "post", "Sign off a career plan",
            request=APPROVE, request_required=False, response=PLAN,
            errors=("401", "403", "404", "409", "422"), roles="career staff")
@role_required(Role.STAFF)
def approve_career_plan(plan_id: int):
    body = json_body() if request.get_data() else {}
    reviews.decide(reviews.PLAN, plan_id, ReviewStatus.APPROVED, body.get("comment"),
                   current_user)
    db.session.commit()
    return jsonify(plan_json(db.session.get(CareerPlan, plan_id)))


@bp.route("/documents", methods=["POST"])
@documented("/documents", "post", "Send a resume or cover letter (PDF) for review",
            request=DOCUMENT_INPUT, response=DOCUMENT, status="201",
            errors=("401", "403", "409", "422"), roles="students")
@role_required(Role.STUDENT)
def submit_document_api():
    if request.mimetype == "multipart/form-data":
        kind, upload = request.form.get("kind"), request.files.get("file")
    else:
        kind, upload = json_body().get("kind"), None
        documents.parse_kind(kind)
        raise ValidationFailed("Send the PDF as multipart/form-data with a `file` field.",
                               {"file": "Choose a PDF file."})
    document = documents.submit_document(current_user, kind, upload)
    db.session.commit()
    return jsonify(document_json(document)), 201


@bp.route("/documents/<int:document_id>/review", methods=["POST"])
@documented("/documents/{document_id}/review", "post",
            "Approve a document, ask for changes, or withdraw an approval",
            request=REVIEW_INPUT, response=DOCUMENT,
            errors=("401", "403", "404", "409", "422"), roles="career staff")
@role_required(Role.STAFF)
def review_document_api(document_id: int):
    body = json_body()
    reviews.decide(reviews.DOCUMENT, document_id, ReviewStatus(body["decision"]),
                   body.get("comment"), current_user)
    db.session.commit()
    return jsonify(document_json(db.session.get(DocumentSubmission, document_id)))


@bp.route("/students/<int:student_id>/progress")
@documented("/students/{student_id}/progress", "get",
            "A student's stage on the career learning spectrum and which outcomes they "
            "have reached", response=PROGRESS, errors=("401", "403", "404"),
            roles="that student, or career staff")
@role_required(Role.STUDENT, Role.STAFF)
def student_progress(student_id: int):
    if not can_view_student_progress(current_user, student_id):
        if current_user.role is Role.STAFF:
            abort(404)  # another school's student: not there for a school's staff
        raise PermissionDenied("You can see only your own progress.")
    student = db.session.get(User, student_id)
    if student is None or student.role is not Role.STUDENT:
        abort(404)
    return jsonify({"stage": stage_for(student_id).value, "outcomes": outcomes_of(student_id)})
