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

from marketplace.blueprints.billing.services.checkout import (
    buy_feature,
    checkout_url,
    employer_postings_context,
    open_payment,
    paid_for,
    start_checkout,
    submit_with_fee,
)
from marketplace.blueprints.billing.services.decisions import (
    EXPIRING_SOON,
    authorized_payment,
    authorized_payments,
    capture,
    expiring_soon,
    on_decision,
    refund,
    release,
    review_context,
    review_order,
    send_refund,
)
from marketplace.blueprints.billing.services.events import (
    AUTHORIZATION_LIFETIME,
    HANDLED_EVENTS,
    WebhookNotConfigured,
    confirm_checkout_return,
    process_event,
    receive_event,
    reconcile,
    reconcile_stale,
)
from marketplace.blueprints.billing.services.fees import (
    ITEMS,
    PaymentsUnavailable,
    client,
    fee_for,
    fee_table,
    fees_active,
    settings,
    stripe_ready,
    update_fees,
)

__all__ = [
    "confirm_checkout_return",
    "AUTHORIZATION_LIFETIME",
    "EXPIRING_SOON",
    "HANDLED_EVENTS",
    "ITEMS",
    "PaymentsUnavailable",
    "WebhookNotConfigured",
    "authorized_payment",
    "authorized_payments",
    "buy_feature",
    "capture",
    "checkout_url",
    "client",
    "employer_postings_context",
    "expiring_soon",
    "fee_for",
    "fee_table",
    "fees_active",
    "on_decision",
    "open_payment",
    "paid_for",
    "process_event",
    "receive_event",
    "reconcile",
    "reconcile_stale",
    "refund",
    "release",
    "review_context",
    "review_order",
    "send_refund",
    "settings",
    "start_checkout",
    "stripe_ready",
    "submit_with_fee",
    "update_fees",
]
