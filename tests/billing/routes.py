"""Every billing route and who may use it (see tests/contracts/route_table.py)."""

from tests.contracts.route_table import EMPLOYER, PUBLIC, STAFF

ROUTES = {
    # GET /employers/billing
    "billing.billing": EMPLOYER,
    # POST /employers/opportunities/<int:opportunity_id>/feature
    "billing.feature_opportunity": EMPLOYER,
    # POST /employers/opportunities/<int:opportunity_id>/pay
    "billing.pay_for_opportunity": EMPLOYER,
    # GET POST /staff/billing
    "billing.fee_settings": STAFF,
    # GET /staff/payments
    "billing.list_payments": STAFF,
    # POST /staff/payments/<int:payment_id>/refund
    "billing.refund_payment": STAFF,
    # POST /stripe/webhook
    "billing.stripe_webhook": PUBLIC,
}
