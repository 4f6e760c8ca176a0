"""Employer fees with the real Stripe SDK against a local fake Stripe: authorize at
submission, capture on approval, release on rejection, and webhooks that are
verified, replay-safe and order-proof."""

from __future__ import annotations

import json
import time

import pytest
import sqlalchemy as sa

from marketplace.blueprints.accounts.models import OrganizationType
from marketplace.blueprints.billing import services as payments
from marketplace.blueprints.billing.models import Payment, PaymentStatus, StripeEvent
from marketplace.blueprints.opportunities import services as postings
from marketplace.blueprints.opportunities.models import Opportunity, OpportunityStatus
from marketplace.core.errors import ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.models import AuditEntry
from tests.factories import EmployerFactory, OpportunityFactory, StaffFactory
from tests.fake_stripe import FakeStripe, sign

FEE = 2500  # $25.00 for a company's internship


@pytest.fixture
def stripe_fake(app):
    with FakeStripe() as fake:
        saved = {key: app.config.get(key) for key in
                 ("STRIPE_SECRET_KEY", "STRIPE_WEBHOOK_SECRET", "STRIPE_API_BASE")}
        app.config.update(STRIPE_SECRET_KEY="sk_test_fake",
                          STRIPE_WEBHOOK_SECRET=fake.webhook_secret, STRIPE_API_BASE=fake.base)
        try:
            yield fake
        finally:
            app.config.update(saved)


@pytest.fixture
def fees(stripe_fake):
    staff = StaffFactory()
    payments.update_fees(staff, {("internship", "company"): FEE, ("featured", "company"): 900},
                         fees_enabled=True, featured_days=14)
    db.session.commit()
    return staff


def draft(employer) -> Opportunity:
    opportunity = OpportunityFactory(organization=employer.organization,
                                     created_by=employer, status=OpportunityStatus.DRAFT,
                                     published_at=None, submitted_at=None)
    db.session.commit()
    return opportunity


def post_event(client, event: dict, secret: str, signature: str | None = "sign"):
    payload = json.dumps(event).encode()
    headers = {"Content-Type": "application/json"}
    if signature == "sign":
        headers["Stripe-Signature"] = sign(payload, secret)
    elif signature is not None:
        headers["Stripe-Signature"] = signature
    return client.post("/stripe/webhook", data=payload, headers=headers)


def submitted(client, login_as, employer, opportunity):
    login_as(employer)
    response = client.submit(f"/employers/opportunities/{opportunity.id}/submit",
                             {"amount": "1"}, page="/employers/opportunities")
    return response


def test_fees_cannot_be_switched_on_without_stripe(app, client, login_as):
    app.config.update(STRIPE_SECRET_KEY=None)
    staff = StaffFactory()
    db.session.commit()
    with pytest.raises(ValidationFailed, match="STRIPE_SECRET_KEY"):
        payments.update_fees(staff, {}, fees_enabled=True, featured_days=14)
    db.session.rollback()
    login_as(staff)
    page = client.get("/staff/billing").get_data(as_text=True)
    assert "Fees cannot be switched on yet" in page and "STRIPE_SECRET_KEY" in page


def test_submission_opens_a_manual_capture_checkout_for_the_fee_table_amount(
        client, login_as, fees, stripe_fake):
    employer = EmployerFactory()
    opportunity = draft(employer)
    response = submitted(client, login_as, employer, opportunity)
    assert response.status_code == 303
    payment = db.session.scalar(sa.select(Payment))
    assert response.location == payment.checkout_url
    assert response.location.startswith(stripe_fake.base)
    session = stripe_fake.sessions[payment.checkout_session_id]
    assert session["capture_method"] == "manual"
    assert session["metadata"]["opportunity_id"] == str(opportunity.id)
    assert session["amount_total"] == FEE  # the browser's "amount" field changed nothing
    assert payment.amount_cents == FEE and payment.status is PaymentStatus.PENDING
    assert payment.idempotency_key.startswith("checkout-")
    db.session.refresh(opportunity)
    assert opportunity.status is OpportunityStatus.AWAITING_PAYMENT
    assert postings.review_queue() == []  # not reviewed before the money is authorized


def test_free_organizations_skip_payment(client, login_as, fees):
    employer = EmployerFactory(organization__type=OrganizationType.NONPROFIT)
    opportunity = draft(employer)
    assert submitted(client, login_as, employer, opportunity).status_code == 302
    db.session.refresh(opportunity)
    assert opportunity.status is OpportunityStatus.PENDING_REVIEW
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 0


def checkout_started(client, login_as, employer) -> tuple[Opportunity, Payment]:
    """A draft submitted with fees on: the posting, and its payment waiting at checkout."""
    opportunity = draft(employer)
    submitted(client, login_as, employer, opportunity)
    payment = db.session.scalar(sa.select(Payment).where(
        Payment.opportunity_id == opportunity.id))
    return opportunity, payment


def authorize(client, login_as, employer, stripe_fake, run_jobs) -> tuple[Opportunity, Payment]:
    opportunity, payment = checkout_started(client, login_as, employer)
    event = stripe_fake.complete(payment.checkout_session_id, deliver=False)
    assert post_event(client, event, stripe_fake.webhook_secret).status_code == 200
    run_jobs()
    db.session.expire_all()
    return opportunity, payment


def test_authorized_fee_sends_the_posting_to_review_and_approval_captures_once(
        client, login_as, fees, stripe_fake, run_jobs):
    employer = EmployerFactory()
    opportunity, payment = authorize(client, login_as, employer, stripe_fake, run_jobs)
    assert payment.status is PaymentStatus.AUTHORIZED
    assert opportunity.status is OpportunityStatus.PENDING_REVIEW
    assert payment.authorization_expires_at is not None
    postings.approve_opportunity(opportunity.id, fees)
    db.session.commit()
    run_jobs()
    assert payments.capture(payment.id) == "skipped"  # a second run takes nothing
    db.session.commit()
    db.session.expire_all()
    assert payment.status is PaymentStatus.CAPTURED and payment.receipt_url
    captures = [path for method, path in stripe_fake.requests if path.endswith("/capture")]
    assert len(captures) == 1
    assert stripe_fake.intents[payment.payment_intent_id]["status"] == "succeeded"
    page = client.get("/employers/billing").get_data(as_text=True)
    assert "Captured" in page and "$25.00" in page and "Receipt" in page


def test_rejection_releases_the_authorization(client, login_as, fees, stripe_fake, run_jobs):
    employer = EmployerFactory()
    opportunity, payment = authorize(client, login_as, employer, stripe_fake, run_jobs)
    postings.reject_opportunity(opportunity.id, fees, "Not a fit for our students")
    db.session.commit()
    run_jobs()
    db.session.expire_all()
    assert payment.status is PaymentStatus.RELEASED
    assert stripe_fake.intents[payment.payment_intent_id]["status"] == "canceled"
    assert not any(path.endswith("/capture") for _, path in stripe_fake.requests)


def test_a_repeated_event_has_one_effect(client, login_as, fees, stripe_fake, run_jobs):
    employer = EmployerFactory()
    opportunity, payment = checkout_started(client, login_as, employer)
    event = stripe_fake.complete(payment.checkout_session_id, deliver=False)
    answers = [post_event(client, event, stripe_fake.webhook_secret).get_json()
               for _ in range(5)]
    assert [a["duplicate"] for a in answers] == [False, True, True, True, True]
    run_jobs()
    assert db.session.scalar(sa.select(sa.func.count(StripeEvent.id))) == 1
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "opportunity.payment_authorized")) == 1


def test_events_in_any_order_end_in_the_same_state(client, login_as, fees, stripe_fake,
                                                   run_jobs):
    employer = EmployerFactory()
    opportunity, payment = checkout_started(client, login_as, employer)
    completed = stripe_fake.complete(payment.checkout_session_id, deliver=False)
    intent_id = completed["data"]["object"]["payment_intent"]
    lapsed = stripe_fake.lapse(intent_id, deliver=False)  # the authorization ran out
    # Delivered newest first: the cancellation arrives before the completion.
    for event in (lapsed, completed, lapsed):
        assert post_event(client, event, stripe_fake.webhook_secret).status_code == 200
        run_jobs()
    db.session.expire_all()
    assert payment.status is PaymentStatus.RELEASED
    assert opportunity.status is OpportunityStatus.AWAITING_PAYMENT  # asked to pay again
    assert payment.captured_at is None


@pytest.mark.parametrize("case", ["forged", "tampered", "unsigned", "stale", "not json"])
def test_unverified_events_are_refused_and_change_nothing(client, fees, stripe_fake, case):
    event = {"id": "evt_forged", "object": "event", "type": "checkout.session.completed",
             "data": {"object": {"id": "cs_x", "object": "checkout.session"}}}
    payload = json.dumps(event).encode()
    secret = stripe_fake.webhook_secret
    headers = {"Content-Type": "application/json"}
    if case == "forged":
        headers["Stripe-Signature"] = sign(payload, "whsec_someone_else")
    elif case == "tampered":
        headers["Stripe-Signature"] = sign(payload, secret)
        payload = payload.replace(b"cs_x", b"cs_y")
    elif case == "stale":
        headers["Stripe-Signature"] = sign(payload, secret, timestamp=int(time.time()) - 3600)
    elif case == "not json":
        payload = b"not json at all"
        headers["Stripe-Signature"] = sign(payload, secret)
    response = client.post("/stripe/webhook", data=payload, headers=headers)
    assert response.status_code == 400
    assert db.session.scalar(sa.select(sa.func.count(StripeEvent.id))) == 0


def test_stripe_down_at_submission_loses_nothing(client, login_as, fees, stripe_fake):
    employer = EmployerFactory()
    opportunity = draft(employer)
    stripe_fake.down = True
    response = submitted(client, login_as, employer, opportunity)
    assert response.status_code == 302
    page = client.get(response.location).get_data(as_text=True)
    assert "could not reach our payment provider" in page
    db.session.expire_all()
    assert opportunity.status is OpportunityStatus.DRAFT  # still there, still editable
    payment = db.session.scalar(sa.select(Payment))
    assert payment.status is PaymentStatus.PENDING and payment.last_error
    key = payment.idempotency_key
    stripe_fake.down = False
    again = client.submit(f"/employers/opportunities/{opportunity.id}/submit", {},
                          page="/employers/opportunities")
    assert again.status_code == 303
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 1
    assert payment.idempotency_key == key and payment.checkout_session_id


def test_a_lost_answer_is_retried_with_the_same_key(client, login_as, fees, stripe_fake):
    employer = EmployerFactory()
    opportunity, payment = checkout_started(client, login_as, employer)
    first = payment.checkout_session_id
    # As if Stripe had created the session but its answer never arrived.
    payment.checkout_session_id, payment.checkout_url = None, None
    db.session.commit()
    again = payments.start_checkout(opportunity, "internship", employer, FEE)
    assert again.checkout_session_id == first and len(stripe_fake.sessions) == 1


def test_expiring_authorizations_come_first_in_review(client, login_as, fees, stripe_fake,
                                                      run_jobs):
    from datetime import timedelta

    from marketplace.core.db import utcnow

    older = OpportunityFactory(status=OpportunityStatus.PENDING_REVIEW,
                               submitted_at=utcnow() - timedelta(days=9))
    opportunity, payment = authorize(client, login_as, EmployerFactory(), stripe_fake,
                                     run_jobs)
    payment.authorization_expires_at = utcnow() + timedelta(hours=20)
    db.session.commit()
    assert [o.id for o in postings.review_queue()][:2] == [opportunity.id, older.id]
    client.post("/auth/logout", data={"csrf_token": client.csrf_token()})
    login_as(fees)
    page = client.get("/staff/review").get_data(as_text=True)
    assert "Fee authorization expires" in page


def test_staff_refund_a_captured_payment_with_a_reason(client, login_as, fees, stripe_fake,
                                                       run_jobs):
    opportunity, payment = authorize(client, login_as, EmployerFactory(), stripe_fake,
                                     run_jobs)
    postings.approve_opportunity(opportunity.id, fees)
    db.session.commit()
    run_jobs()
    client.post("/auth/logout", data={"csrf_token": client.csrf_token()})
    login_as(fees)
    assert client.submit(f"/staff/payments/{payment.id}/refund", {"reason": ""},
                         page="/staff/payments").status_code == 302
    db.session.expire_all()
    assert payment.status is PaymentStatus.CAPTURED  # no reason, no refund
    client.submit(f"/staff/payments/{payment.id}/refund", {"reason": "Posted twice by mistake"},
                  page="/staff/payments")
    run_jobs()
    db.session.expire_all()
    assert payment.status is PaymentStatus.REFUNDED
    assert stripe_fake.charges[stripe_fake.intents[payment.payment_intent_id][
        "latest_charge"]]["refunded"] is True
    assert db.session.scalar(sa.select(AuditEntry.reason).where(
        AuditEntry.action == "payment.refund_requested")) == "Posted twice by mistake"


def test_featured_upgrade_is_charged_at_once_and_features_the_posting(
        client, login_as, fees, stripe_fake, run_jobs):
    employer = EmployerFactory()
    opportunity = OpportunityFactory(organization=employer.organization, created_by=employer)
    db.session.commit()
    login_as(employer)
    response = client.submit(f"/employers/opportunities/{opportunity.id}/feature", {},
                             page="/employers/opportunities")
    assert response.status_code == 303
    payment = db.session.scalar(sa.select(Payment).where(Payment.item == "featured"))
    assert payment.amount_cents == 900
    event = stripe_fake.complete(payment.checkout_session_id, deliver=False)
    post_event(client, event, stripe_fake.webhook_secret)
    run_jobs()
    db.session.expire_all()
    assert payment.status is PaymentStatus.CAPTURED
    assert opportunity.featured_until is not None
    listing = client.get("/opportunities").get_data(as_text=True)
    assert "Featured" in listing and opportunity.title in listing.split("Featured")[1][:2000]


# -- edges found in review ----------------------------------------------------

def approve(fees, opportunity, run_jobs):
    postings.approve_opportunity(opportunity.id, fees)
    db.session.commit()
    run_jobs()
    db.session.expire_all()


def test_the_kind_cannot_change_once_submitted_while_fees_are_on(client, login_as, fees,
                                                                 stripe_fake, run_jobs):
    opportunity, _ = authorize(client, login_as, EmployerFactory(), stripe_fake, run_jobs)
    with pytest.raises(ValidationFailed, match="kind cannot change"):
        postings.update_opportunity(opportunity, fees, kind="job_shadow")


def test_a_quick_resubmission_after_rejection_needs_a_new_authorization(
        client, login_as, fees, stripe_fake, run_jobs):
    employer = EmployerFactory()
    opportunity, first = authorize(client, login_as, employer, stripe_fake, run_jobs)
    postings.reject_opportunity(opportunity.id, fees, "Add the pay range")
    db.session.commit()
    # The employer resubmits before the release job has run.
    response = client.submit(f"/employers/opportunities/{opportunity.id}/submit", {},
                             page="/employers/opportunities")
    assert response.status_code == 303  # to a new checkout
    run_jobs()
    db.session.expire_all()
    assert first.status is PaymentStatus.RELEASED and first.released_at is not None
    assert opportunity.status is OpportunityStatus.AWAITING_PAYMENT
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 2


def test_a_posting_already_paid_for_is_not_charged_again(client, login_as, fees, stripe_fake,
                                                         run_jobs):
    employer = EmployerFactory()
    opportunity, payment = authorize(client, login_as, employer, stripe_fake, run_jobs)
    approve(fees, opportunity, run_jobs)
    # A material edit sends it back to review; staff reject; the employer resubmits.
    postings.update_opportunity(opportunity, employer, title="A new title")
    db.session.commit()  # one unit of work each, as two requests would be
    postings.reject_opportunity(opportunity.id, fees, "Shorter title please")
    db.session.commit()
    assert client.submit(f"/employers/opportunities/{opportunity.id}/submit", {},
                         page="/employers/opportunities").status_code == 302
    db.session.expire_all()
    assert opportunity.status is OpportunityStatus.PENDING_REVIEW
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 1


def test_a_refund_made_in_stripe_is_recorded(client, login_as, fees, stripe_fake, run_jobs):
    opportunity, payment = authorize(client, login_as, EmployerFactory(), stripe_fake,
                                     run_jobs)
    approve(fees, opportunity, run_jobs)
    event = stripe_fake.refund_in_dashboard(payment.payment_intent_id, deliver=False)
    post_event(client, event, stripe_fake.webhook_secret)
    run_jobs()
    db.session.expire_all()
    assert payment.status is PaymentStatus.REFUNDED


def test_an_expired_checkout_returns_the_posting_to_draft(client, login_as, fees, stripe_fake,
                                                         run_jobs):
    employer = EmployerFactory()
    opportunity, payment = checkout_started(client, login_as, employer)
    event = stripe_fake.expire(payment.checkout_session_id, deliver=False)
    post_event(client, event, stripe_fake.webhook_secret)
    run_jobs()
    db.session.expire_all()
    assert payment.status is PaymentStatus.EXPIRED
    assert opportunity.status is OpportunityStatus.DRAFT


def test_an_old_checkout_paid_after_a_fee_change_is_released(client, login_as, fees,
                                                            stripe_fake, run_jobs):
    employer = EmployerFactory()
    opportunity, old = checkout_started(client, login_as, employer)
    payments.update_fees(fees, {("internship", "company"): 3000}, fees_enabled=True,
                         featured_days=14)
    db.session.commit()
    client.submit(f"/employers/opportunities/{opportunity.id}/pay", {},
                  page="/employers/opportunities")
    assert stripe_fake.sessions[old.checkout_session_id]["status"] == "expired"
    stripe_fake.pay_stale(old.checkout_session_id)  # an old tab pays anyway
    event = stripe_fake.events[-1]
    post_event(client, event, stripe_fake.webhook_secret)
    run_jobs()
    db.session.expire_all()
    intent = stripe_fake.sessions[old.checkout_session_id]["payment_intent"]
    assert stripe_fake.intents[intent]["status"] == "canceled"  # the hold is let go
    assert old.status is PaymentStatus.EXPIRED
    assert opportunity.status is OpportunityStatus.AWAITING_PAYMENT


def test_after_a_stripe_error_the_next_try_is_a_new_request(client, login_as, fees,
                                                            stripe_fake):
    employer = EmployerFactory()
    opportunity = draft(employer)
    stripe_fake.down = True
    submitted(client, login_as, employer, opportunity)
    stripe_fake.down = False  # Stripe would replay its 500 for the same key
    assert client.submit(f"/employers/opportunities/{opportunity.id}/submit", {},
                         page="/employers/opportunities").status_code == 303


def test_odd_requests_are_clear_refusals(client, login_as, fees, stripe_fake, app):
    employer = EmployerFactory()
    published = OpportunityFactory(organization=employer.organization, created_by=employer)
    db.session.commit()
    login_as(employer)
    assert client.get("/employers/billing?paid=99999999999999999999999").status_code == 200
    client.submit(f"/employers/opportunities/{published.id}/submit", {},
                  page="/employers/opportunities")
    assert db.session.scalar(sa.select(sa.func.count(Payment.id))) == 0
    assert not any(path == "/v1/checkout/sessions" for _, path in stripe_fake.requests)
    for event in ({"object": "event"}, {"id": "evt_1", "object": "event"},
                  {"id": 5, "type": "checkout.session.completed", "object": "event"}):
        assert post_event(client, event, stripe_fake.webhook_secret).status_code == 400
    app.config.update(STRIPE_WEBHOOK_SECRET=None)
    assert post_event(client, {"id": "evt_2"}, "x").status_code == 503  # signed, unverifiable
    assert post_event(client, {"id": "evt_2"}, "x", signature=None).status_code == 400


def test_a_feature_bought_for_a_posting_closed_meanwhile_is_not_charged(
        client, login_as, fees, stripe_fake, run_jobs):
    employer = EmployerFactory()
    opportunity = OpportunityFactory(organization=employer.organization, created_by=employer)
    db.session.commit()
    login_as(employer)
    client.submit(f"/employers/opportunities/{opportunity.id}/feature", {},
                  page="/employers/opportunities")
    payment = db.session.scalar(sa.select(Payment).where(Payment.item == "featured"))
    postings.close_opportunity(opportunity, employer)
    db.session.commit()
    post_event(client, stripe_fake.complete(payment.checkout_session_id, deliver=False),
               stripe_fake.webhook_secret)
    run_jobs()
    db.session.expire_all()
    assert payment.status is PaymentStatus.RELEASED and payment.captured_at is None
    assert opportunity.featured_until is None
