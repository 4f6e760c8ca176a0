"""A paid posting: the employer submits and goes through (fake) Stripe Checkout, the
posting waits for review, staff approve, the employer's billing page shows it charged."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.billing import services as payments
from marketplace.blueprints.billing.models import Payment
from marketplace.blueprints.opportunities.models import Opportunity, OpportunityStatus
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.journeys.helpers import check_accessibility, log_in, log_out, reload_until_visible


def test_submit_pay_review_approve_captured(page, make_user, live_app, fake_stripe):
    tag = uuid.uuid4().hex[:6]
    employer_email, staff_email = f"payer-{tag}@acme.example", f"fees-{tag}@school.edu"
    make_user(Role.EMPLOYER, employer_email, name="Pat Payer",
              organization_name=f"Paying Co {tag}")
    make_user(Role.STAFF, staff_email, name="Fran Fees")
    title = f"Paid micro-internship {tag}"
    with live_app.app_context():
        employer = db.session.scalar(sa.select(User).where(User.email == employer_email))
        employer.organization.status = "verified"
        staff_id = db.session.scalar(sa.select(User.id).where(User.email == staff_email))
        db.session.add(Opportunity(
            organization_id=employer.organization_id, created_by_id=employer.id, title=title,
            kind="micro_internship", career_cluster="digital_technology",
            description="Clean a dataset and present three findings.", location="Remote",
            work_mode="remote", status=OpportunityStatus.DRAFT, positions=1,
            application_deadline=date.today() + timedelta(days=20)))
        db.session.commit()

    log_in(page, staff_email)
    page.goto("/staff/billing")
    page.get_by_label("Micro-internship, company").fill("49.00")
    page.get_by_label("Charge these fees").check()
    check_accessibility(page, "staff-fees")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_role("status").first).to_contain_text("Fees saved")
    log_out(page)
    try:
        log_in(page, employer_email)
        page.goto("/employers/opportunities")
        page.get_by_role("link", name=title).click()
        page.get_by_role("button", name="Submit for review").click()
        # Stripe's (fake) checkout page, then back to the billing page.
        expect(page.get_by_role("heading", name="Test checkout")).to_be_visible()
        expect(page.get_by_text("Amount: $49.00")).to_be_visible()
        page.get_by_role("button", name="Pay $49.00").click()
        expect(page.get_by_role("heading", name="Billing", exact=True)).to_be_visible()
        expect(page.get_by_role("status").first).to_contain_text("Once Stripe confirms")
        check_accessibility(page, "employer-billing-authorized")
        page.goto("/employers/opportunities")
        reload_until_visible(page, page.get_by_text("Pending review"))
        log_out(page)

        log_in(page, staff_email)
        page.goto("/staff/review")
        expect(page.get_by_text("Fee of $49.00 authorized")).to_be_visible()
        check_accessibility(page, "staff-review-paid")
        card = page.locator("li.result").filter(has_text=title)
        card.get_by_role("button", name="Approve").click()
        expect(page.get_by_role("status").first).to_contain_text("Approved")
        log_out(page)

        log_in(page, employer_email)
        page.goto("/employers/billing")
        reload_until_visible(page, page.get_by_text("Captured"))
        expect(page.get_by_role("link", name=f"Receipt for {title}")).to_be_visible()
        check_accessibility(page, "employer-billing-captured")
        log_out(page)
        with live_app.app_context():
            payment = db.session.scalar(sa.select(Payment).join(Opportunity).where(
                Opportunity.title == title))
            assert payment.amount_cents == 4900 and payment.status.value == "captured"
    finally:
        with live_app.app_context():
            payments.update_fees(db.session.get(User, staff_id), {}, fees_enabled=False,
                                 featured_days=14)
            db.session.commit()
