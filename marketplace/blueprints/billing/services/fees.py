"""The fee table and Stripe's client: what a posting or a feature costs, and whether fees are on."""

from __future__ import annotations

import sqlalchemy as sa
import stripe
from flask import current_app

from marketplace.blueprints.accounts.models import OrganizationType, User
from marketplace.blueprints.billing.models import (
    FEATURED,
    BillingSettings,
    FeeRule,
)
from marketplace.blueprints.opportunities.models import (
    OpportunityKind,
)
from marketplace.core.audit import audit
from marketplace.core.errors import Conflict, ValidationFailed
from marketplace.core.extensions import db

ITEMS = [kind.value for kind in OpportunityKind] + [FEATURED]


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
