"""Billing: the fee table, Stripe Checkout authorizations, captures, releases, refunds."""

from __future__ import annotations

from flask import Flask

from marketplace.blueprints.billing import jobs, services, views
from marketplace.blueprints.opportunities import hooks
from marketplace.core.extensions import csrf

__all__ = ["init_app", "jobs"]


def init_app(app: Flask) -> None:
    # Stripe signs its events; there is no session and no CSRF token.
    csrf.exempt(views.stripe_webhook)
    app.register_blueprint(views.bp)
    # The staff navigation lists payments only while fees are on.
    app.jinja_env.globals["fees_active"] = services.fees_active
    hooks.kind_is_fixed.register(services.fees_active)
    hooks.submission_fee.register(services.submit_with_fee)
    hooks.checkout_url.register(services.checkout_url)
    hooks.posting_decided.register(services.on_decision)
    hooks.review_order.register(services.review_order)
    hooks.review_context.register(services.review_context)
    hooks.employer_postings_context.register(services.employer_postings_context)
