"""Stripe's events: verified and replay-safe, reconciled against Stripe in any order."""

from __future__ import annotations

import json
from datetime import timedelta

import sqlalchemy as sa
import stripe
from flask import current_app

from marketplace.blueprints.billing.models import (
    FEATURED,
    Payment,
    PaymentStatus,
    StripeEvent,
)
from marketplace.blueprints.billing.services.fees import client, settings
from marketplace.blueprints.notifications.services import notify
from marketplace.blueprints.opportunities import services as postings
from marketplace.blueprints.opportunities.models import (
    Opportunity,
    OpportunityStatus,
)
from marketplace.core.db import lock_row, relock, utcnow
from marketplace.core.extensions import db, insert_or_ignore
from marketplace.core.outbox import enqueue_after_commit

# Stripe keeps an online card authorization for seven days.
AUTHORIZATION_LIFETIME = timedelta(days=7)


HANDLED_EVENTS = {
    "checkout.session.completed", "checkout.session.expired",
    "checkout.session.async_payment_succeeded", "checkout.session.async_payment_failed",
    "payment_intent.canceled", "payment_intent.amount_capturable_updated",
    "payment_intent.succeeded", "charge.refunded", "charge.captured",
}


class WebhookNotConfigured(RuntimeError):
    """The server cannot verify Stripe's events: an operator must set the secret."""


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
            record_capture(payment, intent)
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


def record_capture(payment: Payment, intent) -> None:
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


def confirm_checkout_return(payment_id: int, organization_id: int) -> bool:
    """The employer is back from Stripe Checkout: reconcile that payment if it is theirs
    and still pending. True when it asked Stripe. Flushes; Stripe's errors propagate."""
    payment = db.session.get(Payment, payment_id)
    if payment is None or payment.organization_id != organization_id \
            or payment.status is not PaymentStatus.PENDING:
        return False
    reconcile(payment.id)
    return True


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
