"""Career staff's pages: dashboard and user management."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...errors import DomainError
from ...extensions import db
from ...models import EmailDelivery, Organization, OrganizationStatus, Role, User
from ...policies import role_required
from ...services.accounts import create_user
from ...services.jobs import console_state, retry_failed_job
from ..helpers import show_domain_error
from .forms import CreateUserForm, RetryJobForm

bp = Blueprint("staff", __name__)


@bp.route("/")
@role_required(Role.STAFF)
def dashboard():
    counts = dict(db.session.execute(
        sa.select(User.role, sa.func.count(User.id)).group_by(User.role)).all())
    pending_organizations = db.session.scalar(
        sa.select(sa.func.count(Organization.id)).where(
            Organization.status == OrganizationStatus.PENDING))
    return render_template("staff/dashboard.html", counts=counts,
                           pending_organizations=pending_organizations)


@bp.route("/users", methods=["GET", "POST"])
@role_required(Role.STAFF)
def manage_users():
    form = CreateUserForm()
    if form.validate_on_submit():
        try:
            user = create_user(form.email.data, form.name.data, Role(form.role.data),
                               form.password.data, organization_name=form.organization.data,
                               by=current_user)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            flash(f"Created {user.role.label.lower()} account for {user.email}. "
                  "Give them the temporary password privately; they can change it after "
                  "logging in.", "success")
            return redirect(url_for("staff.manage_users"))
    users = db.session.scalars(
        sa.select(User).where(User.role == Role.STAFF).order_by(User.name)).all()
    return render_template("staff/users.html", form=form, staff_users=users)


@bp.route("/jobs")
@role_required(Role.STAFF)
def job_console():
    return render_template("staff/jobs.html", state=console_state(), retry_form=RetryJobForm())


@bp.route("/jobs/retry", methods=["POST"])
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
    return redirect(url_for("staff.job_console"))


EMAILS_PER_PAGE = 50


@bp.route("/emails")
@role_required(Role.STAFF)
def email_log():
    page = request.args.get("page", 1, type=int)
    page = max(1, min(page, 10_000))
    deliveries = db.session.scalars(
        sa.select(EmailDelivery).order_by(EmailDelivery.id.desc())
        .offset((page - 1) * EMAILS_PER_PAGE).limit(EMAILS_PER_PAGE + 1)).all()
    return render_template("staff/emails.html", deliveries=deliveries[:EMAILS_PER_PAGE],
                           page=page, has_next=len(deliveries) > EMAILS_PER_PAGE)
