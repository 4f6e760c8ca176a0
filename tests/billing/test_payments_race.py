"""Stripe webhooks and captures under parallel requests, on the suite's database."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.blueprints.accounts.services import create_user
from marketplace.blueprints.billing import services as payments
from marketplace.blueprints.billing.models import Payment, PaymentStatus, StripeEvent
from marketplace.blueprints.opportunities.models import Opportunity, OpportunityStatus
from marketplace.core.extensions import db
from marketplace.core.jobs import run_outbox_message
from marketplace.core.models import AuditEntry, OutboxMessage
from marketplace.core.policies import Role
from tests.fake_stripe import FakeStripe, sign
from tests.support import app_config, at_once, fresh_database, in_transaction

pytestmark = pytest.mark.no_db


@pytest.fixture(scope="module")
def fake():
    with FakeStripe() as server:
        yield server


@pytest.fixture(scope="module")
def app(fake):
    app = create_app(app_config(
        fresh_database("payments_race"), STRIPE_SECRET_KEY="sk_test_fake",
        STRIPE_WEBHOOK_SECRET=fake.webhook_secret, STRIPE_API_BASE=fake.base))
    with app.app_context():
        upgrade()
        staff = create_user("fees@race.example", "Fee Staff", Role.STAFF, "staff passphrase 1")
        payments.update_fees(staff, {("internship", "company"): 4000}, fees_enabled=True,
                             featured_days=14)
        db.session.commit()
    yield app
    with app.app_context():
        db.engine.dispose()


def authorized_payment(app, fake, tag: str) -> tuple[int, dict]:
    """A posting submitted with its fee; returns (payment id, the completion event)."""
    with app.app_context():
        employer = create_user(f"boss-{tag}@race.example", "Boss", Role.EMPLOYER,
                               "employer passphrase", organization_name=f"Race Co {tag}")
        employer.organization.status = "verified"
        opportunity = Opportunity(organization=employer.organization, created_by=employer,
                                  title=f"Paid {tag}", kind="internship", description="d",
                                  career_cluster="education", location="x",
                                  status=OpportunityStatus.DRAFT)
        db.session.add(opportunity)
        db.session.commit()
        from datetime import date, timedelta

        opportunity.application_deadline = date.today() + timedelta(days=20)
        from marketplace.blueprints.opportunities.services import submit_opportunity

        submit_opportunity(opportunity, employer)
        db.session.commit()
        payment = db.session.scalar(sa.select(Payment).where(
            Payment.opportunity_id == opportunity.id))
        return payment.id, fake.complete(payment.checkout_session_id, deliver=False)


def run_outbox(app) -> None:
    with app.app_context():
        ids = db.session.scalars(sa.select(OutboxMessage.id).where(
            OutboxMessage.completed_at.is_(None)).order_by(OutboxMessage.id)).all()
        db.session.rollback()
    for outbox_id in ids:
        with app.app_context():
            run_outbox_message(outbox_id)


def test_the_same_event_five_times_at_once_has_one_effect(app, fake):
    payment_id, event = authorized_payment(app, fake, "five")
    payload = json.dumps(event).encode()

    def deliver():
        response = app.test_client().post("/stripe/webhook", data=payload, headers={
            "Content-Type": "application/json",
            "Stripe-Signature": sign(payload, fake.webhook_secret)})
        return response.status_code, response.get_json()

    answers = at_once(*[deliver] * 5)
    print(f"5 concurrent deliveries: {[status for status, _ in answers]}, "
          f"{sum(1 for _, body in answers if not body['duplicate'])} new")
    assert [status for status, _ in answers] == [200] * 5
    assert sum(1 for _, body in answers if not body["duplicate"]) == 1
    run_outbox(app)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(StripeEvent.id)).where(
            StripeEvent.event_id == event["id"])) == 1
        payment = db.session.get(Payment, payment_id)
        assert payment.status is PaymentStatus.AUTHORIZED
        assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
            AuditEntry.action == "opportunity.payment_authorized",
            AuditEntry.subject_id == payment.opportunity_id)) == 1
        assert payment.opportunity.status is OpportunityStatus.PENDING_REVIEW


def test_two_captures_at_once_take_the_money_once(app, fake):
    payment_id, event = authorized_payment(app, fake, "capture")
    with app.app_context():
        payments.reconcile(payment_id)
        db.session.commit()

    def capture():
        with app.app_context():
            try:
                result = payments.capture(payment_id)
                db.session.commit()
                return result
            finally:
                db.session.remove()

    before = sum(1 for _, path in fake.requests if path.endswith("/capture"))
    results = at_once(capture, capture)
    after = sum(1 for _, path in fake.requests if path.endswith("/capture"))
    assert sorted(results) == ["captured", "skipped"]
    assert after - before == 1
    with app.app_context():
        assert db.session.get(Payment, payment_id).status is PaymentStatus.CAPTURED


def test_a_rejection_racing_a_reconciliation_never_deadlocks_or_charges(app, fake):
    from marketplace.blueprints.accounts.models import User
    from marketplace.blueprints.opportunities.services import reject_opportunity

    for round_ in range(5):
        payment_id, _ = authorized_payment(app, fake, f"reject-race-{round_}")
        with app.app_context():
            payments.reconcile(payment_id)
            db.session.commit()
            opportunity_id = db.session.get(Payment, payment_id).opportunity_id
            staff_id = db.session.scalar(sa.select(User.id).where(User.role == Role.STAFF))

        def reject(opportunity_id=opportunity_id, staff_id=staff_id):
            reject_opportunity(opportunity_id, db.session.get(User, staff_id), "No")

        def reconcile(payment_id=payment_id):
            payments.reconcile(payment_id)

        assert sorted(at_once(lambda: in_transaction(app, reject),
                              lambda: in_transaction(app, reconcile))) == ["ok", "ok"]
        run_outbox(app)
        with app.app_context():
            payment = db.session.get(Payment, payment_id)
            assert payment.status is PaymentStatus.RELEASED and payment.captured_at is None
            assert fake.intents[payment.payment_intent_id]["status"] == "canceled"
