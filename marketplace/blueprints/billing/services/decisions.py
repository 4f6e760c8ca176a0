"""Staff decisions on fees: capture on approval, release on rejection, refunds."""

from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
import stripe

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.billing.models import (
    FEATURED,
    Payment,
    PaymentStatus,
)
from marketplace.blueprints.billing.services.events import record_capture
from marketplace.blueprints.billing.services.fees import client
from marketplace.blueprints.opportunities.models import (
    Opportunity,
)
from marketplace.core.audit import audit
from marketplace.core.db import lock_row, utcnow
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.outbox import enqueue_after_commit

EXPIRING_SOON = timedelta(days=2)


def authorized_payments(opportunity_ids: list[int]) -> dict[int, Payment]:
    """The authorized posting fee of each of these postings that has one (one query)."""
    if not opportunity_ids:
        return {}
    rows = db.session.scalars(sa.select(Payment).where(
        Payment.opportunity_id.in_(opportunity_ids), Payment.item != FEATURED,
        Payment.status == PaymentStatus.AUTHORIZED).order_by(Payment.id))
    return {payment.opportunity_id: payment for payment in rows}  # the newest wins


def authorized_payment(opportunity_id: int) -> Payment | None:
    return authorized_payments([opportunity_id]).get(opportunity_id)


def on_decision(opportunity: Opportunity, approved: bool) -> None:
    """Approval captures the posting's authorized fee; rejection releases it. Both by jobs;
    a rejected fee is marked released at once (``released_at`` is set when Stripe has
    cancelled it), so a resubmission never reuses it."""
    payment = authorized_payment(opportunity.id)
    if payment is None:
        return
    if not approved:
        payment.status = PaymentStatus.RELEASED
    enqueue_after_commit("capture_payment" if approved else "release_payment", payment.id)


def capture(payment_id: int) -> str:
    """Take the authorized money. Once: the row is locked and Stripe gets an
    idempotency key per payment."""
    payment = lock_row(Payment, payment_id)
    if payment is None or payment.status is not PaymentStatus.AUTHORIZED:
        return "skipped"
    intent = client().v1.payment_intents.capture(
        payment.payment_intent_id, options={"idempotency_key": f"capture-{payment.id}"})
    record_capture(payment, intent)
    db.session.flush()
    return "captured"


def release(payment_id: int) -> str:
    """Cancel the authorization: the employer is never charged."""
    payment = lock_row(Payment, payment_id)
    if payment is None or payment.released_at is not None or payment.status not in (
            PaymentStatus.AUTHORIZED, PaymentStatus.RELEASED):
        return "skipped"
    try:
        client().v1.payment_intents.cancel(
            payment.payment_intent_id, options={"idempotency_key": f"release-{payment.id}"})
    except stripe.InvalidRequestError:
        # Already cancelled (it lapsed): what Stripe has now decides.
        intent = client().v1.payment_intents.retrieve(payment.payment_intent_id)
        if intent.status != "canceled":
            raise
    payment.status = PaymentStatus.RELEASED
    payment.released_at = utcnow()
    db.session.flush()
    return "released"


def refund(payment_id: int, by: User, reason: str) -> Payment:
    """Staff refund a captured payment, with a reason (audit-logged). Flushes; the
    refund itself goes to Stripe in a job."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give a reason for the refund.", {"reason": "Required."})
    if by.role.value != "staff":
        raise PermissionDenied("Only career staff refund payments.")
    payment = lock_row(Payment, payment_id)
    if payment is None:
        raise NotFound("No such payment.")
    if payment.status is not PaymentStatus.CAPTURED:
        raise Conflict(f"Only a captured payment can be refunded; this one is "
                       f"{payment.status.value}.")
    if payment.refund_reason:
        raise Conflict("A refund of this payment is already on its way.")
    payment.refund_reason = reason[:500]
    audit(by, "payment.refund_requested", payment.opportunity, reason=payment.refund_reason,
          payment_id=payment.id, amount_cents=payment.amount_cents)
    enqueue_after_commit("refund_payment", payment.id)
    db.session.flush()
    return payment


def send_refund(payment_id: int) -> str:
    payment = lock_row(Payment, payment_id)
    if payment is None or payment.status is not PaymentStatus.CAPTURED:
        return "skipped"
    client().v1.refunds.create(params={"payment_intent": payment.payment_intent_id},
                               options={"idempotency_key": f"refund-{payment.id}"})
    payment.status = PaymentStatus.REFUNDED
    payment.refunded_at = utcnow()
    db.session.flush()
    return "refunded"


def expiring_soon(payment: Payment | None) -> bool:
    return bool(payment and payment.authorization_expires_at
                and payment.authorization_expires_at - utcnow() < EXPIRING_SOON)


def review_order() -> list:
    """Postings whose fee authorization expires soonest come first in review."""
    expires = (sa.select(sa.func.min(Payment.authorization_expires_at))
               .where(Payment.opportunity_id == Opportunity.id,
                      Payment.status == PaymentStatus.AUTHORIZED)
               .correlate(Opportunity).scalar_subquery())
    return [expires.is_(None), expires]


def review_context(queue: list[Opportunity]) -> dict:
    return {"fees": authorized_payments([o.id for o in queue]), "expiring_soon": expiring_soon}
