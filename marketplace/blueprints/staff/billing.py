"""Career staff: the fee table, every payment, refunds."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import BooleanField, IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from ...errors import DomainError
from ...extensions import db
from ...models import FEATURED, OpportunityKind, OrganizationType, Payment, Role
from ...policies import role_required
from ...services import payments
from ..fields import Form
from ..helpers import show_domain_error
from .views import bp

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


@bp.route("/billing", methods=["GET", "POST"])
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
                return redirect(url_for("staff.fee_settings"))
        else:
            flash("Some amounts are not understood; nothing was saved.", "error")
    return render_template("staff/billing.html", form=form, items=ITEM_LABELS, types=types,
                           values=values, errors=errors, stripe_ready=payments.stripe_ready()), \
        422 if request.method == "POST" else 200


@bp.route("/payments")
@role_required(Role.STAFF)
def list_payments():
    rows = db.session.scalars(sa.select(Payment).options(
        sa.orm.joinedload(Payment.opportunity), sa.orm.joinedload(Payment.organization))
        .order_by(Payment.id.desc()).limit(500)).all()
    return render_template("staff/payments.html", payments=rows, refund_form=RefundForm())


@bp.route("/payments/<int:payment_id>/refund", methods=["POST"])
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
    return redirect(url_for("staff.list_payments"))
