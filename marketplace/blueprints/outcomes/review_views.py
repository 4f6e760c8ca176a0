"""Pages of outcomes from real work: the student's career plan and documents, the staff
review queue, the evidence rules and the spectrum by class. Registered on the outcomes
blueprint (``views.bp``)."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, send_file, url_for
from flask_login import current_user
from sqlalchemy.orm import joinedload

from marketplace.blueprints.accounts.policies import students_in_scope
from marketplace.blueprints.outcomes import documents, reviews, rules, spectrum
from marketplace.blueprints.outcomes.models import (
    CareerPlan,
    DocumentSubmission,
    OutcomeEvidence,
    OutcomeRule,
    ReviewStatus,
)
from marketplace.blueprints.outcomes.policies import can_view_document, staff_school_limit
from marketplace.blueprints.outcomes.review_forms import (
    CareerPlanForm,
    DecisionForm,
    DocumentForm,
    RuleForm,
)
from marketplace.blueprints.outcomes.views import bp
from marketplace.core.errors import DomainError, NotFound, ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.forms import show_domain_error
from marketplace.core.policies import Role, role_required
from marketplace.core.reference import CAREER_CLUSTERS

# ---- the student's side ----


@bp.route("/me/career-plan", methods=["GET", "POST"])
@role_required(Role.STUDENT)
def edit_career_plan():
    plan = reviews.plan_of(current_user.id)
    form = CareerPlanForm()
    if request.method == "GET" and plan is not None:
        form.fill_from(plan)
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                reviews.submit_plan(current_user, form.values())
                db.session.commit()
            except DomainError as error:
                show_domain_error(form, error)
                status = error.status
            else:
                flash("Your career plan is with career staff for sign-off.", "success")
                return redirect(url_for("outcomes.edit_career_plan"))
        plan = reviews.plan_of(current_user.id)
    history = reviews.reviews_of(reviews.PLAN, [plan.id])[plan.id] if plan else []
    return render_template("outcomes/plan.html", form=form, plan=plan, history=history,
                           clusters=CAREER_CLUSTERS), status


def _own_documents() -> list[DocumentSubmission]:
    return db.session.scalars(sa.select(DocumentSubmission).where(
        DocumentSubmission.student_id == current_user.id)
        .order_by(DocumentSubmission.id.desc()).limit(50)).all()


@bp.route("/me/documents", methods=["GET", "POST"])
@role_required(Role.STUDENT)
def my_documents():
    form = DocumentForm()
    status = 200
    if request.method == "POST":
        status = 422
        if form.validate_on_submit():
            try:
                documents.submit_document(current_user, form.kind.data,
                                          request.files.get("file"))
                db.session.commit()
            except DomainError as error:
                show_domain_error(form, error)
                status = error.status
            else:
                flash("Sent: career staff will review it.", "success")
                return redirect(url_for("outcomes.my_documents"))
    rows = _own_documents()
    history = reviews.reviews_of(reviews.DOCUMENT, [d.id for d in rows])
    return render_template("outcomes/documents.html", form=form, documents=rows,
                           history=history), status


def _send(document: DocumentSubmission):
    handle = documents.open_document(document)
    if handle is None:
        abort(404)
    return send_file(handle, mimetype="application/pdf", as_attachment=True,
                     download_name=document.filename, max_age=0)


@bp.route("/me/documents/<int:document_id>/file")
@role_required(Role.STUDENT)
def download_own_document(document_id: int):
    document = db.session.get(DocumentSubmission, document_id)
    if document is None or document.student_id != current_user.id:
        abort(404)
    return _send(document)


# ---- the staff queue ----


@bp.route("/staff/outcomes/reviews")
@role_required(Role.STAFF)
def review_queue():
    """Plans and documents waiting, oldest first, each with how long it has waited."""
    # A school's staff review their school's students' only.
    plans = db.session.scalars(
        sa.select(CareerPlan).options(joinedload(CareerPlan.student))
        .where(CareerPlan.status == ReviewStatus.SUBMITTED,
               students_in_scope(current_user, CareerPlan.student_id))
        .order_by(CareerPlan.submitted_at, CareerPlan.id).limit(200)).all()
    docs = db.session.scalars(
        sa.select(DocumentSubmission).options(joinedload(DocumentSubmission.student))
        .where(DocumentSubmission.status == ReviewStatus.SUBMITTED,
               students_in_scope(current_user, DocumentSubmission.student_id))
        .order_by(DocumentSubmission.submitted_at, DocumentSubmission.id).limit(200)).all()
    return render_template("outcomes/review_queue.html", plans=plans, documents=docs,
                           wait=reviews.wait_text)


def _decide(subject: str, row, form: DecisionForm):
    """Apply the posted decision; the response when it worked, else None."""
    if not form.validate_on_submit():
        return None
    try:
        reviews.decide(subject, row.id, ReviewStatus(form.decision.data), form.comment.data,
                       current_user)
        db.session.commit()
    except DomainError as error:
        show_domain_error(form, error)
        return None
    flash(f"Saved: {ReviewStatus(form.decision.data).label.lower()}.", "success")
    return redirect(url_for("outcomes.review_queue"))


@bp.route("/staff/outcomes/plans/<int:plan_id>", methods=["GET", "POST"])
@role_required(Role.STAFF)
def review_career_plan(plan_id: int):
    return _review_page(reviews.PLAN, CareerPlan, plan_id, "outcomes/review_plan.html",
                        "plan", clusters=CAREER_CLUSTERS)


@bp.route("/staff/outcomes/documents/<int:document_id>", methods=["GET", "POST"])
@role_required(Role.STAFF)
def review_document(document_id: int):
    return _review_page(reviews.DOCUMENT, DocumentSubmission, document_id,
                        "outcomes/review_document.html", "document")


def _review_page(subject: str, model, subject_id: int, template: str, name: str, **extra):
    """A plan's or a document's review page: its decision form (posted: decided, or shown
    again with what is wrong) and its history. 404 unless this staff member may see the
    student (a school's staff: their school's)."""
    try:
        row = reviews.load_subject(subject, subject_id, current_user)
    except NotFound:
        abort(404)
    form = DecisionForm().for_status(row.status)
    if request.method == "POST":
        done = _decide(subject, row, form)
        if done is not None:
            return done
        db.session.refresh(row)
    history = reviews.reviews_of(subject, [row.id])[row.id]
    return render_template(template, **{name: row}, form=form.for_status(row.status),
                           history=history, wait=reviews.wait_text, **extra), \
        422 if request.method == "POST" else 200


@bp.route("/staff/outcomes/documents/<int:document_id>/file")
@role_required(Role.STAFF)
def download_document(document_id: int):
    document = db.session.get(DocumentSubmission, document_id)
    if document is None or not can_view_document(current_user, document):
        abort(404)
    return _send(document)


# ---- rules and the spectrum ----


def _rules_page(form: RuleForm, status: int = 200, failed_key: str | None = None,
                errors: dict | None = None):
    used = dict(db.session.execute(
        sa.select(OutcomeEvidence.rule_version_id, sa.func.count(OutcomeEvidence.id))
        .where(OutcomeEvidence.rule_version_id.is_not(None))
        .group_by(OutcomeEvidence.rule_version_id)).all())
    versions: dict[str, list[OutcomeRule]] = {}
    for row in db.session.scalars(sa.select(OutcomeRule).options(
            joinedload(OutcomeRule.created_by)).order_by(OutcomeRule.key,
                                                         OutcomeRule.version.desc())):
        versions.setdefault(row.key, []).append(row)
    return render_template("outcomes/rules.html", rules=rules.all_rules(), versions=versions,
                           used=used, form=form, failed_key=failed_key, errors=errors or {},
                           rules_text=lambda key, params: rules.RULES[key].describe(
                               {**rules.RULES[key].defaults(), **params}),
                           typed=request.form if failed_key else {}), status


@bp.route("/staff/outcomes/rules")
@role_required(Role.STAFF)
def evidence_rules():
    return _rules_page(RuleForm())


@bp.route("/staff/outcomes/rules/<key>", methods=["POST"])
@role_required(Role.STAFF)
def change_evidence_rule(key: str):
    if key not in rules.RULES:
        abort(404)
    form = RuleForm()
    if form.validate_on_submit():
        values = {p.name: request.form.get(p.name, "") for p in rules.RULES[key].parameters}
        try:
            changed = rules.change_rule(key, values, form.note.data, current_user)
            db.session.commit()
        except ValidationFailed as error:
            db.session.rollback()
            flash(error.message, "error")
            return _rules_page(form, 422, key, error.fields)
        except DomainError as error:
            show_domain_error(form, error)
            return _rules_page(form, error.status, key)
        flash(f"{changed.definition.title}: version {changed.version} is in force. "
              "Evidence already recorded keeps its version.", "success")
        return redirect(url_for("outcomes.evidence_rules") + f"#rule-{key}")
    return _rules_page(form, 422, key, {"note": " ".join(form.note.errors)}
                       if form.note.errors else None)


@bp.route("/staff/outcomes/spectrum")
@role_required(Role.STAFF)
def spectrum_by_class():
    return render_template("outcomes/spectrum.html", classes=spectrum.stages_by_class(
                               staff_school_limit(current_user)),
                           stages=list(spectrum.Stage),
                           rule=rules.current_rule(rules.SPECTRUM))
