"""The employer's own pages: dashboard and organization profile."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from sqlalchemy.orm import joinedload

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.accounts.policies import staff_school_limit, students_in_scope
from marketplace.blueprints.applications.forms import (
    ApplicationActionForm,
    ApplicationForm,
    BulkDeclineForm,
    CompletePlacementForm,
    MoveApplicationForm,
    ReflectionForm,
)
from marketplace.blueprints.applications.models import (
    Application,
    ApplicationStatus,
    Placement,
    RecordAccess,
)
from marketplace.blueprints.applications.policies import applicant_profile, can_view_application
from marketplace.blueprints.applications.services import (
    NEXT_STEP,
    access_log_page,
    add_reflection,
    allowed_moves,
    applicants_csv,
    apply,
    complete_placement,
    decline_many,
    move_application,
    neighbours,
    open_resume,
    pipeline_board,
    profile_views,
    record_access,
    views_by_viewer,
    views_of_student,
)
from marketplace.blueprints.opportunities.models import (
    Opportunity,
)
from marketplace.blueprints.opportunities.policies import can_view_opportunity
from marketplace.blueprints.opportunities.views import managed_opportunity, render_detail
from marketplace.core.changes import user_topic
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db
from marketplace.core.forms import show_domain_error
from marketplace.core.kept import (
    Snapshot,
    in_session,
    kept_while_live,
    rendered_once,
    snapshot,
)
from marketplace.core.models import AuditEntry
from marketplace.core.policies import Role, role_required
from marketplace.core.storage import StorageUnavailable

bp = Blueprint("applications", __name__)


@bp.route("/employers/opportunities/<int:opportunity_id>/applicants")
@role_required(Role.EMPLOYER)
def list_applicants(opportunity_id: int):
    opportunity = managed_opportunity(opportunity_id)
    status = request.args.get("status", "")
    if status not in {s.value for s in ApplicationStatus}:
        status = ""
    board = pipeline_board(opportunity, current_user,
                           ApplicationStatus(status) if status else None)
    return render_template("applications/applicants.html", opportunity=opportunity,
                           board=board, status=status, statuses=list(ApplicationStatus),
                           bulk_form=BulkDeclineForm())


@bp.route("/employers/opportunities/<int:opportunity_id>/applicants.csv")
@role_required(Role.EMPLOYER)
def export_applicants(opportunity_id: int):
    opportunity = managed_opportunity(opportunity_id)
    body = applicants_csv(opportunity, current_user)
    db.session.commit()
    return body, 200, {"Content-Type": "text/csv; charset=utf-8",
                       "Content-Disposition": f'attachment; filename="applicants-'
                                              f'{opportunity.id}.csv"'}


@bp.route("/employers/opportunities/<int:opportunity_id>/applicants/decline", methods=["POST"])
@role_required(Role.EMPLOYER)
def decline_applicants(opportunity_id: int):
    opportunity = managed_opportunity(opportunity_id)
    form = BulkDeclineForm()
    if not form.validate_on_submit() or not form.application_ids.data:
        flash("Tick the applicants to decline first.", "error")
        return redirect(url_for("applications.list_applicants", opportunity_id=opportunity.id))
    ids = db.session.scalars(sa.select(Application.id).where(
        Application.id.in_(form.application_ids.data),
        Application.opportunity_id == opportunity.id)).all()
    declined, problems = decline_many(list(ids), current_user, form.note.data)
    if declined:
        flash(f"Declined {declined} applicant{'s' if declined != 1 else ''}; each was told.",
              "success")
    for problem in problems:
        flash(problem, "error")
    return redirect(url_for("applications.list_applicants", opportunity_id=opportunity.id))


def _visible_application(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or not can_view_application(current_user, application):
        abort(404)
    return application


@bp.route("/employers/applications/<int:application_id>")
@role_required(Role.EMPLOYER, Role.STAFF)
def show_applicant(application_id: int):
    application = _visible_application(application_id)
    record_access(current_user, application, "application")
    db.session.commit()
    return render_applicant(application)


# The buttons on the applicant page, in the order they are offered.
MOVE_ORDER = (ApplicationStatus.REVIEWING, ApplicationStatus.INTERVIEWING,
              ApplicationStatus.OFFERED, ApplicationStatus.DECLINED)


def render_applicant(application: Application, form: MoveApplicationForm | None = None,
                     complete_form: CompletePlacementForm | None = None, status: int = 200):
    """The applicant page; a form sent back with its errors keeps what was typed."""
    form = form or MoveApplicationForm()
    moves = allowed_moves(application, current_user)
    form.status.choices = [(value, label) for value, label in MoveApplicationForm().status.choices
                           if ApplicationStatus(value) in moves]
    placement = db.session.scalar(sa.select(Placement).where(
        Placement.application_id == application.id))
    previous_id, next_id = neighbours(application, students_in_scope(
        current_user, Application.student_id))
    return render_template("applications/applicant.html", application=application, form=form,
                           moves=[move for move in MOVE_ORDER if move in moves],
                           next_step=NEXT_STEP.get(application.status) if NEXT_STEP.get(
                               application.status) in moves else None,
                           profile=applicant_profile(current_user, application),
                           previous_id=previous_id, next_id=next_id, placement=placement,
                           complete_form=complete_form or CompletePlacementForm()), status


@bp.route("/employers/applications/<int:application_id>/resume")
@role_required(Role.EMPLOYER, Role.STAFF)
def download_resume(application_id: int):
    application = _visible_application(application_id)
    resume = open_resume(application)
    if resume is None:
        abort(404)
    record_access(current_user, application, "resume")
    db.session.commit()
    return send_file(resume, mimetype="application/pdf", as_attachment=True,
                     download_name=application.resume_filename or "resume.pdf")


@bp.route("/employers/applications/<int:application_id>/move", methods=["POST"])
@role_required(Role.EMPLOYER)
def move_applicant(application_id: int):
    application = _visible_application(application_id)
    form = MoveApplicationForm()
    if form.validate_on_submit():
        try:
            move_application(application.id, ApplicationStatus(form.status.data), current_user,
                             form.note.data, bool(form.confirm_over_positions.data))
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
            # Back to the page with what was typed (the message, and the confirmation box
            # when every position is taken).
            return render_applicant(db.session.get(Application, application_id), form=form,
                                    status=422)
        flash(f"Moved to {ApplicationStatus(form.status.data).label.lower()}; the student "
              "has been told.", "success")
        return redirect(url_for("applications.show_applicant", application_id=application_id))
    flash("Choose a next step.", "error")
    return render_applicant(application, form=form, status=422)


@bp.route("/employers/placements/<int:placement_id>/complete", methods=["POST"])
@role_required(Role.EMPLOYER, Role.STAFF)
def complete_placement_view(placement_id: int):
    placement = db.session.get(Placement, placement_id)
    if placement is None or not can_view_application(current_user, placement.application):
        abort(404)
    form = CompletePlacementForm()
    if form.validate_on_submit():
        try:
            complete_placement(placement_id, current_user, float(form.hours.data),
                               form.start_date.data, form.end_date.data, form.ratings(),
                               form.comment.data, early_reason=form.early_reason.data)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            flash("Thank you: the placement is confirmed as completed, and it now counts "
                  "toward the student's career outcomes.", "success")
            return redirect(url_for("applications.show_applicant",
                                    application_id=placement.application_id))
    else:
        details = "; ".join(f"{form[name].label.text}: {' '.join(errors)}"
                            for name, errors in form.errors.items() if name != "csrf_token")
        flash("Please check the completion details: " + (details or "the form had expired."),
              "error")
    # The page again, with the hours, dates, ratings and comment as they were typed.
    application = db.session.get(Application, placement.application_id)
    return render_applicant(application, complete_form=form, status=422)


def detail_for_student(opportunity: Opportunity, student) -> dict:
    """What a student sees on a posting's page: their application, or the form to apply
    (registered on ``opportunities.hooks.detail_context``)."""
    application = application_to(opportunity, student)
    # A blank form's fields are the same for every student: rendered once per worker
    # (the page adds the browser's CSRF token). Blank: never filled from the request,
    # which on a failed application holds one student's cover letter.
    fields = (None if application is not None else rendered_once(
        "applications/_apply_fields.html", key=("blank",),
        given=lambda: {"form": ApplicationForm(formdata=None, meta={"csrf": False})}))
    return {"apply_form": None, "apply_fields": fields, "application": application}


# A student's applications, by posting, are kept per worker while the change feed hears
# nothing of the student (``core.changes``), up to this many; past it, or without a live
# feed, a posting's page asks for its own.
APPLICATIONS_KEPT = 500


def application_to(opportunity: Opportunity, student) -> Application | None:
    """The student's application to ``opportunity``, if any."""
    every = kept_while_live("applied_cache", student.id, (user_topic(student.id),),
                            lambda: _every_application(student.id))
    if every is not None:
        kept = every.get(opportunity.id)
        return (None if kept is None
                else in_session(kept) or db.session.get(Application, kept.columns["id"]))
    return db.session.scalar(sa.select(Application).where(
        Application.opportunity_id == opportunity.id, Application.student_id == student.id))


def _every_application(student_id: int) -> dict[int, Snapshot] | None:
    rows = db.session.scalars(sa.select(Application).where(
        Application.student_id == student_id).limit(APPLICATIONS_KEPT + 1)).all()
    if len(rows) > APPLICATIONS_KEPT:
        return None
    return {row.opportunity_id: snapshot(row) for row in rows}


@bp.route("/opportunities/<int:opportunity_id>/apply", methods=["POST"])
@role_required(Role.STUDENT)
def apply_to_opportunity(opportunity_id: int):
    opportunity = db.session.get(Opportunity, opportunity_id)
    if opportunity is None or not can_view_opportunity(current_user, opportunity):
        abort(404)  # a student sees public postings open to their school only
    form = ApplicationForm()
    status = 422
    if form.validate_on_submit():
        try:
            application = apply(opportunity, current_user, form.cover_letter.data,
                                form.resume.data)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
            if isinstance(error, StorageUnavailable):
                status = 503  # nothing wrong with what was sent: the same form, again
        else:
            flash("Application sent. You can follow it here.", "success")
            return redirect(url_for("applications.show_own_application",
                                    application_id=application.id))
    return render_detail(opportunity, apply_form=form, apply_fields=None, application=None), status


@bp.route("/staff/access-log")
@role_required(Role.STAFF)
def access_log():
    page = max(1, min(request.args.get("page", 1, type=int), 10_000))
    each = request.args.get("view") == "entries"
    # A school's staff read the looks at their school's students' records only.
    scope = students_in_scope(current_user, RecordAccess.student_id)
    if each:  # every single view, as logged
        rows = db.session.scalars(
            sa.select(RecordAccess).where(scope)
            .options(sa.orm.joinedload(RecordAccess.viewer))
            .order_by(RecordAccess.id.desc()).offset((page - 1) * 100).limit(101)).all()
        has_next, rows = len(rows) > 100, rows[:100]
    else:  # one line per person and application, with how often and when last
        rows, has_next = access_log_page(page, scope=scope)
    students = {user.id: user for user in db.session.scalars(sa.select(User).where(
        User.id.in_({row.student_id for row in rows})))} if rows else {}
    lists = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.action == "applications.listed")
        .options(sa.orm.joinedload(AuditEntry.actor))
        .order_by(AuditEntry.id.desc()).limit(50)).all() if page == 1 else []
    return render_template("applications/access_log.html", rows=rows, students=students,
                           page=page, has_next=has_next, lists=listed_applications(lists),
                           each=each)


def listed_applications(entries: list[AuditEntry]) -> list[tuple[AuditEntry, list[int]]]:
    """Each API read of a list with the applications on it that this staff member may
    see (a school's staff: their school's students'); a read of none of those is left
    out. One query, for a school's staff only."""
    listed = [(entry, list((entry.details or {}).get("application_ids") or []))
              for entry in entries]
    if staff_school_limit(current_user) is None:
        return listed
    ids = {application_id for _, ids in listed for application_id in ids}
    seen = set(db.session.scalars(sa.select(Application.id).where(
        Application.id.in_(ids), students_in_scope(current_user, Application.student_id)))
    ) if ids else set()
    kept = [(entry, [i for i in ids if i in seen]) for entry, ids in listed]
    return [(entry, ids) for entry, ids in kept if ids]


@bp.route("/staff/applications")
@role_required(Role.STAFF)
def list_applications():
    status = request.args.get("status", "")
    statement = sa.select(Application).options(
        sa.orm.joinedload(Application.student),
        sa.orm.joinedload(Application.opportunity).joinedload(Opportunity.organization),
    ).where(students_in_scope(current_user, Application.student_id)
            ).order_by(Application.id.desc()).limit(200)
    if status in {s.value for s in ApplicationStatus}:
        statement = statement.where(Application.status == status)
    else:
        status = ""
    return render_template("applications/staff_list.html", applications=db.session.scalars(
        statement).unique().all(), status=status, statuses=list(ApplicationStatus))


@bp.route("/students/applications")
@role_required(Role.STUDENT)
def list_own_applications():
    applications = db.session.scalars(
        sa.select(Application).where(Application.student_id == current_user.id)
        .options(joinedload(Application.opportunity).joinedload(Opportunity.organization))
        .order_by(Application.created_at.desc())).all()
    return render_template("applications/student_list.html", applications=applications,
                           views=views_of_student(current_user.id),
                           titles={a.id: a.opportunity.title for a in applications})


def _student_application(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or application.student_id != current_user.id:
        abort(404)
    return application


@bp.route("/students/applications/<int:application_id>")
@role_required(Role.STUDENT)
def show_own_application(application_id: int):
    application = _student_application(application_id)
    # Staff who opened the student's page of records saw this application there too.
    views = sorted(views_by_viewer(application) + profile_views(application.student_id),
                   key=lambda line: line.last, reverse=True)
    placement = db.session.scalar(sa.select(Placement).where(
        Placement.application_id == application.id))
    return render_template("applications/student_application.html", application=application,
                           views=views,
                           moves=allowed_moves(application, current_user),
                           form=ApplicationActionForm(), placement=placement,
                           reflection_form=ReflectionForm(reflection=placement.reflection
                                                          if placement else None))


@bp.route("/students/placements/<int:placement_id>/reflection", methods=["POST"])
@role_required(Role.STUDENT)
def save_placement_reflection(placement_id: int):
    placement = db.session.get(Placement, placement_id)
    if placement is None or placement.student_id != current_user.id:
        abort(404)
    form = ReflectionForm()
    if form.validate_on_submit():
        try:
            add_reflection(placement, current_user, form.reflection.data)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            flash("Reflection saved.", "success")
    else:
        flash("Write a few words (at most 4,000 characters).", "error")
    return redirect(url_for("applications.show_own_application",
                            application_id=placement.application_id))


STUDENT_ACTIONS = {"accept": ApplicationStatus.HIRED, "decline": ApplicationStatus.OFFER_DECLINED,
                   "withdraw": ApplicationStatus.WITHDRAWN}


@bp.route("/students/applications/<int:application_id>/<action>", methods=["POST"])
@role_required(Role.STUDENT)
def act_on_application(application_id: int, action: str):
    if action not in STUDENT_ACTIONS:
        abort(404)
    _student_application(application_id)
    if not ApplicationActionForm().validate_on_submit():
        abort(400)
    try:
        move_application(application_id, STUDENT_ACTIONS[action], current_user)
        db.session.commit()
    except DomainError as error:
        show_domain_error(None, error)
    else:
        flash({"accept": "Congratulations! You accepted the offer; your placement is set up.",
               "decline": "You declined the offer.",
               "withdraw": "Your application is withdrawn."}[action], "success")
    return redirect(url_for("applications.show_own_application", application_id=application_id))
