"""Staff open the outcomes dashboard, filter to a cohort, drill into a gap, export the
list, run a background export, and import a CSV with one bad row; then the finished
dashboard (latest graduated class first, heatmap, one-outcome trend, small groups
suppressed), the annual report and its PDF, and an import checked before it is written,
each at 1280 and 390 px with screenshots."""

from __future__ import annotations

import csv
import re
import uuid
from datetime import UTC, date, datetime

import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.blueprints.accounts.models import StudentProfile, User
from marketplace.blueprints.outcomes.models import (
    DestinationCategory,
    FirstDestination,
    SourceKind,
)
from marketplace.blueprints.outcomes.services import record_evidence
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.journeys.helpers import (
    SCREENSHOTS,
    check_accessibility,
    follow_nav,
    log_in,
    log_out,
    reload_until_visible,
)
from tests.support import TEST_REDIS_URL, TMP_ROOT

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
    page.get_by_role("button", name="Show", exact=True).click()
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
    page.get_by_role("button", name="Check the file").click()
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


GRADUATED = 2026  # graduated in May 2026: first destinations count


def test_finished_dashboard_report_pdf_and_import_preview(page, phone, make_user, live_app):
    tag = uuid.uuid4().hex[:6]
    emails = []
    with live_app.app_context():
        for n in range(16):
            email = f"alum{n}-{tag}@school.edu"
            user = User(email=email, name=f"Alum {n} {tag}", role=Role.STUDENT,
                        password_hash="!imported")
            # Three dance majors: a group too small to show.
            user.student_profile = StudentProfile(
                graduation_year=GRADUATED, major="Dance" if n < 3 else
                ("Nursing" if n < 10 else "History"), first_generation=n % 2 == 0,
                pell_eligible=n % 3 == 0)
            db.session.add(user)
            db.session.flush()
            for k, key in enumerate(("experiential_learning", "connections", "career_design",
                                     "articulation")):
                if (n + k) % 3:
                    record_evidence(user.id, key, SourceKind.STAFF, 95_000 + n * 10 + k,
                                    occurred_at=datetime(2025, 12 + k, 1, tzinfo=UTC)
                                    if k == 0 else datetime(2026, 1 + (n % 5), 10, tzinfo=UTC))
            if n < 12:
                db.session.add(FirstDestination(
                    student_id=user.id, recorded_on=date(2026, 8, 1),
                    category=DestinationCategory.EMPLOYED_FULL_TIME if n % 4 else
                    DestinationCategory.CONTINUING_EDUCATION))
            emails.append(email)
        db.session.commit()
    staff_email = f"provost-{tag}@school.edu"
    make_user(Role.STAFF, staff_email, name="Pat Provost")

    log_in(page, staff_email)
    # Opens on a graduated class, not on "All students"; "All students" stays selectable.
    page.goto("/staff/outcomes")
    selected = page.locator("#graduation_year option:checked")
    expect(selected).not_to_have_text("All students")
    expect(page.locator("#graduation_year option[value=all]")).to_have_text("All students")

    page.goto(f"/staff/outcomes?graduation_year={GRADUATED}&group_by=major"
              "&outcome=experiential_learning")
    groups = page.get_by_role("figure", name=re.compile(
        f"Experiential Learning: share with evidence by major, Class of {GRADUATED}"))
    expect(groups).to_be_visible()
    expect(groups).to_contain_text("Overall rate:")
    dance = groups.locator("li", has_text="Dance")
    expect(dance).to_contain_text("fewer than 5 students")
    expect(dance).to_contain_text("not shown")
    heatmap = page.get_by_role("table", name=re.compile("Rates by major and outcome"))
    expect(heatmap.get_by_role("row", name=re.compile("^Dance"))).to_contain_text("fewer than 5")
    expect(page.get_by_text("Small groups are not shown")).to_be_visible()
    page.get_by_label("Outcome to follow").select_option("career_design")
    page.get_by_role("button", name="Show the trend").click()
    expect(page.get_by_role("figure", name=re.compile("^Career Design: share of"))).to_be_visible()
    check_accessibility(page, "outcomes-dashboard-finished")

    # The annual report, printable, and its PDF from a worker.
    page.goto(f"/staff/outcomes/report?graduation_year={GRADUATED}")
    expect(page.get_by_role("heading", level=1, name=f"Class of {GRADUATED}")).to_be_visible()
    for heading in ("Attainment", "Gaps", "Trend", "First destinations",
                    "Leading and lagging", "Outreach campaigns"):
        expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
    check_accessibility(page, "outcomes-annual-report")
    page.emulate_media(media="print")
    page.screenshot(path=str(SCREENSHOTS / "outcomes-annual-report-print.png"), full_page=True)
    expect(page.locator(".site-header")).to_be_hidden()
    page.emulate_media(media="screen")
    # Without Redis the job runs in the request, after its commit: a few seconds.
    page.get_by_role("button", name="Build the PDF").click(timeout=90_000)
    expect(page.get_by_role("heading", level=1)).to_contain_text("Annual report PDF")
    reload_until_visible(page, page.get_by_role("link", name="Download the PDF"), timeout=60)
    check_accessibility(page, "outcomes-annual-report-pdf")
    if not TEST_REDIS_URL:
        # With Redis the worker process keeps files in its own instance folder, which this
        # test's web app does not read (tests/outcomes checks that download both ways).
        with page.expect_download() as download:
            page.get_by_role("link", name="Download the PDF").click()
        with open(download.value.path(), "rb") as handle:
            assert handle.read(5) == b"%PDF-"

    # An import is checked and shown before anything is written.
    sheet = TMP_ROOT / f"roster-{tag}.csv"
    sheet.write_text("E-mail Address,Full Name,Grad Year,Major,First Generation,Pell,Phone\n"
                     f"{emails[0]},Alum Renamed {tag},{GRADUATED},Dance,Yes,Yes,555\n"
                     f"fresh-{tag}@school.edu,Fresh Face,2028,Welding,No,,556\n")
    page.goto("/staff/outcomes/import")
    check_accessibility(page, "outcomes-import-form")
    page.get_by_label("What the file holds").select_option("roster")
    page.get_by_label("CSV file").set_input_files(str(sheet))
    page.get_by_role("button", name="Check the file").click()
    expect(page.get_by_role("heading", level=1, name="Check the import")).to_be_visible()
    expect(page.locator("#import-ignored")).to_contain_text("“Phone”")
    expect(page.locator("#import-changes")).to_contain_text(f"name: Alum 0 {tag} → Alum Renamed")
    check_accessibility(page, "outcomes-import-preview")
    with live_app.app_context():
        assert db.session.scalar(sa.select(User).where(
            User.email == f"fresh-{tag}@school.edu")) is None
    page.get_by_role("button", name="Import 2 rows").click()
    expect(page.get_by_text("Imported 2 rows: 1 new, 1 updated, 0 unchanged.")).to_be_visible()
    with live_app.app_context():
        fresh = db.session.scalar(sa.select(User).where(User.email == f"fresh-{tag}@school.edu"))
        assert fresh is not None and fresh.student_profile.first_generation is False
    log_out(page)

    # The phone: no sideways scrolling, chart text at its normal size.
    log_in(phone, staff_email)
    phone.goto(f"/staff/outcomes?graduation_year={GRADUATED}&group_by=major")
    label = phone.locator(".bars__label").first
    size = float(label.evaluate("(e) => getComputedStyle(e).fontSize").removesuffix("px"))
    assert size >= 14, f"chart labels are {size}px on a phone"
    check_accessibility(phone, "outcomes-dashboard-finished-phone")
    phone.goto(f"/staff/outcomes/report?graduation_year={GRADUATED}")
    check_accessibility(phone, "outcomes-annual-report-phone")
    phone.goto("/staff/outcomes/import")
    phone.get_by_label("What the file holds").select_option("roster")
    phone.get_by_label("CSV file").set_input_files(str(sheet))
    phone.get_by_role("button", name="Check the file").click()
    expect(phone.locator("#import-counts")).to_contain_text("2")
    check_accessibility(phone, "outcomes-import-preview-phone")
