"""Schools in the browser: the guardian's consent page and the supervisor's link page
(no account; the link is the credential), the student's weekly hours, the host's
supervisor, staff's list of placements waiting for consent."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    g,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from marketplace.blueprints.applications.models import Placement, PlacementStatus
from marketplace.blueprints.applications.services import set_supervisor
from marketplace.blueprints.opportunities.models import Opportunity
from marketplace.blueprints.schools import services
from marketplace.blueprints.schools.api import parse_year
from marketplace.blueprints.schools.forms import (
    KIND_LABELS,
    ConfirmHoursForm,
    ConsentForm,
    EvaluationForm,
    HoursForm,
    LanguageForm,
    ResendConsentForm,
    SendFinalForm,
    SupervisorForm,
)
from marketplace.blueprints.schools.models import (
    Evaluation,
    EvaluationKind,
    GuardianConsent,
    WeeklyHours,
)
from marketplace.blueprints.schools.policies import (
    can_log_hours,
    can_name_supervisor,
    can_resend_consent,
)
from marketplace.blueprints.schools.report import GROUPS, perkins_5s3, report_csv
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db, limiter
from marketplace.core.forms import show_domain_error
from marketplace.core.outbox import enqueue_after_commit
from marketplace.core.policies import Role, public, role_required
from marketplace.core.reference import NACE_COMPETENCIES

bp = Blueprint("schools", __name__)

LINK_LIMIT = "30 per minute"


def link_page(template: str, status: int = 200, **context) -> Response:
    """A page opened by a signed link: the URL is a credential, so it is never cached and
    never sent on as a referrer."""
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    return response


# --- The guardian ----------------------------------------------------------------------

@bp.route("/consent/<token>", methods=["GET", "POST"])
@public
@limiter.limit(LINK_LIMIT, methods=["POST"])
def guardian_consent(token: str):
    """The consent page: what the placement is, and the guardian's answer."""
    opened = services.open_consent_link(token)
    consent = opened.consent
    g.guardian_locale = (consent.language if consent else None) or "en"
    if opened.problem:
        return link_page("schools/link_problem.html", 404 if opened.problem == "invalid"
                         else 410, problem=opened.problem)
    form = ConsentForm()
    if form.validate_on_submit():
        try:
            services.decide_consent(token, form.decision.data == "consent",
                                    request.remote_addr, form.guardian_name.data,
                                    form.emergency_name.data, form.emergency_phone.data,
                                    g.guardian_locale)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
            opened = services.open_consent_link(token)
            if opened.problem:
                return link_page("schools/link_problem.html", 410, problem=opened.problem)
        else:
            return link_page("schools/consent_done.html",
                             agreed=form.decision.data == "consent")
    return link_page("schools/consent.html", 422 if form.errors else 200, form=form,
                     consent=consent, token=token, placement=consent.placement,
                     language_form=LanguageForm(), kind_labels=KIND_LABELS)


@bp.route("/consent/<token>/language", methods=["POST"])
@public
@limiter.limit(LINK_LIMIT)
def set_consent_language(token: str):
    """The guardian's language switch: remembered on the consent request."""
    opened = services.open_consent_link(token)
    form = LanguageForm()
    if opened.problem is None and form.validate_on_submit() and form.lang.data in ("en", "es"):
        opened.consent.language = form.lang.data
        db.session.commit()
    return redirect(url_for("schools.guardian_consent", token=token), 303)


# --- The supervisor --------------------------------------------------------------------

@bp.route("/supervise/<token>", methods=["GET", "POST"])
@public
@limiter.limit(LINK_LIMIT, methods=["POST"])
def supervisor_link(token: str):
    """Confirm a week's hours, or give the mid-point or final evaluation."""
    opened = services.open_supervisor_link(token)
    if opened.problem:
        return link_page("schools/link_problem.html", 404 if opened.problem == "invalid"
                         else 410, problem=opened.problem)
    placement = opened.placement
    if opened.action.startswith("hours:"):
        hours = db.session.get(WeeklyHours, int(opened.action[6:]))
        form = ConfirmHoursForm()
        if form.validate_on_submit():
            try:
                services.confirm_hours(token, request.remote_addr)
                db.session.commit()
            except DomainError as error:
                show_domain_error(form, error)
                gone = _link_gone(token)
                if gone is not None:
                    return gone
            else:
                return link_page("schools/supervisor_done.html", what="hours")
        return link_page("schools/confirm_hours.html", 422 if form.errors else 200, form=form,
                         placement=placement, hours=hours)
    form, errors, ratings = EvaluationForm(), {}, {}
    if form.validate_on_submit():
        ratings, errors = form.ratings(request.form)
        if not errors:
            try:
                services.submit_evaluation(token, ratings, form.comment.data,
                                           request.remote_addr)
                db.session.commit()
            except DomainError as error:
                show_domain_error(form, error)
                gone = _link_gone(token)
                if gone is not None:
                    return gone
            else:
                return link_page("schools/supervisor_done.html", what=opened.action)
        else:
            flash("Rate each competency from 1 to 4.", "error")
    elif request.method == "POST":
        ratings, _ = form.ratings(request.form)
    status = 422 if request.method == "POST" else 200
    return link_page("schools/evaluation.html", status, form=form, placement=placement,
                     kind=opened.action, competencies=NACE_COMPETENCIES, ratings=ratings,
                     rating_errors=errors, confirmed=services.confirmed_hours(placement.id))


def _link_gone(token: str) -> Response | None:
    """After a refused answer: the page for a link used meanwhile (another tab, a
    forwarded copy), or None when the link still works (the error was the input's)."""
    opened = services.open_supervisor_link(token)
    if opened.problem is None:
        return None
    return link_page("schools/link_problem.html", 410, problem=opened.problem)


# --- The student -----------------------------------------------------------------------

@bp.route("/students/placements/<int:placement_id>", methods=["GET", "POST"])
@role_required(Role.STUDENT)
def my_placement(placement_id: int):
    """The student's placement: its state, and the hours they log each week."""
    placement = db.session.get(Placement, placement_id)
    if placement is None or not can_log_hours(current_user, placement):
        abort(404)
    form = HoursForm()
    if form.validate_on_submit():
        try:
            services.log_hours(placement, current_user, form.week.data, float(form.hours.data),
                               form.note.data)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            flash("Hours saved." + (" Your supervisor gets a link to confirm them."
                                    if placement.supervisor_email else ""), "success")
            return redirect(url_for("schools.my_placement", placement_id=placement.id))
    weeks = db.session.scalars(sa.select(WeeklyHours).where(
        WeeklyHours.placement_id == placement.id).order_by(WeeklyHours.week_start)).all()
    return render_template("schools/my_placement.html", placement=placement, form=form,
                           weeks=weeks, statuses=PlacementStatus), 422 if form.errors else 200


# --- The host --------------------------------------------------------------------------

@bp.route("/employers/placements")
@role_required(Role.EMPLOYER)
def host_placements():
    """The organization's placements, with their supervisor."""
    rows = db.session.scalars(
        sa.select(Placement).join(Opportunity, Opportunity.id == Placement.opportunity_id)
        .where(Opportunity.organization_id == current_user.organization_id)
        .order_by(Placement.created_at.desc()).limit(500)).all()
    return render_template("schools/host_placements.html", placements=rows)


@bp.route("/employers/placements/<int:placement_id>/supervisor", methods=["GET", "POST"])
@role_required(Role.EMPLOYER)
def edit_supervisor(placement_id: int):
    """Name the placement's supervisor; they get their links by e-mail."""
    placement = db.session.get(Placement, placement_id)
    if placement is None or not can_name_supervisor(current_user, placement):
        abort(404)
    form = SupervisorForm(obj=placement)
    if form.validate_on_submit():
        try:
            changed = (form.supervisor_email.data or "").strip().lower() \
                != (placement.supervisor_email or "")
            set_supervisor(placement.id, current_user, form.supervisor_name.data,
                           form.supervisor_email.data)
            if changed:  # links sent to the previous supervisor stop working
                services.revoke_supervisor_links(placement)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            flash("Supervisor saved.", "success")
            return redirect(url_for("schools.edit_supervisor", placement_id=placement.id))
    evaluations = {row.kind: row for row in db.session.scalars(sa.select(Evaluation).where(
        Evaluation.placement_id == placement.id))}
    return render_template("schools/supervisor.html", form=form, placement=placement,
                           send_form=SendFinalForm(), evaluations=evaluations,
                           kinds=EvaluationKind), 422 if form.errors else 200


@bp.route("/employers/placements/<int:placement_id>/evaluation-link/<kind>",
          methods=["POST"])
@role_required(Role.EMPLOYER)
def send_evaluation_link(placement_id: int, kind: str):
    """E-mail the supervisor the mid-point or final evaluation link now."""
    placement = db.session.get(Placement, placement_id)
    if placement is None or not can_name_supervisor(current_user, placement) \
            or kind not in ("midpoint", "final"):
        abort(404)
    if SendFinalForm().validate_on_submit():
        if placement.status is not PlacementStatus.ACTIVE or not placement.supervisor_email:
            flash("The placement needs to be active, with a supervisor, first.", "error")
        else:
            enqueue_after_commit("send_evaluation_request", placement.id,
                                 services.KIND_NUMBER[EvaluationKind(kind)])
            db.session.commit()
            flash(f"We e-mailed the link to {placement.supervisor_email}.", "success")
    return redirect(url_for("schools.edit_supervisor", placement_id=placement.id), 303)


# --- Staff -----------------------------------------------------------------------------

@bp.route("/staff/consents")
@role_required(Role.STAFF)
def list_consents():
    """Placements waiting for a guardian's consent, in the staff member's scope."""
    return render_template("schools/consents.html",
                           consents=services.waiting_for_consent(current_user),
                           form=ResendConsentForm())


@bp.route("/staff/consents/<int:consent_id>/resend", methods=["POST"])
@role_required(Role.STAFF)
def resend_consent(consent_id: int):
    """Send the request again (maybe to a corrected address); earlier links stop."""
    consent = db.session.get(GuardianConsent, consent_id)
    if consent is None or not can_resend_consent(current_user, consent.placement):
        abort(404)
    form = ResendConsentForm()
    if form.validate_on_submit():
        try:
            services.resend_consent(consent.id, current_user, form.guardian_email.data or None)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            flash("Sent again; earlier links no longer work.", "success")
    else:
        flash(" ".join(e for errors in form.errors.values() for e in errors), "error")
    return redirect(url_for("schools.list_consents"), 303)


@bp.route("/staff/reports/perkins-5s3")
@role_required(Role.STAFF)
def perkins_report():
    """The 5S3 report page: a year, each school's and group's rate, the students behind."""
    from_year = request.args.get("graduation_year")
    report, problem = None, None
    if from_year:
        try:
            report = perkins_5s3(parse_year(from_year), current_user)
        except DomainError as error:
            problem = error.message
    return render_template("schools/perkins.html", report=report, problem=problem,
                           year=(from_year or "")[:8], groups=GROUPS), 422 if problem else 200


@bp.route("/staff/reports/perkins-5s3.csv")
@role_required(Role.STAFF)
def perkins_report_csv():
    """The 5S3 numbers as the state report asks: school, group, denominator, numerator,
    rate (cells formula-safe)."""
    try:
        year = parse_year(request.args.get("graduation_year"))
    except DomainError as error:
        return error.message, 422, {"Content-Type": "text/plain; charset=utf-8"}
    data = report_csv(perkins_5s3(year, current_user))
    return Response(data, mimetype="text/csv", headers={
        "Content-Disposition": f'attachment; filename="perkins-5s3-{year}.csv"'})


@bp.route("/students/placements")
@role_required(Role.STUDENT)
def my_placements():
    """The student's placements, newest first."""
    rows = db.session.scalars(sa.select(Placement).where(
        Placement.student_id == current_user.id).order_by(Placement.created_at.desc())).all()
    return render_template("schools/my_placements.html", placements=rows)
