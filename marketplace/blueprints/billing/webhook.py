"""``POST /stripe/webhook``: Stripe's events, verified, stored once, processed later."""

from __future__ import annotations

import stripe
from flask import Blueprint, current_app, jsonify, request

from ...extensions import db
from ...services.payments import WebhookNotConfigured, receive_event

bp = Blueprint("stripe_webhook", __name__)


@bp.route("/stripe/webhook", methods=["POST"])
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
