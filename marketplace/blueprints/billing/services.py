"""Employer fees through Stripe: authorize at submission, capture on approval.

The employer authorizes the fee in Stripe Checkout (manual capture) when they
submit a posting; the posting waits in ``awaiting_payment`` until Stripe says
the payment is authorized, then goes to review. Approval captures it, rejection
releases it: an employer never pays for a posting staff reject. Amounts come
from the fee table only.

Stripe's events are reconciled, not replayed: whatever event arrives, in any
order and any number of times, the job re-fetches the Checkout Session or
PaymentIntent from Stripe and moves the payment to what Stripe says now.
"""

from __future__ import annotations

import json
import uuid
from datetime import timedelta

import sqlalchemy as sa
import stripe
from flask import current_app

from marketplace.blueprints.accounts.models import OrganizationType, User
from marketplace.blueprints.billing.models import (
    FEATURED,
    BillingSettings,
    FeeRule,
    Payment,
    PaymentStatus,
    StripeEvent,
)
from marketplace.blueprints.notifications.services import notify
from marketplace.blueprints.opportunities import services as postings
from marketplace.blueprints.opportunities.models import (
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
)
from marketplace.core.audit import audit
from marketplace.core.db import lock_row, relock, utcnow
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from marketplace.core.extensions import db, insert_or_ignore
from marketplace.core.outbox import enqueue_after_commit

# Stripe keeps an online card authorization for seven days.
AUTHORIZATION_LIFETIME = timedelta(days=7)


EXPIRING_SOON = timedelta(days=2)


ITEMS = [kind.value for kind in OpportunityKind] + [FEATURED]


HANDLED_EVENTS = {
    "checkout.session.completed", "checkout.session.expired",
    "checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed",
    "payment_intent.canceled", "payment_intent.amount_capturable_updated",
    "payment_intent.succeeded", "charge.refunded", "charge.captured",
}


class WebhookNotConfigured(RuntimeError):
    """The server cannot verify Stripe's events: an operator must set the secret."""


class PaymentsUnavailable(Conflict):
    status = 503
    code = "payments_unavailable"


def stripe_ready() -> bool:
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def client() -> stripe.StripeClient:
    base = current_app.config.get("STRIPE_API_BASE")
    return stripe.StripeClient(
        current_app.config["STRIPE_SECRET_KEY"], max_network_retries=1,
        base_addresses={"api": base} if base else None)


def settings() -> BillingSettings:
    """The billing settings; until staff first save them, the defaults (not stored)."""
    return db.session.get(BillingSettings, 1) or BillingSettings(
        id=1, fees_enabled=False, featured_days=14, currency="usd")


def fees_active() -> bool:
    return stripe_ready() and settings().fees_enabled


def fee_table() -> dict[tuple[str, str], int]:
    return {(rule.item, rule.organization_type): rule.amount_cents
            for rule in db.session.scalars(sa.select(FeeRule))}


def fee_for(item: str, organization_type: OrganizationType) -> int:
    """The amount in cents, from the fee table only; 0 when fees are off."""
    if not fees_active():
        return 0
    return db.session.scalar(sa.select(FeeRule.amount_cents).where(
        FeeRule.item == item, FeeRule.organization_type == organization_type.value)) or 0


def update_fees(by: User, amounts: dict[tuple[str, str], int], fees_enabled: bool,
                featured_days: int) -> None:
    """Staff set the fee table. Fees cannot be switched on without Stripe. Flushes."""
    if fees_enabled and not stripe_ready():
        raise ValidationFailed("Fees cannot be switched on: STRIPE_SECRET_KEY is not set on "
                               "the server.", {"fees_enabled": "Stripe is not configured."})
    if not 1 <= featured_days <= 90:
        raise ValidationFailed("A feature lasts 1 to 90 days.",
                               {"featured_days": "Between 1 and 90."})
    existing = {(rule.item, rule.organization_type): rule
                for rule in db.session.scalars(sa.select(FeeRule))}
    for (item, organization_type), cents in amounts.items():
        if item not in ITEMS or organization_type not in {t.value for t in OrganizationType}:
            raise ValidationFailed("Unknown fee.", {})
        if not 0 <= cents <= 10_000_000:
            raise ValidationFailed("Fees are between $0 and $100,000.", {})
        rule = existing.get((item, organization_type))
        if rule is None:
            db.session.add(FeeRule(item=item, organization_type=organization_type,
                                   amount_cents=cents, updated_by_id=by.id))
        elif rule.amount_cents != cents:
            rule.amount_cents, rule.updated_by_id = cents, by.id
    row = db.session.get(BillingSettings, 1)
    if row is None:
        row = BillingSettings(id=1, currency="usd")
        db.session.add(row)
    row.fees_enabled, row.featured_days = fees_enabled, featured_days
    audit(by, "billing.fees_updated", subject_type="billing", subject_id=1,
          fees_enabled=fees_enabled, featured_days=featured_days,
          fees={f"{i}/{t}": c for (i, t), c in amounts.items()})
    db.session.flush()


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


def receive_event(payload: bytes, signature: str | None) -> bool:
    """Verify and store one Stripe event, queueing its processing. Returns False for a
    duplicate. Raises ValueError or stripe.SignatureVerificationError when forged."""
    secret = current_app.config.get("STRIPE_WEBHOOK_SECRET")
    if not secret:
        raise WebhookNotConfigured("STRIPE_WEBHOOK_SECRET is not set")
    stripe.Webhook.construct_event(payload, signature, secret)  # raises unless genuine
    event = json.loads(payload)
    if not isinstance(event, dict):
        raise ValueError("an event that is not a JSON object")
    event_id, event_type = event.get("id"), event.get("type")
    if not isinstance(event_id, str) or not isinstance(event_type, str):
        raise ValueError("an event without an id or a type")
    data = event.get("data")
    data_object = data.get("object") if isinstance(data, dict) else None
    object_id = data_object.get("id") if isinstance(data_object, dict) else None
    if object_id is not None and not isinstance(object_id, str):
        raise ValueError("an event whose object id is not text")
    statement = insert_or_ignore(StripeEvent).values(event_id=event_id[:255], type=event_type[:100],
                              object_id=object_id[:255] if object_id else None,
                              received_at=utcnow()).on_conflict_do_nothing(
        index_elements=["event_id"]).returning(StripeEvent.id)
    row = db.session.execute(statement).first()
    if row is None:
        # Seen before. If it was never processed (its job ran out of retries),
        # Stripe's redelivery queues it again; processing is once per event anyway.
        stale = db.session.scalar(sa.select(StripeEvent).where(
            StripeEvent.event_id == event_id[:255], StripeEvent.processed_at.is_(None),
            StripeEvent.received_at < utcnow() - timedelta(minutes=15)))
        if stale is not None and stale.type in HANDLED_EVENTS:
            enqueue_after_commit("process_stripe_event", stale.id)
        return False
    if event_type in HANDLED_EVENTS:
        enqueue_after_commit("process_stripe_event", row.id)
    return True


def process_event(event_row_id: int) -> str:
    """Reconcile the payment an event is about with Stripe's current state. Once."""
    event = lock_row(StripeEvent, event_row_id)
    if event is None or event.processed_at is not None:
        return "skipped"
    result = "ignored"
    if event.object_id:
        if event.type.startswith("checkout.session."):
            payment = db.session.scalar(sa.select(Payment).where(
                Payment.checkout_session_id == event.object_id))
        elif event.type.startswith("payment_intent."):
            payment = db.session.scalar(sa.select(Payment).where(
                Payment.payment_intent_id == event.object_id))
        else:  # charge.*: find it through its payment intent
            charge = client().v1.charges.retrieve(event.object_id)
            intent_id = _id(getattr(charge, "payment_intent", None))
            payment = db.session.scalar(sa.select(Payment).where(
                Payment.payment_intent_id == intent_id)) if intent_id else None
        if payment is not None:
            result = reconcile(payment.id, nested=True)
    event.processed_at = utcnow()
    event.result = result[:200]
    db.session.flush()
    return result


def _id(value) -> str | None:
    return value if isinstance(value, str) or value is None else value.id


def reconcile(payment_id: int, nested: bool = False) -> str:
    """Move a payment (and its posting) to what Stripe says now, in one transaction.

    Locks the posting, then the payment: the order decisions use, so a decision and
    a reconciliation never deadlock. ``nested``: the caller already holds a lock.
    Flushes."""
    opportunity_id = db.session.scalar(sa.select(Payment.opportunity_id).where(
        Payment.id == payment_id))
    if nested:
        relock(Opportunity, opportunity_id)
    else:
        lock_row(Opportunity, opportunity_id)
    payment = relock(Payment, payment_id)
    if payment.checkout_session_id is None:
        return "no session"
    session = client().v1.checkout.sessions.retrieve(payment.checkout_session_id)
    intent_id = _id(session.payment_intent)
    intent = client().v1.payment_intents.retrieve(intent_id) if intent_id else None
    before = payment.status
    if intent is not None:
        payment.payment_intent_id = intent.id
    if payment.status in (PaymentStatus.EXPIRED, PaymentStatus.FAILED) or (
            payment.status is PaymentStatus.RELEASED and payment.released_at is not None):
        # Superseded, given up or released here: a hold Stripe still has (an old tab
        # paid after all) is cancelled, so the card is never charged for it.
        if intent is not None and intent.status == "requires_capture":
            client().v1.payment_intents.cancel(
                intent.id, options={"idempotency_key": f"release-stray-{payment.id}"})
        db.session.flush()
        return f"{before.value} (hold released)" if intent is not None \
            and intent.status == "requires_capture" else f"{before.value}"
    if session.status == "expired" and payment.status is PaymentStatus.PENDING:
        payment.status = PaymentStatus.EXPIRED
        _back_to_draft(payment, "The checkout expired before payment. Submit the posting "
                                "again when you are ready.")
    elif intent is not None:
        if intent.status == "requires_capture":
            _authorized(payment, intent)
        elif intent.status == "succeeded":
            _captured(payment, intent)
        elif intent.status == "canceled":
            _released(payment)
        elif intent.status == "requires_payment_method" and session.status == "complete":
            payment.status = PaymentStatus.FAILED
    if payment.status is PaymentStatus.FAILED and before is not PaymentStatus.FAILED:
        _back_to_draft(payment, "The payment did not go through. Submit the posting again "
                                "to retry with another card.")
    db.session.flush()
    return f"{before.value} -> {payment.status.value}"


def _authorized(payment: Payment, intent) -> None:
    if payment.status is not PaymentStatus.PENDING:
        return
    now = utcnow()
    payment.status = PaymentStatus.AUTHORIZED
    payment.authorized_at = now
    payment.authorization_expires_at = now + AUTHORIZATION_LIFETIME
    opportunity = relock(Opportunity, payment.opportunity_id)
    if payment.item == FEATURED:
        # Nothing to review: take the feature fee at once, if the posting is still live.
        if opportunity.status is OpportunityStatus.PUBLISHED:
            enqueue_after_commit("capture_payment", payment.id)
        else:
            payment.status = PaymentStatus.RELEASED
            enqueue_after_commit("release_payment", payment.id)
    elif postings.fee_authorized(opportunity, payment.id) is OpportunityStatus.PUBLISHED:
        enqueue_after_commit("capture_payment", payment.id)  # trusted: approved already


def _captured(payment: Payment, intent) -> None:
    """Captured, and refunded if Stripe says so (a refund made in Stripe's dashboard)."""
    if payment.status is PaymentStatus.REFUNDED:
        return
    newly = payment.status is not PaymentStatus.CAPTURED
    payment.status = PaymentStatus.CAPTURED
    payment.captured_at = payment.captured_at or utcnow()
    charge_id = _id(getattr(intent, "latest_charge", None))
    if charge_id:
        charge = client().v1.charges.retrieve(charge_id)
        payment.receipt_url = charge.receipt_url
        if getattr(charge, "refunded", False):
            payment.status = PaymentStatus.REFUNDED
            payment.refunded_at = payment.refunded_at or utcnow()
    if payment.item == FEATURED and newly:
        postings.extend_feature(db.session.get(Opportunity, payment.opportunity_id),
                                settings().featured_days)


def _released(payment: Payment) -> None:
    if payment.status in (PaymentStatus.RELEASED, PaymentStatus.CAPTURED,
                          PaymentStatus.REFUNDED):
        return
    # Stripe cancelled the authorization (it lapsed, or was cancelled) before staff
    # decided: whether or not we saw it authorized first, the employer authorizes again.
    payment.status = PaymentStatus.RELEASED
    payment.released_at = utcnow()
    opportunity = relock(Opportunity, payment.opportunity_id)
    if payment.item != FEATURED and postings.fee_lapsed(opportunity):
        if opportunity.created_by:
            notify(opportunity.created_by, "payment_reauthorize",
                   f"Please authorize the fee for “{opportunity.title}” again",
                   "The card authorization ended before career staff decided. Choose "
                   "“Authorize the fee” in your postings list; you are charged only on "
                   "approval.",
                   link="opportunities.list_own_opportunities")


def _back_to_draft(payment: Payment, message: str) -> None:
    opportunity = relock(Opportunity, payment.opportunity_id)
    if payment.item != FEATURED and postings.fee_failed(opportunity):
        if opportunity.created_by:
            notify(opportunity.created_by, "payment_incomplete",
                   f"“{opportunity.title}” was not submitted", message,
                   link="opportunities.list_own_opportunities")


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
    _captured(payment, intent)
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


def reconcile_stale() -> int:
    """Ask Stripe about payments an event should have moved on by now, committing each
    payment on its own so one Stripe error does not undo the others: checkouts pending
    over an hour, and authorizations past their expiry. Returns how many."""
    now = utcnow()
    stale = db.session.scalars(sa.select(Payment.id).where(sa.or_(
        sa.and_(Payment.status == PaymentStatus.PENDING,
                Payment.checkout_session_id.is_not(None),
                Payment.created_at < now - timedelta(hours=1),
                Payment.created_at > now - timedelta(days=2)),
        sa.and_(Payment.status == PaymentStatus.AUTHORIZED,
                Payment.authorization_expires_at < now))).limit(200)).all()
    db.session.commit()
    for payment_id in stale:
        try:
            reconcile(payment_id)
            db.session.commit()
        except stripe.StripeError as error:
            db.session.rollback()
            current_app.logger.warning("stripe: reconcile %s: %s", payment_id, error)
            break  # Stripe is unwell: try again next time
    return len(stale)


def expiring_soon(payment: Payment | None) -> bool:
    return bool(payment and payment.authorization_expires_at
                and payment.authorization_expires_at - utcnow() < EXPIRING_SOON)


# --- answers to the opportunities domain's hooks (registered by billing's init_app) ---

def checkout_url(opportunity: Opportunity) -> str | None:
    """Where the employer authorizes the fee of a posting awaiting it."""
    payment = open_payment(opportunity, opportunity.kind.value)
    return payment.checkout_url if payment else None


def review_order() -> list:
    """Postings whose fee authorization expires soonest come first in review."""
    expires = (sa.select(sa.func.min(Payment.authorization_expires_at))
               .where(Payment.opportunity_id == Opportunity.id,
                      Payment.status == PaymentStatus.AUTHORIZED)
               .correlate(Opportunity).scalar_subquery())
    return [expires.is_(None), expires]


def review_context(queue: list[Opportunity]) -> dict:
    return {"fees": authorized_payments([o.id for o in queue]), "expiring_soon": expiring_soon}


def employer_postings_context(organization) -> dict:
    feature = fee_for(FEATURED, organization.type)
    return {"feature_price": f"${feature / 100:,.2f}" if feature else None}
