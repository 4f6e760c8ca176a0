"""``POST /stripe/webhook``: Stripe's events, verified, stored once, processed later."""

from __future__ import annotations

import re

import sqlalchemy as sa
import stripe
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
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from marketplace.blueprints.accounts.models import OrganizationType
from marketplace.blueprints.billing import services as payments
from marketplace.blueprints.billing.models import FEATURED, Payment, PaymentStatus
from marketplace.blueprints.billing.services import (
    WebhookNotConfigured,
    receive_event,
)
from marketplace.blueprints.opportunities.forms import ActionForm
from marketplace.blueprints.opportunities.models import (
    OpportunityKind,
    OpportunityStatus,
)
from marketplace.blueprints.opportunities.views import managed_opportunity
from marketplace.core.errors import Conflict, DomainError
from marketplace.core.extensions import db
from marketplace.core.forms import Form, show_domain_error
from marketplace.core.policies import Role, public, role_required

bp = Blueprint("billing", __name__)


@bp.route("/stripe/webhook", methods=["POST"])
@public
def stripe_webhook():
    """Answer fast: verify the signature on the raw body, store the event id (unique)
    with the outbox row that processes it, and return. A bad or missing signature is a
    400 and changes nothing; a repeated event is a 200 that changes nothing."""
    payload = request.get_data(cache=False)
    signature = request.headers.get("Stripe-Signature")
    if not signature:
        return jsonify({"error": {"code": "bad_signature",
                                  "message": "The event is not signed."}}), 400
    try:
        fresh = receive_event(payload, signature)
    except WebhookNotConfigured as error:
        db.session.rollback()
        current_app.logger.error("stripe webhook: %s; events cannot be verified", error)
        return jsonify({"error": {"code": "not_configured",
                                  "message": "Webhooks are not configured."}}), 503
    except (ValueError, stripe.SignatureVerificationError) as error:
        db.session.rollback()
        current_app.logger.warning("stripe webhook refused: %s", error)
        return jsonify({"error": {"code": "bad_signature",
                                  "message": "The event could not be verified."}}), 400
    db.session.commit()
    return jsonify({"received": True, "duplicate": not fresh}), 200


@bp.route("/employers/opportunities/<int:opportunity_id>/pay", methods=["POST"])
@role_required(Role.EMPLOYER)
def pay_for_opportunity(opportunity_id: int):
    """Complete (or redo) the fee authorization of a posting waiting for payment."""
    opportunity = managed_opportunity(opportunity_id)
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
        return redirect(url_for("opportunities.list_own_opportunities"))
    if payment.status is PaymentStatus.AUTHORIZED:
        flash("The fee is already authorized; the posting is with career staff.", "success")
        return redirect(url_for("billing.billing"))
    return redirect(payment.checkout_url, code=303)


@bp.route("/employers/opportunities/<int:opportunity_id>/feature", methods=["POST"])
@role_required(Role.EMPLOYER)
def feature_opportunity(opportunity_id: int):
    """Buy the featured upgrade for a published posting (Stripe Checkout)."""
    opportunity = managed_opportunity(opportunity_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        payment = payments.buy_feature(opportunity, current_user)
        db.session.commit()
    except DomainError as error:
        show_domain_error(None, error)
        return redirect(url_for("opportunities.list_own_opportunities"))
    return redirect(payment.checkout_url, code=303)


@bp.route("/employers/billing")
@role_required(Role.EMPLOYER)
def billing():
    organization = current_user.organization
    if organization is None:
        abort(403)
    returned = request.args.get("paid", type=int)
    if returned is not None and not 0 < returned < 2**31:
        returned = None
    if returned:
        # Back from Stripe's checkout (a GET, by Stripe's design): ask Stripe about this
        # one payment now rather than leave the page stale until the webhook arrives.
        try:
            if payments.confirm_checkout_return(returned, organization.id):
                db.session.commit()
        except (stripe.StripeError, payments.PaymentsUnavailable) as error:
            db.session.rollback()  # the webhook, or the periodic reconciliation, catches up
            current_app.logger.warning("billing: reconcile %s: %s", returned, error)
    rows = db.session.scalars(sa.select(Payment).where(
        Payment.organization_id == organization.id)
        .options(sa.orm.joinedload(Payment.opportunity))
        .order_by(Payment.id.desc()).limit(500)).all()
    return render_template("billing/employer.html", payments=rows, organization=organization,
                           returned=returned)


ITEM_LABELS = {**{kind.value: kind.label for kind in OpportunityKind},
               FEATURED: "Featured upgrade"}


MONEY = re.compile(r"^\$?\s*(\d{1,6})(?:\.(\d{1,2}))?$")


class FeesForm(Form):
    fees_enabled = BooleanField("Charge these fees")
    featured_days = IntegerField("A feature lasts (days)", default=14, validators=[
        InputRequired(message="Enter a number of days."),
        NumberRange(1, 90, message="Between 1 and 90 days.")])


class RefundForm(Form):
    reason = StringField("Reason", validators=[
        DataRequired(message="Give a reason for the refund."), Length(max=500)])


def cents(text: str) -> int | None:
    """Dollars as typed ("25", "25.5", "$1,200.00") to cents; None if not money."""
    match = MONEY.match(text.strip().replace(",", "")) if text.strip() else MONEY.match("0")
    if not match:
        return None
    return int(match.group(1)) * 100 + int((match.group(2) or "0").ljust(2, "0"))


@bp.route("/staff/billing", methods=["GET", "POST"])
@role_required(Role.STAFF)
def fee_settings():
    settings = payments.settings()
    form = FeesForm(obj=settings)
    table = payments.fee_table()
    types = [t.value for t in OrganizationType]
    values = {f"fee-{item}-{kind}": request.form.get(f"fee-{item}-{kind}", "")
              if request.method == "POST" else f"{table.get((item, kind), 0) / 100:.2f}"
              for item in ITEM_LABELS for kind in types}
    errors: dict[str, str] = {}
    if form.validate_on_submit():
        amounts = {}
        for item in ITEM_LABELS:
            for kind in types:
                amount = cents(values[f"fee-{item}-{kind}"])
                if amount is None or amount > 10_000_000:
                    errors[f"fee-{item}-{kind}"] = "Enter an amount like 25 or 25.00."
                else:
                    amounts[(item, kind)] = amount
        if not errors:
            try:
                payments.update_fees(current_user, amounts, form.fees_enabled.data,
                                     form.featured_days.data)
                db.session.commit()
            except DomainError as error:
                show_domain_error(form, error)
            else:
                flash("Fees saved.", "success")
                return redirect(url_for("billing.fee_settings"))
        else:
            flash("Some amounts are not understood; nothing was saved.", "error")
    return render_template("billing/fees.html", form=form, items=ITEM_LABELS, types=types,
                           values=values, errors=errors, stripe_ready=payments.stripe_ready()), \
        422 if request.method == "POST" else 200


@bp.route("/staff/payments")
@role_required(Role.STAFF)
def list_payments():
    rows = db.session.scalars(sa.select(Payment).options(
        sa.orm.joinedload(Payment.opportunity), sa.orm.joinedload(Payment.organization))
        .order_by(Payment.id.desc()).limit(500)).all()
    return render_template("billing/payments.html", payments=rows, refund_form=RefundForm())


@bp.route("/staff/payments/<int:payment_id>/refund", methods=["POST"])
@role_required(Role.STAFF)
def refund_payment(payment_id: int):
    form = RefundForm()
    if form.validate_on_submit():
        try:
            payments.refund(payment_id, current_user, form.reason.data)
            db.session.commit()
            flash("Refund requested: Stripe returns the money to the card in a few days.",
                  "success")
        except DomainError as error:
            show_domain_error(None, error)
    else:
        for messages in form.errors.values():
            flash(" ".join(messages), "error")
    return redirect(url_for("billing.list_payments"))
