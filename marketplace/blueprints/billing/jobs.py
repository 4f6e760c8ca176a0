"""Payments: Stripe's events, capture on approval, release on rejection, refunds."""

from __future__ import annotations

from marketplace.blueprints.billing import services as payments
from marketplace.core.jobs import job, periodic


@job(queue="high", timeout=60, retry_intervals=(5, 30, 120, 600))
def process_stripe_event(event_row_id: int) -> str:
    """Reconcile the payment an event is about with Stripe, once per event id."""
    return payments.process_event(event_row_id)


@job(queue="high", timeout=60, retry_intervals=(5, 30, 120, 600))
def capture_payment(payment_id: int) -> str:
    """Take an authorized fee after approval. Safe to rerun."""
    return payments.capture(payment_id)


@job(queue="high", timeout=60, retry_intervals=(5, 30, 120, 600))
def release_payment(payment_id: int) -> str:
    """Cancel an authorization after rejection: the employer is never charged."""
    return payments.release(payment_id)


@job(queue="high", timeout=60, retry_intervals=(5, 30, 120, 600))
def refund_payment(payment_id: int) -> str:
    """Send a refund staff asked for. Safe to rerun."""
    return payments.send_refund(payment_id)


@periodic(every=600, queue="high", timeout=300)
def reconcile_payments() -> int:
    """A safety net under the webhooks: ask Stripe about payments stuck too long."""
    return payments.reconcile_stale()
