"""A student's own outcomes: evidence toward each Career Learning Outcome, and next steps."""

from __future__ import annotations

from collections import defaultdict
from datetime import UTC, datetime

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user
from wtforms import (
    DateField,
    IntegerField,
    SelectField,
    StringField,
)
from wtforms.validators import DataRequired, Email, InputRequired, Length, NumberRange

from marketplace.blueprints.accounts.models import AlumniProfile, StudentProfile, User
from marketplace.blueprints.accounts.services import find_user_by_email, viewer_clusters
from marketplace.blueprints.opportunities.audience import student_school_id
from marketplace.blueprints.opportunities.browse import public_postings
from marketplace.blueprints.opportunities.models import Opportunity
from marketplace.blueprints.outcomes import (
    annual,
    charts,
    exports,
    imports,
    policies,
    reports,
)
from marketplace.blueprints.outcomes.models import ExportJob, ExportStatus
from marketplace.blueprints.outcomes.reviews import NEXT_OUTCOME_ORDER, split_reversed
from marketplace.blueprints.outcomes.services import evidence_for
from marketplace.blueprints.outcomes.spectrum import Stage, stage_for
from marketplace.core.changes import user_topic
from marketplace.core.clock import institution_today
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db
from marketplace.core.forms import Form, show_domain_error
from marketplace.core.kept import kept_fragment
from marketplace.core.policies import Role, role_required
from marketplace.core.reference import OUTCOMES

bp = Blueprint("outcomes", __name__)


@bp.route("/me/outcomes")
@role_required(Role.STUDENT)
def my_outcomes():
    # Kept until anything it shows changes: the student's evidence and other rows,
    # postings, mentors (and the day, which the stage rule's windows count from).
    content = kept_fragment(("my outcomes", current_user.id, institution_today()), (
        user_topic(current_user.id), "catalog", "mentoring", "rules"), _my_outcomes)
    return render_template("outcomes/mine.html", content=content)


def _my_outcomes() -> str:
    by_outcome = defaultdict(list)
    # A withdrawn approval keeps its row and gains a reversing one: shown apart, with why.
    counting, withdrawn = split_reversed(evidence_for(current_user.id))
    for row in counting:
        by_outcome[row.outcome].append(row)
    stage = stage_for(current_user.id)
    missing = [key for key in NEXT_OUTCOME_ORDER if not by_outcome.get(key)]
    clusters = list(viewer_clusters(current_user)) if current_user.student_profile else []
    suggestions = []
    mentors = []
    if clusters:
        suggestions = db.session.scalars(
            public_postings(student_school_id(current_user))
            .where(Opportunity.career_cluster.in_(clusters))
            .order_by(Opportunity.published_at.desc()).limit(5)).unique().all()
        mentors = db.session.scalars(
            sa.select(User).join(AlumniProfile).where(AlumniProfile.cluster.in_(clusters),
                                                      User.active.is_(True))
            .order_by(User.name).limit(5)).all()
    return render_template("outcomes/_mine.html", by_outcome=by_outcome, suggestions=suggestions,
                           mentors=mentors, clusters=clusters, withdrawn=withdrawn,
                           stage=stage, stages=list(Stage),
                           next_outcome=missing[0] if missing else None)


class RecordEvidenceForm(Form):
    email = StringField("Student's e-mail", validators=[
        DataRequired(message="Enter the student's e-mail."),
        Email(message="Enter an e-mail address."), Length(max=254)])
    outcome = SelectField("Outcome", choices=list(imports.STAFF_OUTCOMES.items()))
    occurred_on = DateField("Date", validators=[InputRequired(message="Enter the date.")])
    description = StringField("What the student did", validators=[
        DataRequired(message="Describe it in a few words."), Length(max=500)],
        description="For example: “Mock interview with career coach”.")


class ExportForm(Form):
    kind = SelectField("Export", choices=list(exports.EXPORT_KINDS.items()))


def filters(latest_class_first: bool = False, school_id: int | None = None
            ) -> tuple[int | None, str | None, str]:
    """The dashboard's URL filters, each falling back to its default when not understood.

    "all" (or anything that is not a year) is every student. With no class in the
    address at all, the dashboard (``latest_class_first``) opens on the latest class that
    has graduated (``reports.default_class``, of ``school_id``'s students when given);
    drill-downs and exports mean everyone.
    """
    if latest_class_first and "graduation_year" not in request.args:
        graduation_year = reports.default_class(school_id=school_id)
    else:
        graduation_year = reports.parse_year(request.args.get("graduation_year"))
    group_by = request.args.get("group_by", "first_generation")
    group_by = group_by if group_by in reports.GROUPS else None
    outcome = request.args.get("outcome", "experiential_learning")
    outcome = outcome if outcome in OUTCOMES else "experiential_learning"
    return graduation_year, group_by, outcome


def cohorts(school_id: int | None = None) -> list[int]:
    """The graduating classes to choose from (of one school's students, when given),
    newest first: one query."""
    low, high = db.session.execute(
        sa.select(sa.func.min(StudentProfile.graduation_year),
                  sa.func.max(StudentProfile.graduation_year))
        .where(reports.in_school(school_id))).one()
    return list(range(high, low - 1, -1)) if low is not None else []


def cohort_name(graduation_year: int | None, school: str | None = None) -> str:
    name = f"Class of {graduation_year}" if graduation_year else "All students"
    return f"{name}, {school}" if school else name


def school_scope() -> policies.SchoolScope:
    """Whose students this page counts: a school's staff their school's, district staff
    every school's or the one in ``?school=``."""
    return policies.school_scope(current_user, request.args.get("school", ""))


@bp.route("/staff/outcomes")
@role_required(Role.STAFF)
def outcomes_dashboard():
    scope = school_scope()
    graduation_year, group_by, outcome = filters(latest_class_first=True,
                                                 school_id=scope.school_id)
    trend_outcome = request.args.get("trend", outcome)
    trend_outcome = trend_outcome if trend_outcome in OUTCOMES else outcome
    view = reports.dashboard(graduation_year, group_by, school_id=scope.school_id)
    result = view.summary
    name = cohort_name(graduation_year, scope.name)
    overall_chart = charts.outcome_bars(result, f"{name}: share with evidence, by outcome")
    group_chart = heat = None
    if group_by:
        group_chart = charts.group_bars(
            result, outcome, f"{OUTCOMES[outcome]}: share with evidence by "
                             f"{reports.GROUPS[group_by].lower()}, {name}")
        heat = charts.heatmap(result)
    trend = charts.trend_chart(
        view.months, view.series, trend_outcome,
        f"{OUTCOMES[trend_outcome]}: share of {name} with evidence by each month's end")
    # A school's staff see the exports they made for their school, district staff all.
    recent = exports.recent_exports(None if scope.choices else scope.school_id,
                                    current_user.id)
    return render_template(
        "outcomes/dashboard.html", result=result, graduation_year=graduation_year,
        cohort_name=name, group_by=group_by, outcome=outcome, trend_outcome=trend_outcome,
        cohorts=cohorts(scope.school_id), groups=reports.GROUPS, outcomes=OUTCOMES,
        scope=scope,
        overall_chart=overall_chart, group_chart=group_chart, heat=heat, trend=trend,
        months=view.months, series=view.series,
        destination=view.destinations, with_doing=view.with_doing,
        without_doing=view.without_doing, graduated_through=view.graduated_through,
        graduated=graduation_year is None or graduation_year <= view.graduated_through,
        min_group=reports.MIN_GROUP, gap_points=reports.GAP_POINTS,
        export_form=ExportForm(), recent_exports=recent, export_kinds=exports.EXPORT_KINDS)


@bp.route("/staff/outcomes/students")
@role_required(Role.STAFF)
def outcome_students():
    scope = school_scope()
    graduation_year, _, _ = filters()
    group_by = request.args.get("group_by") or None
    if group_by is not None and group_by not in reports.GROUPS:
        abort(400, description="Unknown grouping.")
    outcome = request.args.get("outcome", "")
    if outcome not in OUTCOMES:
        abort(400, description="Unknown outcome.")
    has = request.args.get("has", "0") == "1"
    group = request.args.get("group", "")[:120]
    rows = reports.drill_down(graduation_year, group_by, group, outcome, has,
                              school_id=scope.school_id)
    title = (cohort_name(graduation_year, scope.name)
             + (f", {reports.GROUPS[group_by].lower()}: {reports.group_label(group_by, group)}"
                if group_by else "")
             + f", {'with' if has else 'no'} {OUTCOMES[outcome]} evidence"
             + ("" if has else " yet"))
    if request.args.get("format") == "csv":
        body = exports.rows_csv([["email", "name", "graduation_year", "major",
                                  "first_generation", "pell_eligible"]] + [
            [user.email, user.name, profile.graduation_year if profile else "",
             (profile.major or "") if profile else "",
             _flag(profile.first_generation if profile else None),
             _flag(profile.pell_eligible if profile else None)] for user, profile in rows])
        stamp = datetime.now(UTC).strftime("%Y%m%d")
        return body, 200, {"Content-Type": "text/csv; charset=utf-8",
                           "Content-Disposition":
                               f'attachment; filename="students-{outcome}-{stamp}.csv"'}
    args = {"graduation_year": graduation_year or "", "group_by": group_by or "",
            "group": group, "outcome": outcome, "has": int(has), "school": scope.chosen}
    return render_template("outcomes/students.html", rows=rows[:1000], total=len(rows),
                           title=title, args=args,
                           csv_url=url_for("outcomes.outcome_students", format="csv", **args))


def _flag(value: bool | None) -> str:
    return {True: "yes", False: "no"}.get(value, "")


@bp.route("/staff/outcomes/record", methods=["GET", "POST"])
@role_required(Role.STAFF)
def record_outcome_evidence():
    form = RecordEvidenceForm()
    if form.validate_on_submit():
        student = find_user_by_email(form.email.data)
        if not policies.can_record_for(current_user, student):
            # Another school's student is, for a school's staff, no student at all.
            form.email.errors = [*form.email.errors, "No student account has this e-mail."]
        elif form.occurred_on.data > datetime.now(UTC).date():
            form.occurred_on.errors = [*form.occurred_on.errors, "The date is in the future."]
        else:
            try:
                added = imports.record_staff_evidence(
                    student, form.outcome.data, form.occurred_on.data,
                    form.description.data.strip(), current_user)
                db.session.commit()
            except DomainError as error:
                show_domain_error(form, error)
            else:
                flash(f"Recorded {OUTCOMES[form.outcome.data]} for {student.name}." if added
                      else "That record already exists; nothing changed.", "success")
                return redirect(url_for("outcomes.record_outcome_evidence"))
    return render_template("outcomes/record.html", form=form), \
        422 if request.method == "POST" else 200


@bp.route("/staff/outcomes/exports", methods=["POST"])
@role_required(Role.STAFF)
def start_outcomes_export():
    form = ExportForm()
    graduation_year, _, _ = filters()
    if not form.validate_on_submit():
        abort(400, description="Choose what to export.")
    export = exports.start_export(form.kind.data, graduation_year, current_user,
                                  school_scope().school_id)
    db.session.commit()
    return redirect(url_for("outcomes.show_export", export_id=export.id))


def load_export(export_id: int) -> ExportJob:
    """The export, if this staff member may open it (a school's staff: their school's)."""
    export = db.session.get(ExportJob, export_id)
    if export is None or not policies.can_open_export(current_user, export):
        abort(404)
    return export


@bp.route("/staff/outcomes/exports/<int:export_id>")
@role_required(Role.STAFF)
def show_export(export_id: int):
    export = load_export(export_id)
    if export.kind == annual.REPORT_KIND:
        return render_template("outcomes/report_status.html", export=export)
    return render_template("outcomes/export.html", export=export, kinds=exports.EXPORT_KINDS)


@bp.route("/staff/outcomes/exports/<int:export_id>/status")
@role_required(Role.STAFF)
def export_status(export_id: int):
    export = load_export(export_id)
    return jsonify({"status": export.status.value, "progress": export.progress,
                    "rows": export.rows, "error": export.error,
                    "download": url_for("outcomes.download_export", export_id=export.id)
                    if export.status is ExportStatus.DONE else None})


@bp.route("/staff/outcomes/exports/<int:export_id>/download")
@role_required(Role.STAFF)
def download_export(export_id: int):
    export = load_export(export_id)
    handle = exports.open_export(export)
    if handle is None:
        abort(404)
    if export.kind == annual.REPORT_KIND:
        year = (export.params or {}).get("graduation_year")
        return send_file(handle, mimetype="application/pdf", as_attachment=True,
                         download_name=f"annual-report-class-of-{year}.pdf", max_age=0)
    return send_file(handle, mimetype="text/csv", as_attachment=True,
                     download_name=f"{export.kind}-{export.created_at:%Y%m%d-%H%M}.csv",
                     max_age=0)


class ReportPdfForm(Form):
    graduation_year = IntegerField("Graduating class", validators=[
        InputRequired(message="Choose a graduating class."),
        NumberRange(min=1900, max=2199, message="Choose a graduating class.")])


@bp.route("/staff/outcomes/report")
@role_required(Role.STAFF)
def annual_report():
    scope = school_scope()
    year = (reports.parse_year(request.args.get("graduation_year"))
            or reports.default_class(school_id=scope.school_id))
    report = annual.annual_report(year, school_id=scope.school_id) if year else None
    return render_template("outcomes/report.html", report=report,
                           cohorts=cohorts(scope.school_id), scope=scope,
                           pdf_form=ReportPdfForm(), min_group=reports.MIN_GROUP,
                           outcome_labels=OUTCOMES, group_labels=reports.GROUPS)


@bp.route("/staff/outcomes/report/pdf", methods=["POST"])
@role_required(Role.STAFF)
def start_report_pdf():
    form = ReportPdfForm()
    if not form.validate_on_submit():
        abort(400, description="Choose a graduating class.")
    export = annual.start_report_pdf(form.graduation_year.data, current_user,
                                     school_scope().school_id)
    db.session.commit()
    return redirect(url_for("outcomes.show_export", export_id=export.id))
