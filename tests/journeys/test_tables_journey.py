"""Tables on a phone (390 × 844): each row a card, each cell under its column's name, the
action buttons wrapped inside the card, nothing scrolling sideways; on a laptop the same
tables stay tables."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
from playwright.sync_api import expect

from marketplace.blueprints.accounts.models import Organization, OrganizationStatus
from marketplace.blueprints.applications.models import Application, ApplicationStatus
from marketplace.blueprints.billing.models import Payment, PaymentStatus
from marketplace.blueprints.opportunities.models import (
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
)
from marketplace.core.clock import institution_today
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.journeys.helpers import check_accessibility, follow_nav, log_in

PHONE_WIDTH = 390
LONG_TITLE = "Patient Navigator Intern (Summer, Bilingual Spanish) at the Downtown Campus"
LONG_ORGANIZATION = "Riverside Community Clinic and Family Health Partnership of the Miami Valley"


def _posting(organization_id: int, title: str, status: OpportunityStatus,
             **values) -> Opportunity:
    posting = Opportunity(organization_id=organization_id, title=title, status=status,
                          kind=OpportunityKind.MICRO_INTERNSHIP,
                          career_cluster="healthcare_human_services",
                          description="Help patients find their way around the clinic.",
                          location="Dayton, OH", positions=2,
                          application_deadline=institution_today() + timedelta(days=30),
                          **values)
    db.session.add(posting)
    db.session.flush()
    return posting


@pytest.fixture(scope="module")
def people(live_app):
    """An employer with postings in every state that has its own actions, applicants, and
    a captured payment (its refund form is the widest cell), plus a staff member."""
    from marketplace.blueprints.accounts import services as accounts

    tag = uuid.uuid4().hex[:6]
    emails = {"employer": f"tina-{tag}@clinic.example", "staff": f"tom-{tag}@school.edu"}
    with live_app.app_context():
        employer = accounts.create_user(emails["employer"], "Tina Table", Role.EMPLOYER,
                                        "browser passphrase",
                                        organization_name=f"{LONG_ORGANIZATION} {tag}")
        accounts.create_user(emails["staff"], "Tom Table", Role.STAFF, "browser passphrase")
        db.session.flush()
        db.session.get(Organization, employer.organization_id).status = \
            OrganizationStatus.VERIFIED
        clinic = employer.organization_id
        live = _posting(clinic, f"{LONG_TITLE} {tag}", OpportunityStatus.PUBLISHED,
                        published_at=utcnow())
        _posting(clinic, f"Front desk shadow day {tag}", OpportunityStatus.AWAITING_PAYMENT)
        _posting(clinic, f"Records clerk {tag}", OpportunityStatus.REJECTED,
                 rejection_reason="Please state the hourly pay and who supervises the intern.")
        _posting(clinic, f"Draft idea {tag}", OpportunityStatus.DRAFT)
        for n in range(2):
            student = accounts.create_user(f"table-student{n}-{tag}@school.edu",
                                           f"Student Withaverylongfamilyname{n}",
                                           Role.STUDENT, "browser passphrase")
            db.session.add(Application(opportunity_id=live.id, student_id=student.id,
                                       status=ApplicationStatus.SUBMITTED))
        db.session.add(Payment(organization_id=clinic, opportunity_id=live.id,
                               item="micro_internship", amount_cents=7500,
                               status=PaymentStatus.CAPTURED, idempotency_key=f"cards-{tag}",
                               authorized_at=utcnow(), captured_at=utcnow()))
        db.session.commit()
    return {**emails, "title": f"{LONG_TITLE} {tag}", "tag": tag}


def _tables_fit(page) -> None:
    """The page is no wider than the phone and no table scrolls inside it."""
    width = page.evaluate("() => document.documentElement.scrollWidth")
    assert width <= PHONE_WIDTH, f"{page.url} is {width} px wide on a {PHONE_WIDTH} px phone"
    wraps = page.evaluate("""() => [...document.querySelectorAll('.table-wrap')].map(
        (wrap) => [wrap.scrollWidth, wrap.clientWidth])""")
    assert wraps, "no table on the page"
    for scroll_width, client_width in wraps:
        assert scroll_width <= client_width, f"a table scrolls sideways: {scroll_width} px " \
                                             f"in {client_width} px"


def _shown_as_cards(page) -> None:
    """Rows are cards, the header row is out of sight (still in the page), each cell's
    column name is shown before it, and the table keeps its table roles."""
    state = page.evaluate("""() => {
        const table = document.querySelector('table.table--cards');
        const head = table.tHead.getBoundingClientRect();
        const cell = table.querySelector('tbody td[data-label]:not(.cell--actions)');
        return {display: getComputedStyle(table.querySelector('tbody tr')).display,
                head: [head.width, head.height],
                label: getComputedStyle(cell, '::before').content,
                dataLabel: cell.dataset.label,
                roles: [table.getAttribute('role'),
                        table.querySelector('tbody tr').getAttribute('role'),
                        cell.getAttribute('role'),
                        table.querySelector('thead th').getAttribute('role')]};
    }""")
    assert state["display"] == "block"
    assert state["head"][0] <= 1 and state["head"][1] <= 1
    assert state["dataLabel"] in state["label"], state
    assert state["roles"] == ["table", "row", "cell", "columnheader"]


def _inside_the_screen(page, locator) -> None:
    for n in range(locator.count()):
        box = locator.nth(n).bounding_box()
        assert box and box["x"] >= 0 and box["x"] + box["width"] <= PHONE_WIDTH, \
            f"{locator.nth(n).inner_text()!r} reaches past the screen: {box}"


def test_employer_postings_are_cards_on_a_phone(phone, people):
    log_in(phone, people["employer"])
    follow_nav(phone, "Postings")
    expect(phone.get_by_role("heading", name="Your postings")).to_be_visible()
    _tables_fit(phone)
    _shown_as_cards(phone)
    card = phone.locator("tbody tr", has=phone.get_by_role("link", name=people["title"]))
    expect(card.locator("td[data-label=Status]")).to_contain_text("Published")
    expect(phone.get_by_text("Staff: Please state the hourly pay")).to_be_visible()
    actions = phone.locator(".cell--actions a, .cell--actions button")
    assert actions.count() >= 6  # View, Applicants, Duplicate ×4, Authorize the fee
    _inside_the_screen(phone, actions)
    check_accessibility(phone, "tables-postings-phone")
    # The buttons of a card still work: the published posting's applicants.
    card.get_by_role("link", name=f"Applicants for {people['title']}").click()
    expect(phone.get_by_role("heading", level=1)).to_contain_text(people["title"])


def test_staff_tables_are_cards_on_a_phone(phone, people):
    log_in(phone, people["staff"])
    phone.goto("/staff/applications")
    expect(phone.get_by_role("heading", name="Applications")).to_be_visible()
    _tables_fit(phone)
    _shown_as_cards(phone)
    row = phone.locator("tbody tr", has_text="Withaverylongfamilyname0")
    expect(row.locator("td[data-label=Opportunity]")).to_have_text(people["title"])
    check_accessibility(phone, "tables-staff-applications-phone")

    # The widest cell of all: a refund form with its reason field, inside the card.
    phone.goto("/staff/payments")
    _tables_fit(phone)
    _shown_as_cards(phone)
    refund = phone.locator("tbody tr", has_text=people["title"])
    _inside_the_screen(phone, refund.locator("input:not([type=hidden]), button"))
    expect(refund.get_by_label("Reason")).to_be_editable()
    check_accessibility(phone, "tables-staff-payments-phone")


def test_wide_screens_keep_the_table(page, people):
    log_in(page, people["employer"])
    page.goto("/employers/opportunities")
    state = page.evaluate("""() => {
        const table = document.querySelector('table.table--cards');
        const cell = table.querySelector('tbody td[data-label]');
        return [getComputedStyle(table).display, getComputedStyle(table.tHead).display,
                getComputedStyle(table.querySelector('tbody tr')).display,
                getComputedStyle(cell, '::before').content,
                table.tHead.getBoundingClientRect().height > 20];
    }""")
    assert state == ["table", "table-header-group", "table-row", "none", True]
    check_accessibility(page, "tables-postings-wide")
