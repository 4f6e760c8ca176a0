"""Career staff's pages: dashboard and user management."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ...errors import DomainError
from ...extensions import db
from ...models import (
    Application,
    ApplicationStatus,
    EmailDelivery,
    Opportunity,
    Organization,
    OrganizationStatus,
    RecordAccess,
    Role,
    User,
)
from ...models.base import utcnow
from ...policies import role_required
from ...services import opportunities as postings
from ...services.accounts import create_user
from ...services.jobs import console_state, retry_failed_job
from ..helpers import show_domain_error
from .forms import (
    BulkApproveForm,
    CreateUserForm,
    DecisionForm,
    OrganizationDecisionForm,
    RetryJobForm,
)

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


@bp.route("/review")
@role_required(Role.STAFF)
def review_queue():
    queue = postings.review_queue()
    from ...services.payments import authorized_payments, expiring_soon

    fees = authorized_payments([o.id for o in queue])
    return render_template("staff/review.html", queue=queue, now=utcnow(), fees=fees,
                           expiring_soon=expiring_soon,
                           median_wait=postings.median_wait_this_month(),
                           decision_form=DecisionForm(), bulk_form=BulkApproveForm())


@bp.route("/review/<int:opportunity_id>/<decision>", methods=["POST"])
@role_required(Role.STAFF)
def decide_opportunity(opportunity_id: int, decision: str):
    if decision not in ("approve", "reject"):
        abort(404)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash("Please try again: the form had expired.", "error")
        return redirect(url_for("staff.review_queue"))
    try:
        if decision == "approve":
            opportunity = postings.approve_opportunity(opportunity_id, current_user)
        else:
            opportunity = postings.reject_opportunity(opportunity_id, current_user,
                                                      form.reason.data)
        db.session.commit()
    except DomainError as error:
        show_domain_error(None, error)
    else:
        flash(f"{'Approved' if decision == 'approve' else 'Rejected'}: {opportunity.title}.",
              "success")
    return redirect(url_for("staff.review_queue"))


@bp.route("/review/bulk-approve", methods=["POST"])
@role_required(Role.STAFF)
def bulk_approve():
    form = BulkApproveForm()
    if not form.validate_on_submit() or not form.opportunity_ids.data:
        flash("Tick the postings to approve first.", "error")
        return redirect(url_for("staff.review_queue"))
    approved, problems = [], []
    for opportunity_id in form.opportunity_ids.data[:200]:
        try:
            approved.append(postings.approve_opportunity(opportunity_id, current_user).title)
            db.session.commit()
        except DomainError as error:
            db.session.rollback()
            problems.append(error.message)
    if approved:
        flash(f"Approved {len(approved)} posting{'s' if len(approved) != 1 else ''}.", "success")
    for problem in problems:
        flash(problem, "error")
    return redirect(url_for("staff.review_queue"))


@bp.route("/organizations")
@role_required(Role.STAFF)
def list_organizations():
    status = request.args.get("status", "pending")
    statement = sa.select(Organization).order_by(Organization.created_at, Organization.id)
    if status in {s.value for s in OrganizationStatus}:
        statement = statement.where(Organization.status == status)
    else:
        status = "all"
    organizations = db.session.scalars(statement.limit(500)).all()
    return render_template("staff/organizations.html", organizations=organizations,
                           status=status, form=OrganizationDecisionForm())


@bp.route("/organizations/<int:organization_id>/<action>", methods=["POST"])
@role_required(Role.STAFF)
def decide_organization(organization_id: int, action: str):
    if action not in ("verify", "suspend", "trust", "untrust"):
        abort(404)
    organization = db.session.get(Organization, organization_id)
    if organization is None:
        abort(404)
    form = OrganizationDecisionForm()
    if not form.validate_on_submit():
        flash("Please try again: the form had expired.", "error")
        return redirect(url_for("staff.list_organizations"))
    try:
        if action == "verify":
            postings.set_organization_status(organization, OrganizationStatus.VERIFIED,
                                             current_user, form.reason.data)
        elif action == "suspend":
            postings.set_organization_status(organization, OrganizationStatus.SUSPENDED,
                                             current_user, form.reason.data)
        else:
            postings.set_organization_trusted(organization, action == "trust", current_user)
        db.session.commit()
    except DomainError as error:
        show_domain_error(None, error)
    else:
        flash(f"{organization.name}: {action} done.", "success")
    return redirect(request.referrer if request.referrer and request.referrer.startswith(
        request.host_url) else url_for("staff.list_organizations"))


@bp.route("/access-log")
@role_required(Role.STAFF)
def access_log():
    page = max(1, min(request.args.get("page", 1, type=int), 10_000))
    rows = db.session.scalars(
        sa.select(RecordAccess).options(sa.orm.joinedload(RecordAccess.viewer))
        .order_by(RecordAccess.id.desc()).offset((page - 1) * 100).limit(101)).all()
    students = {user.id: user for user in db.session.scalars(sa.select(User).where(
        User.id.in_({row.student_id for row in rows})))} if rows else {}
    return render_template("staff/access_log.html", rows=rows[:100], students=students,
                           page=page, has_next=len(rows) > 100)


@bp.route("/applications")
@role_required(Role.STAFF)
def list_applications():
    status = request.args.get("status", "")
    statement = sa.select(Application).options(
        sa.orm.joinedload(Application.student),
        sa.orm.joinedload(Application.opportunity).joinedload(Opportunity.organization),
    ).order_by(Application.id.desc()).limit(200)
    if status in {s.value for s in ApplicationStatus}:
        statement = statement.where(Application.status == status)
    else:
        status = ""
    return render_template("staff/applications.html", applications=db.session.scalars(
        statement).unique().all(), status=status, statuses=list(ApplicationStatus))


@bp.route("/mentoring")
@role_required(Role.STAFF)
def mentoring_overview():
    from ...models import Booking, BookingStatus, MentoringSlot, SlotStatus
    from ...services.mentoring import no_show_counts

    counts = dict(db.session.execute(sa.select(Booking.status, sa.func.count(Booking.id))
                                     .group_by(Booking.status)).all())
    open_slots = db.session.scalar(sa.select(sa.func.count(MentoringSlot.id)).where(
        MentoringSlot.status == SlotStatus.OPEN, MentoringSlot.starts_at > utcnow(),
        MentoringSlot.booked_count < MentoringSlot.capacity))
    mentors = db.session.scalar(sa.select(sa.func.count(sa.distinct(MentoringSlot.alumni_id))))
    return render_template("staff/mentoring.html", counts=counts, statuses=list(BookingStatus),
                           open_slots=open_slots, mentors=mentors,
                           repeat_no_shows=no_show_counts(minimum=2))
# These modules register their routes on bp.
from . import billing, outcomes  # noqa: E402,F401
