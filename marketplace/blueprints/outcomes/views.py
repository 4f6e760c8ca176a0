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
from wtforms import DateField, FileField, SelectField, StringField
from wtforms.validators import DataRequired, Email, InputRequired, Length

from marketplace.blueprints.accounts.models import AlumniProfile, StudentProfile, User
from marketplace.blueprints.accounts.services import find_user_by_email
from marketplace.blueprints.opportunities.browse import public_postings
from marketplace.blueprints.opportunities.models import Opportunity
from marketplace.blueprints.outcomes import exports, imports, reports
from marketplace.blueprints.outcomes.models import ExportJob, ExportStatus
from marketplace.blueprints.outcomes.services import evidence_for
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db
from marketplace.core.forms import Form, show_domain_error
from marketplace.core.policies import Role, role_required
from marketplace.core.reference import OUTCOMES

bp = Blueprint("outcomes", __name__)


@bp.route("/me/outcomes")
@role_required(Role.STUDENT)
def my_outcomes():
    by_outcome = defaultdict(list)
    for row in evidence_for(current_user.id):
        by_outcome[row.outcome].append(row)
    clusters = current_user.student_profile.clusters if current_user.student_profile else []
    suggestions = []
    mentors = []
    if clusters:

        suggestions = db.session.scalars(
            public_postings().where(Opportunity.career_cluster.in_(clusters))
            .order_by(Opportunity.published_at.desc()).limit(5)).unique().all()
        mentors = db.session.scalars(
            sa.select(User).join(AlumniProfile).where(AlumniProfile.cluster.in_(clusters),
                                                      User.active.is_(True))
            .order_by(User.name).limit(5)).all()
    return render_template("outcomes/mine.html", by_outcome=by_outcome, suggestions=suggestions,
                           mentors=mentors, clusters=clusters)


CHART_COLORS = ["#0b5563", "#b4530a", "#5b3f8c", "#2f6b2f", "#a1264a", "#44546a"]


class RecordEvidenceForm(Form):
    email = StringField("Student's e-mail", validators=[
        DataRequired(message="Enter the student's e-mail."),
        Email(message="Enter an e-mail address."), Length(max=254)])
    outcome = SelectField("Outcome", choices=list(imports.STAFF_OUTCOMES.items()))
    occurred_on = DateField("Date", validators=[InputRequired(message="Enter the date.")])
    description = StringField("What the student did", validators=[
        DataRequired(message="Describe it in a few words."), Length(max=500)],
        description="For example: “Mock interview with career coach”.")


class ImportForm(Form):
    kind = SelectField("What the file holds", choices=list(imports.KINDS.items()))
    file = FileField("CSV file", description="UTF-8, at most 2 MB, with a header line.")


class ExportForm(Form):
    kind = SelectField("Export", choices=list(exports.EXPORT_KINDS.items()))


def filters() -> tuple[int | None, str | None, str]:
    """The dashboard's URL filters, each falling back to its default when not understood."""
    graduation_year = reports.parse_year(request.args.get("graduation_year"))
    group_by = request.args.get("group_by", "first_generation")
    group_by = group_by if group_by in reports.GROUPS else None
    outcome = request.args.get("outcome", "experiential_learning")
    outcome = outcome if outcome in OUTCOMES else "experiential_learning"
    return graduation_year, group_by, outcome


def cohorts() -> list[int]:
    """The graduating classes to choose from, newest first (two index look-ups)."""
    low, high = db.session.execute(sa.select(sa.func.min(StudentProfile.graduation_year),
                                             sa.func.max(StudentProfile.graduation_year))).one()
    return list(range(high, low - 1, -1)) if low is not None else []


def bars(items: list[tuple[str, float]], width: int = 560, row: int = 30) -> dict:
    """Geometry for a horizontal bar chart of (label, rate 0..1) rows."""
    label_width, plot = 210, width - 210 - 60
    return {"width": width, "height": row * len(items) + 24, "label_width": label_width,
            "ticks": [(label_width + plot * t / 100, t) for t in (0, 25, 50, 75, 100)],
            "rows": [{"y": 12 + index * row, "label": label, "rate": rate,
                      "x": label_width, "w": max(plot * rate, 1), "text_x":
                      label_width + plot * rate + 6} for index, (label, rate)
                     in enumerate(items)]}


def lines(labels: list[str], series: dict[str, list[float]], width: int = 640,
          height: int = 240) -> dict:
    """Geometry for the month-by-month trend: one polyline per outcome."""
    left, right, top, bottom = 44, 16, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    step = plot_w / max(len(labels) - 1, 1)
    return {"width": width, "height": height, "left": left, "top": top,
            "bottom": height - bottom, "right": width - right,
            "yticks": [(top + plot_h * (1 - t / 100), t) for t in (0, 25, 50, 75, 100)],
            "xticks": [(left + step * i, label) for i, label in enumerate(labels)
                       if i % 2 == len(labels) % 2 or len(labels) <= 6],
            "lines": [{"key": key, "label": OUTCOMES[key], "color": CHART_COLORS[n],
                       "dash": "" if n < 3 else "6 4",
                       "points": " ".join(f"{left + step * i:.1f},{top + plot_h * (1 - v):.1f}"
                                          for i, v in enumerate(values))}
                      for n, (key, values) in enumerate(series.items())]}


@bp.route("/staff/outcomes")
@role_required(Role.STAFF)
def outcomes_dashboard():
    graduation_year, group_by, outcome = filters()
    view = reports.dashboard(graduation_year, group_by)
    result = view.summary
    overall_chart = bars([(o.label, o.rate) for o in result.outcomes])
    group_chart = bars([(g.label, g.outcomes[outcome].rate) for g in result.groups]) \
        if group_by else None
    recent = db.session.scalars(sa.select(ExportJob).order_by(ExportJob.id.desc())
                                .limit(5)).all()
    return render_template(
        "outcomes/dashboard.html", result=result, graduation_year=graduation_year,
        group_by=group_by, outcome=outcome, cohorts=cohorts(), groups=reports.GROUPS,
        overall_chart=overall_chart, group_chart=group_chart,
        trend=lines(view.months, view.series), months=view.months, series=view.series,
        destination=view.destinations, with_doing=view.with_doing,
        without_doing=view.without_doing,
        gap_points=reports.GAP_POINTS, export_form=ExportForm(), recent_exports=recent)


@bp.route("/staff/outcomes/students")
@role_required(Role.STAFF)
def outcome_students():
    graduation_year, _, _ = filters()
    group_by = request.args.get("group_by") or None
    if group_by is not None and group_by not in reports.GROUPS:
        abort(400, description="Unknown grouping.")
    outcome = request.args.get("outcome", "")
    if outcome not in OUTCOMES:
        abort(400, description="Unknown outcome.")
    has = request.args.get("has", "0") == "1"
    group = request.args.get("group", "")[:120]
    rows = reports.drill_down(graduation_year, group_by, group, outcome, has)
    title = (f"{'Class of ' + str(graduation_year) if graduation_year else 'All students'}"
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
            "group": group, "outcome": outcome, "has": int(has)}
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
        if student is None or student.role is not Role.STUDENT:
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


@bp.route("/staff/outcomes/import", methods=["GET", "POST"])
@role_required(Role.STAFF)
def import_outcomes_csv():
    form = ImportForm()
    result = None
    if form.validate_on_submit():
        upload = request.files.get("file")
        data = upload.read(imports.MAX_BYTES + 1) if upload else b""
        try:
            result = imports.import_csv(form.kind.data, data, current_user)
            db.session.commit()
        except imports.ImportRefused as refused:
            db.session.rollback()
            result = refused.result
            flash(refused.message, "error")
        except DomainError as error:
            show_domain_error(form, error)
        else:
            flash(f"Imported {result.rows} rows: {result.created} new, {result.updated} "
                  f"updated, {result.unchanged} unchanged.", "success")
    status = 422 if request.method == "POST" and (form.errors or (result and result.errors)
                                                 or result is None) else 200
    return render_template("outcomes/import.html", form=form, result=result,
                           columns=imports.COLUMNS, kinds=imports.KINDS,
                           staff_outcomes=imports.STAFF_OUTCOMES), status


@bp.route("/staff/outcomes/exports", methods=["POST"])
@role_required(Role.STAFF)
def start_outcomes_export():
    form = ExportForm()
    graduation_year, _, _ = filters()
    if not form.validate_on_submit():
        abort(400, description="Choose what to export.")
    export = exports.start_export(form.kind.data, graduation_year, current_user)
    db.session.commit()
    return redirect(url_for("outcomes.show_export", export_id=export.id))


def load_export(export_id: int) -> ExportJob:
    export = db.session.get(ExportJob, export_id)
    if export is None:
        abort(404)
    return export


@bp.route("/staff/outcomes/exports/<int:export_id>")
@role_required(Role.STAFF)
def show_export(export_id: int):
    return render_template("outcomes/export.html", export=load_export(export_id),
                           kinds=exports.EXPORT_KINDS)


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
    return send_file(handle, mimetype="text/csv", as_attachment=True,
                     download_name=f"{export.kind}-{export.created_at:%Y%m%d-%H%M}.csv",
                     max_age=0)
