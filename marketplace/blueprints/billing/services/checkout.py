"""Checkout: opening the payment for a fee and the Stripe Checkout Session that authorizes it."""

from __future__ import annotations

import uuid

import sqlalchemy as sa
import stripe
from flask import current_app

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.billing.models import (
    FEATURED,
    Payment,
    PaymentStatus,
)
from marketplace.blueprints.billing.services.fees import (
    PaymentsUnavailable,
    client,
    fee_for,
    settings,
)
from marketplace.blueprints.opportunities.models import (
    Opportunity,
    OpportunityStatus,
)
from marketplace.core.errors import Conflict
from marketplace.core.extensions import db


def open_payment(opportunity: Opportunity, item: str) -> Payment | None:
    """A payment for this posting and item still in play (pending or authorized)."""
    return db.session.scalar(sa.select(Payment).where(
        Payment.opportunity_id == opportunity.id, Payment.item == item,
        Payment.status.in_([PaymentStatus.PENDING, PaymentStatus.AUTHORIZED]))
        .order_by(Payment.id.desc()).limit(1))


def start_checkout(opportunity: Opportunity, item: str, by: User, amount_cents: int) -> Payment:
    """Create (or resume) the Checkout Session for a fee. Commits the payment row and
    its idempotency key before calling Stripe, so nothing is lost if Stripe is down
    or its answer never arrives; raises PaymentsUnavailable then."""
    payment = open_payment(opportunity, item)
    if payment is not None and payment.status is PaymentStatus.AUTHORIZED:
        return payment
    if payment is not None and payment.amount_cents != amount_cents:
        payment.status = PaymentStatus.EXPIRED  # the fee changed: start afresh
        _expire_session(payment)
        payment = None
    if payment is None:
        payment = Payment(organization_id=opportunity.organization_id,
                          opportunity_id=opportunity.id, item=item, amount_cents=amount_cents,
                          currency=settings().currency, created_by_id=by.id,
                          idempotency_key=f"checkout-{uuid.uuid4().hex}")
        db.session.add(payment)
    db.session.commit()
    if payment.checkout_url and payment.checkout_session_id:
        return payment
    base = current_app.config["BASE_URL"]
    name = (f"Featured listing: {opportunity.title}" if item == FEATURED
            else f"Posting fee: {opportunity.title}")
    try:
        session = client().v1.checkout.sessions.create(params={
            "mode": "payment",
            "line_items": [{"quantity": 1, "price_data": {
                "currency": payment.currency, "unit_amount": payment.amount_cents,
                "product_data": {"name": name[:250]}}}],
            "payment_intent_data": {"capture_method": "manual", "metadata": {
                "payment_id": str(payment.id), "opportunity_id": str(opportunity.id)}},
            "metadata": {"payment_id": str(payment.id), "opportunity_id": str(opportunity.id),
                         "item": item},
            "client_reference_id": str(payment.id),
            "customer_email": by.email,
            "success_url": f"{base}/employers/billing?paid={payment.id}",
            "cancel_url": f"{base}/employers/opportunities",
        }, options={"idempotency_key": payment.idempotency_key})
    except stripe.StripeError as error:
        current_app.logger.warning("stripe: checkout for payment %s failed: %s", payment.id,
                                   error)
        payment.last_error = f"{type(error).__name__}: {error}"[:2000]
        if not isinstance(error, stripe.APIConnectionError):
            # Stripe answered (and keeps that answer for this key): the next try is a
            # new request. After a lost connection the same key finds Stripe's answer.
            payment.idempotency_key = f"checkout-{uuid.uuid4().hex}"
        db.session.commit()
        raise PaymentsUnavailable(
            "We could not reach our payment provider. Your posting is saved; try again in a "
            "few minutes.") from None
    payment.checkout_session_id = session.id
    payment.checkout_url = session.url
    payment.last_error = None
    db.session.flush()
    return payment


def _expire_session(payment: Payment) -> None:
    """Close a superseded checkout in Stripe, so an old tab cannot pay it."""
    if not payment.checkout_session_id:
        return
    try:
        client().v1.checkout.sessions.expire(payment.checkout_session_id)
    except stripe.StripeError as error:
        # Already completed or expired; a payment made on it anyway is released by
        # reconcile, which cancels any hold on a payment no longer pending.
        current_app.logger.info("stripe: expire %s: %s", payment.checkout_session_id, error)


def paid_for(opportunity: Opportunity) -> bool:
    """Whether a captured posting fee already covers this posting (and its kind)."""
    return db.session.scalar(sa.select(Payment.id).where(
        Payment.opportunity_id == opportunity.id, Payment.item == opportunity.kind.value,
        Payment.status == PaymentStatus.CAPTURED).limit(1)) is not None


def submit_with_fee(opportunity: Opportunity, by: User) -> Payment | None:
    """Called by submission: when a fee applies, hold the posting in awaiting_payment
    and return the payment whose checkout the employer must complete."""
    amount = fee_for(opportunity.kind.value, opportunity.organization.type)
    if amount <= 0 or paid_for(opportunity):
        return None
    payment = start_checkout(opportunity, opportunity.kind.value, by, amount)
    if payment.status is PaymentStatus.AUTHORIZED:
        return None  # already authorized (a resubmission): straight to review
    return payment


def buy_feature(opportunity: Opportunity, by: User) -> Payment:
    if opportunity.status is not OpportunityStatus.PUBLISHED:
        raise Conflict("Only a published posting can be featured.")
    amount = fee_for(FEATURED, opportunity.organization.type)
    if amount <= 0:
        raise Conflict("Featuring is not offered right now.")
    return start_checkout(opportunity, FEATURED, by, amount)


def checkout_url(opportunity: Opportunity) -> str | None:
    """Where the employer authorizes the fee of a posting awaiting it."""
    payment = open_payment(opportunity, opportunity.kind.value)
    return payment.checkout_url if payment else None


def employer_postings_context(organization) -> dict:
    feature = fee_for(FEATURED, organization.type)
    return {"feature_price": f"${feature / 100:,.2f}" if feature else None}
