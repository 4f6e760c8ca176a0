"""Employer fees: the fee table, payments through Stripe, and Stripe's events."""

from __future__ import annotations

import enum
from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from marketplace.blueprints.accounts.models import Organization, User
from marketplace.blueprints.opportunities.models import Opportunity
from marketplace.core.db import UTCDateTime, enum_type, utcnow
from marketplace.core.extensions import db

FEATURED = "featured"  # the fee table's item for the featured upgrade


class FeeRule(db.Model):
    """What an organization type pays for an item: a posting of a kind, or ``featured``.
    No row (or 0) means free."""

    __tablename__ = "fee_rule"

    id: Mapped[int] = mapped_column(primary_key=True)
    item: Mapped[str] = mapped_column(sa.String(30))
    organization_type: Mapped[str] = mapped_column(sa.String(30))
    amount_cents: Mapped[int] = mapped_column(default=0)
    updated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        sa.UniqueConstraint("item", "organization_type"),
        sa.CheckConstraint("amount_cents >= 0 AND amount_cents <= 10000000",
                           name="amount_range"),
    )


class BillingSettings(db.Model):
    """One row: whether fees are charged at all, and how long a feature lasts."""

    __tablename__ = "billing_settings"

    id: Mapped[int] = mapped_column(primary_key=True)
    fees_enabled: Mapped[bool] = mapped_column(default=False)
    featured_days: Mapped[int] = mapped_column(default=14)
    currency: Mapped[str] = mapped_column(sa.String(3), default="usd")


class PaymentStatus(enum.StrEnum):
    PENDING = "pending"  # checkout started, not yet authorized
    AUTHORIZED = "authorized"  # card authorized, waiting for staff's decision
    CAPTURED = "captured"
    RELEASED = "released"  # authorization cancelled: never charged
    REFUNDED = "refunded"
    EXPIRED = "expired"  # checkout abandoned, or the authorization lapsed
    FAILED = "failed"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Payment(db.Model):
    """One fee for one posting (or its featured upgrade), through one Checkout Session."""

    __tablename__ = "payment"

    id: Mapped[int] = mapped_column(primary_key=True)
    organization_id: Mapped[int] = mapped_column(sa.ForeignKey("organization.id"), index=True)
    opportunity_id: Mapped[int] = mapped_column(sa.ForeignKey("opportunity.id"), index=True)
    item: Mapped[str] = mapped_column(sa.String(30))  # the posting's kind, or "featured"
    amount_cents: Mapped[int]
    currency: Mapped[str] = mapped_column(sa.String(3), default="usd")
    status: Mapped[PaymentStatus] = mapped_column(enum_type(PaymentStatus),
                                                  default=PaymentStatus.PENDING)
    # Written before Stripe is called, so a retry after a lost answer is the same request.
    idempotency_key: Mapped[str] = mapped_column(sa.String(64), unique=True)
    checkout_session_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    checkout_url: Mapped[str | None] = mapped_column(sa.String(2000))
    payment_intent_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    receipt_url: Mapped[str | None] = mapped_column(sa.String(2000))
    authorized_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    authorization_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    captured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    released_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refunded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    refund_reason: Mapped[str | None] = mapped_column(sa.String(500))
    last_error: Mapped[str | None] = mapped_column(sa.Text)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("user_account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    organization: Mapped[Organization] = relationship()
    opportunity: Mapped[Opportunity] = relationship()
    created_by: Mapped[User | None] = relationship()

    __table_args__ = (sa.CheckConstraint("amount_cents > 0", name="amount_positive"),)

    @property
    def amount(self) -> str:
        return f"${self.amount_cents / 100:,.2f}"


class StripeEvent(db.Model):
    """Each Stripe event id once: the webhook inserts it (unique) with the outbox row
    that processes it; the job marks it processed in the same transaction as the effect."""

    __tablename__ = "stripe_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    event_id: Mapped[str] = mapped_column(sa.String(255), unique=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    object_id: Mapped[str | None] = mapped_column(sa.String(255))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    result: Mapped[str | None] = mapped_column(sa.String(200))
