"""The employer's own pages: dashboard and organization profile."""

from __future__ import annotations

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_login import current_user

from ...errors import Conflict, DomainError
from ...extensions import db
from ...models import (
    FEATURED,
    Application,
    ApplicationStatus,
    Opportunity,
    OpportunityStatus,
    OrganizationType,
    Payment,
    PaymentStatus,
    Placement,
    Role,
)
from ...models.base import utcnow
from ...policies import can_edit_organization, can_view_application, role_required
from ...services import opportunities as postings
from ...services import payments
from ...services.applications import (
    allowed_moves,
    applicants_csv,
    complete_placement,
    decline_many,
    move_application,
    record_access,
    resume_path,
)
from ...services.payments import open_payment
from ...services.profiles import update_organization
from ..helpers import show_domain_error
from .forms import (
    ActionForm,
    BulkDeclineForm,
    CompletePlacementForm,
    MoveApplicationForm,
    OpportunityForm,
    OrganizationForm,
)

bp = Blueprint("employers", __name__)


@bp.route("/")
@role_required(Role.EMPLOYER)
def dashboard():
    return render_template("employers/dashboard.html", organization=current_user.organization)


@bp.route("/organization", methods=["GET", "POST"])
@role_required(Role.EMPLOYER)
def edit_organization():
    organization = current_user.organization
    if organization is None or not can_edit_organization(current_user, organization):
        abort(403)
    form = OrganizationForm(obj=organization, contact_name=current_user.name,
                            type=organization.type.value)
    if form.validate_on_submit():
        current_user.name = form.contact_name.data.strip()
        update_organization(organization, name=form.name.data, website=form.website.data,
                            type=OrganizationType(form.type.data))
        db.session.commit()
        flash("Organization profile saved.", "success")
        return redirect(url_for("employers.edit_organization"))
    return render_template("employers/organization.html", form=form, organization=organization)


@bp.route("/opportunities")
@role_required(Role.EMPLOYER)
def list_opportunities():
    organization = current_user.organization
    if organization is None:
        abort(403)
    rows = db.session.scalars(
        sa.select(Opportunity).where(Opportunity.organization_id == organization.id)
        .order_by(Opportunity.updated_at.desc(), Opportunity.id.desc())).all()
    feature = payments.fee_for(FEATURED, organization.type)
    return render_template("employers/opportunities.html", opportunities=rows,
                           organization=organization, action_form=ActionForm(),
                           feature_price=f"${feature / 100:,.2f}" if feature else None,
                           now=utcnow())


def _managed(opportunity_id: int) -> Opportunity:
    try:
        return postings.get_managed_opportunity(opportunity_id, current_user)
    except DomainError:
        abort(404)


@bp.route("/opportunities/new", methods=["GET", "POST"])
@role_required(Role.EMPLOYER)
def create_opportunity():
    organization = current_user.organization
    if organization is None:
        abort(403)
    form = OpportunityForm()
    if form.validate_on_submit():
        try:
            opportunity = postings.create_opportunity(organization, current_user, **form.values())
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            flash("Draft saved. Submit it for review when it is ready.", "success")
            return redirect(url_for("employers.edit_opportunity", opportunity_id=opportunity.id))
    return render_template("employers/opportunity_form.html", form=form, opportunity=None,
                           action_form=ActionForm())


@bp.route("/opportunities/<int:opportunity_id>/edit", methods=["GET", "POST"])
@role_required(Role.EMPLOYER)
def edit_opportunity(opportunity_id: int):
    opportunity = _managed(opportunity_id)
    form = OpportunityForm(obj=opportunity, kind=opportunity.kind.value,
                           work_mode=opportunity.work_mode.value,
                           skills=", ".join(opportunity.skills or []))
    if form.validate_on_submit():
        try:
            back_to_review = postings.update_opportunity(opportunity, current_user,
                                                         **form.values())
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            flash("Saved. The change to a live posting goes back to career staff for review."
                  if back_to_review else "Saved.", "success")
            return redirect(url_for("employers.edit_opportunity", opportunity_id=opportunity_id))
    return render_template("employers/opportunity_form.html", form=form, opportunity=opportunity,
                           action_form=ActionForm())


@bp.route("/opportunities/<int:opportunity_id>/<action>", methods=["POST"])
@role_required(Role.EMPLOYER)
def act_on_opportunity(opportunity_id: int, action: str):
    if action not in ("submit", "duplicate", "close"):
        abort(404)
    opportunity = _managed(opportunity_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        if action == "submit":
            status = postings.submit_opportunity(opportunity, current_user)
            if status is OpportunityStatus.AWAITING_PAYMENT:
                db.session.commit()
                payment = open_payment(opportunity, opportunity.kind.value)
                # To Stripe's checkout page: the fee is authorized now, charged only
                # when career staff approve the posting.
                return redirect(payment.checkout_url, code=303)
            message = ("Published: your organization is trusted, so it went live right away."
                       if status is OpportunityStatus.PUBLISHED else
                       "Submitted. Career staff review postings within a few working days.")
        elif action == "duplicate":
            opportunity = postings.duplicate_opportunity(opportunity, current_user)
            message = "Copied into a new draft. Set a new deadline before submitting."
        else:
            postings.close_opportunity(opportunity, current_user)
            message = "Closed: it no longer takes applications."
        db.session.commit()
    except DomainError as error:
        show_domain_error(None, error)
    else:
        flash(message, "success")
    if action == "duplicate":
        return redirect(url_for("employers.edit_opportunity", opportunity_id=opportunity.id))
    return redirect(url_for("employers.list_opportunities"))


@bp.route("/opportunities/<int:opportunity_id>/applicants")
@role_required(Role.EMPLOYER)
def list_applicants(opportunity_id: int):
    opportunity = _managed(opportunity_id)
    status = request.args.get("status", "")
    statement = sa.select(Application).where(Application.opportunity_id == opportunity.id) \
        .options(sa.orm.joinedload(Application.student)).order_by(Application.created_at)
    if status in {s.value for s in ApplicationStatus}:
        statement = statement.where(Application.status == status)
    else:
        status = ""
    applications = db.session.scalars(statement).all()
    return render_template("employers/applicants.html", opportunity=opportunity,
                           applications=applications, status=status,
                           statuses=list(ApplicationStatus), bulk_form=BulkDeclineForm())


@bp.route("/opportunities/<int:opportunity_id>/applicants.csv")
@role_required(Role.EMPLOYER)
def export_applicants(opportunity_id: int):
    opportunity = _managed(opportunity_id)
    body = applicants_csv(opportunity, current_user)
    db.session.commit()
    return body, 200, {"Content-Type": "text/csv; charset=utf-8",
                       "Content-Disposition": f'attachment; filename="applicants-'
                                              f'{opportunity.id}.csv"'}


@bp.route("/opportunities/<int:opportunity_id>/applicants/decline", methods=["POST"])
@role_required(Role.EMPLOYER)
def decline_applicants(opportunity_id: int):
    opportunity = _managed(opportunity_id)
    form = BulkDeclineForm()
    if not form.validate_on_submit() or not form.application_ids.data:
        flash("Tick the applicants to decline first.", "error")
        return redirect(url_for("employers.list_applicants", opportunity_id=opportunity.id))
    ids = db.session.scalars(sa.select(Application.id).where(
        Application.id.in_(form.application_ids.data),
        Application.opportunity_id == opportunity.id)).all()
    declined, problems = decline_many(list(ids), current_user, form.note.data)
    if declined:
        flash(f"Declined {declined} applicant{'s' if declined != 1 else ''}; each was told.",
              "success")
    for problem in problems:
        flash(problem, "error")
    return redirect(url_for("employers.list_applicants", opportunity_id=opportunity.id))


def _visible_application(application_id: int) -> Application:
    application = db.session.get(Application, application_id)
    if application is None or not can_view_application(current_user, application):
        abort(404)
    return application


@bp.route("/applications/<int:application_id>")
@role_required(Role.EMPLOYER, Role.STAFF)
def show_application(application_id: int):
    application = _visible_application(application_id)
    record_access(current_user, application, "application")
    db.session.commit()
    form = MoveApplicationForm()
    moves = allowed_moves(application, current_user)
    form.status.choices = [(value, label) for value, label in form.status.choices
                           if ApplicationStatus(value) in moves]
    placement = db.session.scalar(sa.select(Placement).where(
        Placement.application_id == application.id))
    return render_template("employers/application.html", application=application, form=form,
                           placement=placement, complete_form=CompletePlacementForm())


@bp.route("/applications/<int:application_id>/resume")
@role_required(Role.EMPLOYER, Role.STAFF)
def download_resume(application_id: int):
    application = _visible_application(application_id)
    path = resume_path(application)
    if path is None or not path.exists():
        abort(404)
    record_access(current_user, application, "resume")
    db.session.commit()
    return send_file(path, mimetype="application/pdf", as_attachment=True,
                     download_name=application.resume_filename or "resume.pdf")


@bp.route("/applications/<int:application_id>/move", methods=["POST"])
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
            if "confirm_over_positions" in error.fields:
                # Show the confirmation box on the page the employer comes back to.
                return redirect(url_for("employers.show_application",
                                        application_id=application_id, over=1))
        else:
            flash(f"Moved to {ApplicationStatus(form.status.data).label.lower()}; the student "
                  "has been told.", "success")
    else:
        flash("Choose a step from the list.", "error")
    return redirect(url_for("employers.show_application", application_id=application_id))


@bp.route("/placements/<int:placement_id>/complete", methods=["POST"])
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
                               form.comment.data)
            db.session.commit()
        except DomainError as error:
            show_domain_error(form, error)
        else:
            flash("Thank you: the placement is confirmed as completed, and it now counts "
                  "toward the student's career outcomes.", "success")
    else:
        details = "; ".join(f"{form[name].label.text}: {' '.join(errors)}"
                            for name, errors in form.errors.items() if name != "csrf_token")
        flash("Please check the completion details: " + (details or "the form had expired."),
              "error")
    return redirect(url_for("employers.show_application",
                            application_id=placement.application_id))


@bp.route("/opportunities/<int:opportunity_id>/pay", methods=["POST"])
@role_required(Role.EMPLOYER)
def pay_for_opportunity(opportunity_id: int):
    """Complete (or redo) the fee authorization of a posting waiting for payment."""
    opportunity = _managed(opportunity_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        if opportunity.status is not OpportunityStatus.AWAITING_PAYMENT:
            raise Conflict("This posting is not waiting for a payment.")
        amount = payments.fee_for(opportunity.kind.value, opportunity.organization.type)
        if amount <= 0:
            raise Conflict("No fee applies any more; submit the posting again.")
        payment = payments.start_checkout(opportunity, opportunity.kind.value, current_user,
                                          amount)
        db.session.commit()
    except DomainError as error:
        show_domain_error(None, error)
        return redirect(url_for("employers.list_opportunities"))
    if payment.status is PaymentStatus.AUTHORIZED:
        flash("The fee is already authorized; the posting is with career staff.", "success")
        return redirect(url_for("employers.billing"))
    return redirect(payment.checkout_url, code=303)


@bp.route("/opportunities/<int:opportunity_id>/feature", methods=["POST"])
@role_required(Role.EMPLOYER)
def feature_opportunity(opportunity_id: int):
    """Buy the featured upgrade for a published posting (Stripe Checkout)."""
    opportunity = _managed(opportunity_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        payment = payments.buy_feature(opportunity, current_user)
        db.session.commit()
    except DomainError as error:
        show_domain_error(None, error)
        return redirect(url_for("employers.list_opportunities"))
    return redirect(payment.checkout_url, code=303)


@bp.route("/billing")
@role_required(Role.EMPLOYER)
def billing():
    organization = current_user.organization
    if organization is None:
        abort(403)
    returned = request.args.get("paid", type=int)
    if returned is not None and not 0 < returned < 2**31:
        returned = None
    if returned:
        # Back from Stripe's checkout: ask Stripe now rather than wait for the webhook.
        payment = db.session.get(Payment, returned)
        if payment is not None and payment.organization_id == organization.id \
                and payment.status is PaymentStatus.PENDING:
            try:
                payments.reconcile(payment.id)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - the webhook will catch up
                db.session.rollback()
                current_app.logger.warning("billing: reconcile %s: %s", returned, error)
    rows = db.session.scalars(sa.select(Payment).where(
        Payment.organization_id == organization.id)
        .options(sa.orm.joinedload(Payment.opportunity))
        .order_by(Payment.id.desc()).limit(500)).all()
    return render_template("employers/billing.html", payments=rows, organization=organization,
                           returned=returned)
