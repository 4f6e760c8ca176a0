"""Searching on a phone (390 × 844): the first result on the first screen, the filters behind
a "Filters" button, a count of the results, a typo forgiven; on a laptop the filters show."""

from __future__ import annotations

import uuid
from datetime import timedelta

from playwright.sync_api import expect

from marketplace.blueprints.accounts.models import Organization, OrganizationStatus, User
from marketplace.blueprints.opportunities.models import (
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    WorkMode,
)
from marketplace.core.clock import institution_today
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.journeys.helpers import check_accessibility


def _first_result_on_screen(page) -> None:
    box = page.locator(".results .result h2 a").first.bounding_box()
    assert box is not None and box["y"] >= 0
    assert box["y"] + box["height"] <= page.viewport_size["height"], box


def _no_sideways_scrolling(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= 390


def test_search_on_a_phone_and_on_a_laptop(phone, page, live_app, make_user):
    tag = uuid.uuid4().hex[:6]
    word = f"quillfeather{tag}"  # a word only these postings have
    employer_id = make_user(Role.EMPLOYER, f"host-{tag}@clinic.example",
                            organization_name=f"Quill Clinic {tag}")
    with live_app.app_context():
        organization_id = db.session.get(User, employer_id).organization_id
        organization = db.session.get(Organization, organization_id)
        organization.status = OrganizationStatus.VERIFIED
        for title, mode, location in (
                (f"Remote {word} Data Analyst", WorkMode.REMOTE, ""),
                (f"{word} Nursing Internship", WorkMode.ONSITE, "Dayton, OH")):
            db.session.add(Opportunity(
                organization_id=organization_id, title=title, kind=OpportunityKind.INTERNSHIP,
                status=OpportunityStatus.PUBLISHED, published_at=utcnow(),
                application_deadline=institution_today() + timedelta(days=30),
                description="Real work with a friendly team.", location=location,
                work_mode=mode, career_cluster="healthcare_human_services", positions=1,
                skills=[], risk_flags=[]))
        db.session.commit()

    # A visitor on a phone: the first result is on the first screen, the filters folded.
    phone.goto("/opportunities")
    expect(phone.locator("#result-count")).to_contain_text("postings")
    _first_result_on_screen(phone)
    _no_sideways_scrolling(phone)
    toggle = phone.get_by_role("button", name="Filters")
    expect(toggle).to_have_attribute("aria-expanded", "false")
    expect(phone.get_by_label("Kind")).to_be_hidden()
    check_accessibility(phone, "browse-phone")

    # The filters open and close with the button, and work as before.
    toggle.click()
    expect(toggle).to_have_attribute("aria-expanded", "true")
    expect(phone.get_by_label("Kind")).to_be_visible()
    _no_sideways_scrolling(phone)
    check_accessibility(phone, "browse-phone-filters-open")
    phone.get_by_label("Where").select_option("onsite")
    phone.get_by_label("Search", exact=True).fill(word)
    phone.get_by_role("button", name="Search", exact=True).click()
    expect(phone.locator("#result-count")).to_have_text(f"1 posting match “{word}”.")
    expect(phone.get_by_role("link", name=f"{word} Nursing Internship")).to_be_visible()
    expect(phone.get_by_role("button", name="Filters (1 chosen)")).to_be_visible()

    # Any word: a typo in one, and a work-mode word.
    typo = word.replace("ll", "l")
    phone.goto(f"/opportunities?q={typo}")
    expect(phone.locator("#result-count")).to_contain_text("2 postings match")
    _first_result_on_screen(phone)
    phone.goto(f"/opportunities?q=remote+{word}")
    expect(phone.locator(".results .result h2").first).to_have_text(
        f"Remote {word} Data Analyst")
    _first_result_on_screen(phone)
    _no_sideways_scrolling(phone)
    check_accessibility(phone, "browse-phone-search")

    # On a laptop the filters are simply there, with no button.
    page.goto(f"/opportunities?q=dayton+{word}")
    expect(page.get_by_role("button", name="Filters")).to_be_hidden()
    expect(page.get_by_label("Kind")).to_be_visible()
    expect(page.locator(".results .result h2").first).to_have_text(
        f"{word} Nursing Internship")
    check_accessibility(page, "browse-laptop-search")
