"""A student claims their Experiential Learning credential and adds it to LinkedIn; a
visitor without an account verifies it; staff revoke it; the visitor sees it revoked.
The student's pages are also walked on a phone."""

from __future__ import annotations

import uuid
from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from playwright.sync_api import expect

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.credentials import keys
from marketplace.blueprints.outcomes.models import SourceKind
from marketplace.blueprints.outcomes.services import record_evidence
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.journeys.helpers import check_accessibility, follow_nav, log_in, log_out


def test_claim_share_verify_and_revoke_a_credential(page, phone, browser, base_url,
                                                    make_user, live_app):
    tag = uuid.uuid4().hex[:6]
    student_email = f"rae-{tag}@school.edu"
    make_user(Role.STUDENT, student_email, name=f"Rae Okafor {tag}")
    staff_email = f"sam-{tag}@school.edu"
    make_user(Role.STAFF, staff_email, name="Sam Staff")
    with live_app.app_context():
        if keys.active_key() is None:
            keys.create_key()
        student = db.session.scalar(db.select(User).where(User.email == student_email))
        record_evidence(student.id, "experiential_learning", SourceKind.PLACEMENT,
                        900_000 + student.id,
                        {"opportunity": f"Lab Assistant {tag}", "organization": "Riverside Labs",
                         "hours": 96}, occurred_at=utcnow() - timedelta(days=10))
        db.session.commit()

    # The student claims it from their credentials page.
    log_in(page, student_email)
    follow_nav(page, "My credentials", group="Me")
    expect(page.get_by_role("heading", level=1)).to_have_text("My credentials")
    check_accessibility(page, "credentials-unclaimed")
    page.get_by_role("button", name="Claim this credential").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Your Experiential Learning credential is ready to share.")
    claimed = page.get_by_role("region", name="Claimed")
    expect(claimed).to_contain_text(f"Lab Assistant {tag} at Riverside Labs")
    check_accessibility(page, "credentials-claimed")

    # "Add to LinkedIn" opens LinkedIn's certification form, filled in.
    linkedin = claimed.get_by_role("link", name="Add to LinkedIn")
    query = parse_qs(urlsplit(linkedin.get_attribute("href")).query)
    share_url = claimed.get_by_label("Link to share").input_value()
    assert query["startTask"] == ["CERTIFICATION_NAME"]
    assert query["name"] == ["Experiential Learning"]
    assert query["certUrl"] == [share_url]
    assert share_url.startswith(base_url + "/credentials/")

    # On a phone the same pages read well too.
    log_in(phone, student_email)
    phone.goto("/me/credentials")
    expect(phone.get_by_role("heading", level=1)).to_have_text("My credentials")
    check_accessibility(phone, "credentials-phone")
    log_out(page)

    # A visitor with no account opens the link the student shared, and verifies it.
    visitor_context = browser.new_context(base_url=base_url)
    visitor = visitor_context.new_page()
    visitor.goto(share_url)
    expect(visitor.get_by_role("status")).to_contain_text("Verified.")
    visitor.get_by_label("The e-mail address the student gave you").fill(student_email)
    visitor.get_by_role("button", name="Check the address").click()
    expect(visitor.locator(".notice--success").last).to_contain_text(
        "Yes: it was issued to that address.")
    check_accessibility(visitor, "credential-public")

    # Staff revoke it: evidence recorded in error.
    log_in(page, staff_email)
    follow_nav(page, "Credentials", group="Outcomes")
    page.get_by_label("Student's e-mail").fill(student_email)
    page.get_by_role("button", name="Find").click()
    page.get_by_label(f"Why revoke Rae Okafor {tag}'s Experiential Learning credential").fill(
        "Placement recorded in error")
    check_accessibility(page, "credentials-staff")
    page.get_by_role("button", name="Revoke").click()
    expect(page.get_by_role("status").first).to_contain_text(
        "Anyone verifying it now reads: Placement recorded in error")
    log_out(page)

    # The visitor looks again: revoked, and why.
    visitor.reload()
    expect(visitor.get_by_role("alert")).to_contain_text("Not valid.")
    expect(visitor.get_by_role("alert")).to_contain_text("Placement recorded in error")
    visitor_context.close()
