"""Staff open the outcomes dashboard, filter to a cohort, drill into a gap, export the
list, run a background export, and import a CSV with one bad row."""

from __future__ import annotations

import csv
import uuid

import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.blueprints.accounts.models import StudentProfile, User
from marketplace.blueprints.outcomes.models import SourceKind
from marketplace.blueprints.outcomes.services import record_evidence
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.journeys.helpers import check_accessibility, follow_nav, log_in, log_out
from tests.support import TMP_ROOT

YEAR = 2031  # a class of its own, so other journeys' students do not move the numbers


def test_dashboard_gap_drill_down_export_and_import(page, phone, make_user, live_app):
    tag = uuid.uuid4().hex[:6]
    emails = []
    with live_app.app_context():
        for n in range(12):
            email = f"grad{n}-{tag}@school.edu"
            user = User(email=email, name=f"Grad {n} {tag}", role=Role.STUDENT,
                        password_hash="!imported")
            user.student_profile = StudentProfile(graduation_year=YEAR, major="History",
                                                  first_generation=n < 6)
            db.session.add(user)
            db.session.flush()
            # First-generation students: 1 of 6 with Experiential Learning; others 5 of 6.
            if (n < 6 and n == 0) or (n >= 6 and n < 11):
                record_evidence(user.id, "experiential_learning", SourceKind.STAFF, 90_000 + n)
            emails.append(email)
        db.session.commit()
    staff_email = f"coach-{tag}@school.edu"
    make_user(Role.STAFF, staff_email, name="Casey Coach")

    log_in(page, staff_email)
    follow_nav(page, "Outcomes dashboard", group="Outcomes")
    page.get_by_label("Graduating class").select_option(str(YEAR))
    page.get_by_label("Break down by").select_option("first_generation")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(f"/staff/outcomes?graduation_year={YEAR}"
                             "&group_by=first_generation&outcome=experiential_learning")
    expect(page.get_by_role("heading", name=f"Class of {YEAR}: 12 students")).to_be_visible()
    check_accessibility(page, "outcomes-dashboard")
    gap = page.get_by_role("link", name="First-generation: Yes, Experiential Learning: 17% "
                                        "(-33 points)")
    expect(gap).to_be_visible()
    gap.click()
    expect(page.get_by_role("heading", level=1)).to_contain_text(
        "first-generation: Yes, no Experiential Learning evidence yet")
    expect(page.get_by_text("5 students")).to_be_visible()
    check_accessibility(page, "outcomes-drill-down")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download CSV").click()
    with open(download.value.path(), newline="", encoding="utf-8-sig") as handle:
        listed = list(csv.DictReader(handle))
    assert sorted(row["email"] for row in listed) == sorted(emails[1:6])

    # A background export, with its progress bar.
    page.get_by_role("link", name="← Career outcomes").click()
    page.get_by_label(f"Export for Class of {YEAR}").select_option("evidence")
    page.get_by_role("button", name="Build the CSV").click()
    expect(page.get_by_role("link", name="Download the CSV")).to_be_visible(timeout=30_000)
    expect(page.locator("progress")).to_have_attribute("value", "100")
    check_accessibility(page, "outcomes-export")

    # An import with one bad row is refused whole, with the line and the reason.
    sheet = TMP_ROOT / f"evidence-{tag}.csv"
    sheet.write_text("email,outcome,date,description\n"
                     f"{emails[1]},articulation,2026-10-01,Mock interview\n"
                     f"{emails[2]},articulation,2026-10-01,Mock interview\n"
                     f"nobody-{tag}@school.edu,articulation,2026-10-01,Mock interview\n")
    page.goto("/staff/outcomes/import")
    page.get_by_label("What the file holds").select_option("evidence")
    page.get_by_label("CSV file").set_input_files(str(sheet))
    page.get_by_role("button", name="Check and import").click()
    errors = page.locator("#import-errors")
    expect(errors).to_contain_text("Nothing was imported")
    expect(errors).to_contain_text(f"Line 4: no student account has the e-mail nobody-{tag}")
    check_accessibility(page, "outcomes-import-refused")
    with live_app.app_context():
        from marketplace.blueprints.outcomes.models import StaffRecord

        assert db.session.scalar(sa.select(sa.func.count(StaffRecord.id)).join(
            User, User.id == StaffRecord.student_id).where(User.email.in_(emails))) == 0
    log_out(page)

    # The dashboard at phone width: the charts shrink, wide tables scroll.
    log_in(phone, staff_email)
    phone.goto(f"/staff/outcomes?graduation_year={YEAR}&group_by=first_generation")
    expect(phone.get_by_role("heading", name=f"Class of {YEAR}: 12 students")).to_be_visible()
    width = phone.evaluate("() => document.documentElement.scrollWidth")
    assert width <= 400, f"the page is {width}px wide at phone width"
    check_accessibility(phone, "outcomes-dashboard-phone")
