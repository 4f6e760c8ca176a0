"""marketplace.blueprints.ops.views."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_login import current_user

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.accounts.policies import students_in_scope
from marketplace.blueprints.applications.services import record_profile_access
from marketplace.blueprints.notifications.models import EmailDelivery
from marketplace.blueprints.ops import people
from marketplace.blueprints.ops.forms import RetryJobForm
from marketplace.blueprints.ops.policies import can_view_person
from marketplace.blueprints.ops.services import console_state, retry_failed_job
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db
from marketplace.core.forms import show_domain_error
from marketplace.core.policies import Role, public, role_required
from marketplace.core.queueing import queue_health

bp = Blueprint("ops", __name__)


@bp.route("/ping")
@public
def ping():
    """Liveness only (no database, no queue): for load balancers and as a speed baseline."""
    return "pong", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/healthz")
@public
def healthz():
    """``{"database": "ok", "queue": "ok" | "inline"}``; 503 when a part is down."""
    body: dict[str, str] = {}
    healthy = True
    try:
        db.session.execute(sa.text("SELECT 1"))
        body["database"] = "ok"
    except Exception as error:  # any failure means "down"; the detail goes to the log
        current_app.logger.warning("health check: database: %s", error)
        db.session.rollback()
        body["database"] = "error"
        healthy = False

    body["queue"] = queue_health()
    healthy = healthy and body["queue"] in ("ok", "inline")
    return jsonify(body), 200 if healthy else 503


@bp.route("/staff/jobs")
@role_required(Role.STAFF)
def job_console():
    return render_template("ops/jobs.html", state=console_state(), retry_form=RetryJobForm())


@bp.route("/staff/jobs/retry", methods=["POST"])
@role_required(Role.STAFF)
def retry_job():
    form = RetryJobForm()
    if form.validate_on_submit():
        try:
            retry_failed_job(form.job_id.data)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            flash(f"Job {form.job_id.data} sent to run again.", "success")
    else:
        flash("Choose a job to retry.", "error")
    return redirect(url_for("ops.job_console"))


EMAILS_PER_PAGE = 50


@bp.route("/staff/emails")
@role_required(Role.STAFF)
def email_log():
    page = request.args.get("page", 1, type=int)
    page = max(1, min(page, 10_000))
    # A school's staff read what went to their school's students only (not to guardians,
    # hosts or other schools' students).
    deliveries = db.session.scalars(
        sa.select(EmailDelivery).where(students_in_scope(current_user, EmailDelivery.user_id))
        .order_by(EmailDelivery.id.desc())
        .offset((page - 1) * EMAILS_PER_PAGE).limit(EMAILS_PER_PAGE + 1)).all()
    return render_template("ops/emails.html", deliveries=deliveries[:EMAILS_PER_PAGE],
                           page=page, has_next=len(deliveries) > EMAILS_PER_PAGE)


@bp.route("/staff/people")
@role_required(Role.STAFF)
def search_people():
    q = request.args.get("q", "")[:200].strip()
    role = request.args.get("role", "")
    if role not in {r.value for r in people.SEARCHED_ROLES}:
        role = ""
    page = max(1, min(request.args.get("page", 1, type=int), 1_000))
    results = people.search_people(q, Role(role) if role else None, page,
                                   scope=students_in_scope(current_user, User.id))
    return render_template("ops/people.html", q=q, role=role, results=results,
                           roles=people.SEARCHED_ROLES)


@bp.route("/staff/people/<int:user_id>")
@role_required(Role.STAFF)
def show_person(user_id: int):
    person = people.find_person(user_id)
    if not can_view_person(current_user, person):
        abort(404)
    if person.role is Role.STUDENT:
        # Staff reading a student's whole record is logged like opening their application.
        record_profile_access(current_user, person)
        db.session.commit()
    return render_template("ops/person.html", person=person,
                           records=people.person_records(person, current_user))
