"""The finished outcomes dashboard (latest graduated class first, small-cell suppression,
the gaps heatmap, graduates-only first destinations), the annual report and its PDF,
and imports people can use (forgiving headers, US dates, templates, a preview)."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marketplace.blueprints.accounts.models import StudentProfile, User
from marketplace.blueprints.outcomes import charts, import_preview, imports, reports
from marketplace.blueprints.outcomes.campaigns.models import (
    Arm,
    Campaign,
    CampaignMember,
    NextStep,
)
from marketplace.blueprints.outcomes.models import (
    DestinationCategory,
    ExportJob,
    ExportStatus,
    FirstDestination,
    SourceKind,
    StaffRecord,
)
from marketplace.blueprints.outcomes.services import record_evidence
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.storage import storage, sweep_unreferenced
from tests.factories import StaffFactory, StudentFactory
from tests.support import form_fields

TODAY = date(2026, 11, 30)  # the class of 2026 graduated in May; 2027 has not


def student(year, major="Biology", first_gen=None, pell=None, email=None):
    extra = {"email": email} if email else {}
    user = StudentFactory(student_profile=StudentProfile(
        graduation_year=year, major=major, first_generation=first_gen, pell_eligible=pell),
        **extra)
    db.session.flush()
    return user


def give(user, outcome, source_id=5000):
    record_evidence(user.id, outcome, SourceKind.STAFF, source_id)


def destination(user, category=DestinationCategory.EMPLOYED_FULL_TIME):
    db.session.add(FirstDestination(student_id=user.id, category=category,
                                    recorded_on=date(2026, 8, 1)))


def cells(html: str, row_label: str) -> str:
    """The HTML of the heatmap row whose heading is ``row_label``."""
    found = re.search(r"<tr><th scope=\"row\">" + re.escape(row_label) + r"</th>(.*?)</tr>",
                      html, re.S)
    assert found, f"no heatmap row {row_label!r}"
    return found.group(1)


# -- the dashboard ------------------------------------------------------------------

def test_the_latest_graduated_class_is_the_default():
    assert reports.last_graduated_class(date(2026, 5, 31)) == 2025
    assert reports.last_graduated_class(date(2026, 6, 1)) == 2026
    for year in (2025, 2026, 2027, 2028):
        student(year)
    assert reports.default_class(date(2026, 11, 30)) == 2026
    assert reports.default_class(date(2026, 4, 1)) == 2025
    # No class has graduated yet: the newest one.
    assert reports.default_class(date(2020, 7, 1)) == 2028


def test_the_dashboard_opens_on_the_latest_graduated_class(client, login_as):
    graduated_through = reports.last_graduated_class(date.today())
    for _ in range(3):
        student(graduated_through)
    for _ in range(2):
        student(graduated_through + 1)
    student(graduated_through - 1)
    db.session.commit()
    login_as(StaffFactory())
    page = client.get("/staff/outcomes").get_data(as_text=True)
    assert f"Class of {graduated_through}: 3 students" in page
    assert f'<option value="{graduated_through}" selected>' in page
    assert f"Class of {graduated_through + 1} (not graduated)" in page
    everyone = client.get("/staff/outcomes?graduation_year=all").get_data(as_text=True)
    assert "All students: 6 students" in everyone
    assert '<option value="all" selected>All students</option>' in everyone


def test_only_the_dashboard_defaults_to_a_class(client, login_as):
    """Drill-downs and exports with no class in the address still mean every student."""
    older, newer = student(2025), student(2026)
    db.session.commit()
    login_as(StaffFactory())
    listed = client.get("/staff/outcomes/students?outcome=career_design&has=0"
                        ).get_data(as_text=True)
    assert older.email in listed and newer.email in listed


def test_a_group_of_four_shows_no_rate(client, login_as):
    tiny = [student(2026, major="Astronomy") for _ in range(4)]
    big = [student(2026, major="Nursing") for _ in range(6)]
    for user in tiny + big[:3]:
        give(user, "experiential_learning")
    db.session.commit()
    result = reports.summary(2026, "major")
    bars = {bar.label: bar for bar in charts.group_bars(result, "experiential_learning",
                                                        "t").bars}
    assert bars["Astronomy"].suppressed and bars["Astronomy"].rate is None
    assert bars["Nursing"].rate == 0.5
    assert all(group.label != "Astronomy" for group, _, _ in result.gaps())

    login_as(StaffFactory())
    page = client.get("/staff/outcomes?graduation_year=2026&group_by=major"
                      "&outcome=experiential_learning").get_data(as_text=True)
    assert "Small groups are not shown" in page  # said on the page
    # The bar chart: the group is named, with neither a bar nor its 100 %.
    row = re.search(r'<li class="bars__row bars__row--suppressed">(.*?)</li>', page, re.S)
    assert row and "Astronomy" in row.group(1)
    assert "fewer than 5 students" in row.group(1) and "%" not in row.group(1)
    assert "bars__bar" not in row.group(1)
    # The heatmap: "fewer than 5" students, no rate in any cell.
    astronomy = cells(page, "Astronomy")
    assert "fewer than 5" in astronomy and astronomy.count("not shown") == 6
    assert "%" not in astronomy
    assert "50%" in cells(page, "Nursing")
    # The overall line across the group bars, and the chart says which outcome it shows.
    assert "Experiential Learning: share with evidence by major, Class of 2026" in page
    assert "Overall rate: 70%" in page  # 7 of 10, the small group's students included


def test_heatmap_cells_are_shaded_by_points_below_overall(client, login_as):
    behind = [student(2026, first_gen=True) for _ in range(6)]
    ahead = [student(2026, first_gen=False) for _ in range(6)]
    for user in behind[:1] + ahead[:5]:
        give(user, "connections")
    db.session.commit()
    heat = charts.heatmap(reports.summary(2026, "first_generation"))
    rows = {row.label: row for row in heat.rows}
    yes = next(c for c in rows["Yes"].cells if c.key == "connections")
    no = next(c for c in rows["No"].cells if c.key == "connections")
    assert (round(yes.rate, 3), yes.gap, yes.shade) == (0.167, -33.3, 4)
    assert (no.gap, no.shade) == (33.3, 0)
    assert [charts.shade(g) for g in (0, 3, -4.9, -5, -9.9, -10, -19.9, -20, -50)] == [
        0, 0, 1, 2, 2, 3, 3, 4, 4]

    login_as(StaffFactory())
    page = client.get("/staff/outcomes?graduation_year=2026&group_by=first_generation"
                      "&outcome=connections").get_data(as_text=True)
    first_gen = cells(page, "Yes")
    # A real table cell per outcome, labelled with its column; the number and the gap in
    # words, not only the colour.
    cell = re.search(r'<td data-label="Connections" class="heat heat--4">(.*?)</td>',
                     first_gen, re.S)
    assert cell and "17%" in cell.group(1) and "−33 points" in cell.group(1)
    assert "▼" in cell.group(1)
    assert '<th scope="col">Connections</th>' in page
    assert "20 or more points below" in page  # the key says what each shade means


def test_first_destinations_count_graduates_only(client, login_as):
    graduates = [student(2026) for _ in range(4)]
    still_here = [student(2027) for _ in range(4)]
    for user in graduates[:3]:
        destination(user)
    destination(still_here[0], DestinationCategory.CONTINUING_EDUCATION)  # no: not a graduate
    db.session.commit()
    everyone, _, _ = reports.destinations(None, today=TODAY)
    assert (everyone.graduates, everyone.known) == (4, 3)
    assert everyone.knowledge_rate == 0.75
    class_of_2027, with_doing, without = reports.destinations(2027, today=TODAY)
    assert (class_of_2027.graduates, class_of_2027.known) == (0, 0)
    assert with_doing.graduates == without.graduates == 0
    # Once the class of 2027 has graduated it counts.
    later, _, _ = reports.destinations(None, today=date(2027, 7, 1))
    assert (later.graduates, later.known) == (8, 4)

    login_as(StaffFactory())
    if reports.last_graduated_class(date.today()) == 2026:
        page = client.get("/staff/outcomes?graduation_year=all").get_data(as_text=True)
        assert "knowledge rate (3 of 4 known)" in page
        page = client.get("/staff/outcomes?graduation_year=2027").get_data(as_text=True)
        assert "The class of 2027 graduates in May 2027" in page
        assert "knowledge rate (" not in page


def test_the_trend_shows_one_outcome_at_a_time(client, login_as):
    user = student(2026)
    give(user, "articulation")
    db.session.commit()
    login_as(StaffFactory())
    page = client.get("/staff/outcomes?graduation_year=2026&trend=articulation"
                      ).get_data(as_text=True)
    assert page.count('class="trend__line"') == 1
    assert "Articulation: share of Class of 2026 with evidence by each month" in page
    assert '<option value="articulation" selected>Articulation</option>' in page
    odd = client.get("/staff/outcomes?graduation_year=2026&trend=nope")
    assert odd.status_code == 200 and "Experiential Learning: share of" in odd.get_data(
        as_text=True)


# -- the annual report -----------------------------------------------------------------

@pytest.fixture
def class_of_2026():
    """Ten graduates of 2026: six first-generation; a campaign about Job Search."""
    staff = StaffFactory()
    users = [student(2026, first_gen=n < 6, major="History") for n in range(10)]
    for user in users[:4]:
        give(user, "experiential_learning")
        give(user, "connections")
    for user in users[:6]:
        destination(user)
    destination(users[6], DestinationCategory.NOT_SEEKING)
    campaign = Campaign(graduation_year=2026, missing_outcome="job_search",
                        subject="Start your search this week", message="Apply to five.",
                        next_step=NextStep.OUTCOMES, holdout_percent=20, segment_size=10,
                        holdout_size=2, sent=8, created_by_id=staff.id,
                        created_at=utcnow() - timedelta(days=40))
    db.session.add(campaign)
    db.session.flush()
    for n, user in enumerate(users):
        db.session.add(CampaignMember(campaign_id=campaign.id, student_id=user.id,
                                      arm=Arm.HOLDOUT if n >= 8 else Arm.CONTACTED,
                                      sent_at=None if n >= 8 else campaign.created_at))
    for user in users[:3]:  # three written-to students reached Job Search after it
        give(user, "job_search", source_id=9000)
    db.session.commit()
    return staff, users


def test_the_annual_report_page(class_of_2026, client, login_as):
    staff, _ = class_of_2026
    login_as(staff)
    response = client.get("/staff/outcomes/report?graduation_year=2026")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for heading in ("Attainment", "Gaps", "Trend", "First destinations",
                    "Leading and lagging", "Outreach campaigns"):
        assert f">{heading}</h2>" in page
    assert "Class of 2026" in page and "10 students" in page
    assert "4 of 10" in page  # Experiential Learning
    assert "70%" in page and "(7 of 10 graduates known)" in page  # knowledge rate
    assert "Start your search this week" in page and "3 of 8" in page and "0 of 2" in page
    assert 'media="print"' not in page and "css/report.css" in page  # the print stylesheet
    # No class named: the latest graduated one; nonsense is not a 500.
    assert client.get("/staff/outcomes/report").status_code == 200
    assert client.get("/staff/outcomes/report?graduation_year=%C2%B2").status_code == 200


def test_the_pdf_is_built_in_the_background_and_holds_the_numbers(
        class_of_2026, client, login_as, run_jobs):
    from pypdf import PdfReader

    staff, _ = class_of_2026
    login_as(staff)
    response = client.submit("/staff/outcomes/report/pdf", {"graduation_year": "2026"},
                             page="/staff/outcomes/report?graduation_year=2026")
    assert response.status_code == 302
    export = db.session.scalar(sa.select(ExportJob).order_by(ExportJob.id.desc()))
    assert export.kind == "annual_report" and export.params == {"graduation_year": 2026}
    run_jobs()
    db.session.refresh(export)
    assert export.status is ExportStatus.DONE and export.rows >= 1
    status = client.get(f"/staff/outcomes/exports/{export.id}").get_data(as_text=True)
    assert "Download the PDF" in status
    download = client.get(f"/staff/outcomes/exports/{export.id}/download")
    assert download.status_code == 200 and download.mimetype == "application/pdf"
    data = download.get_data()
    assert data.startswith(b"%PDF")
    text = " ".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)
    text = " ".join(text.split())
    assert "Class of 2026" in text
    assert "Knowledge rate" in text and "70%" in text
    assert "Start your search this week" in text
    client.post("/auth/logout", data={"csrf_token": client.csrf_token()})
    login_as(StudentFactory())
    assert client.get(f"/staff/outcomes/exports/{export.id}/download").status_code == 403


def test_a_pdf_needs_a_class(client, login_as):
    login_as(StaffFactory())
    for value in ("", "soon", "99999"):
        response = client.submit("/staff/outcomes/report/pdf", {"graduation_year": value},
                                 page="/staff/outcomes/report")
        assert response.status_code == 400


# -- imports -------------------------------------------------------------------------

def preview(client, kind: str, text: str):
    return client.post("/staff/outcomes/import", data={
        "csrf_token": client.csrf_token(), "kind": kind,
        "file": (io.BytesIO(text.encode()), "roster.csv")}, content_type="multipart/form-data")


def confirm(client, html: str):
    """Submit the preview's "Import" form (with this client's own CSRF token: another
    staff member's session has its own)."""
    fields = form_fields(html, "/staff/outcomes/import/confirm", page="/staff/outcomes/import")
    fields["csrf_token"] = client.csrf_token()
    return client.post("/staff/outcomes/import/confirm", data=fields)


def uploads() -> list[str]:
    return [key for key, _ in storage().keys(import_preview.AREA)]


@pytest.fixture(autouse=True)
def no_uploads_from_other_tests(db_session):
    """The store is not rolled back with the database: start each test with none."""
    for key in uploads():
        storage().delete(key)


def test_a_first_generation_header_stores_the_flag(client, login_as):
    """Issue 17: "First Generation" imported "1 rows" and stored no flag."""
    login_as(StaffFactory())
    text = ("Email,Full Name,Grad Year,Major,First Generation,Pell Grant\n"
            "ada@school.edu,Ada Byron,2027,Mathematics,Yes,No\n")
    shown = preview(client, "roster", text)
    assert shown.status_code == 200
    done = confirm(client, shown.get_data(as_text=True))
    assert done.status_code == 302
    profile = db.session.scalar(sa.select(StudentProfile).join(User).where(
        User.email == "ada@school.edu"))
    assert profile.first_generation is True and profile.pell_eligible is False
    assert profile.graduation_year == 2027


@pytest.mark.parametrize(("header", "column"), [
    ("First Gen", "first_generation"), ("First Generation", "first_generation"),
    ("first_generation", "first_generation"), ("FIRST-GENERATION", "first_generation"),
    ("Pell", "pell_eligible"), ("Pell Grant", "pell_eligible"),
    ("pell eligible", "pell_eligible"), ("Grad Year", "graduation_year"),
    ("Class", "graduation_year"), ("graduation-year", "graduation_year"),
    ("E-mail", "email"), ("Email Address", "email"), (" EMAIL ", "email"),
    ("Student Name", "name"), ("Full Name", "name"), ("Occurred On", "date"),
    ("Phone", None), ("", None),
])
def test_headers_are_matched_forgivingly(header, column):
    assert imports.column_for(header) == column


@pytest.mark.parametrize(("text", "expected"), [
    ("11/21/2026", date(2026, 11, 21)), ("1/5/2026", date(2026, 1, 5)),
    ("2026-11-21", date(2026, 11, 21)), ("2026-1-5", date(2026, 1, 5)),
    ("2026-11-21 00:00:00", date(2026, 11, 21)), ("13/45/2026", None),
    ("21.11.2026", None), ("11/21/26", None), ("yesterday", None), ("", None),
])
def test_us_and_iso_dates(text, expected):
    assert imports.parse_date(text) == expected


def test_an_evidence_file_with_us_dates_and_other_columns(client, login_as):
    user = student(2026, email="ima@school.edu")
    db.session.commit()
    login_as(StaffFactory())
    shown = preview(client, "evidence", "E-mail Address,Outcome,Date,Description,Major,Phone\n"
                                        "ima@school.edu,Career Design,1/5/2026,Workshop,"
                                        "History,555-0100\n")
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200, page[:800]
    # Unknown and unused columns are named, not dropped silently.
    assert "2 columns are not imported" in page
    assert "“Major” (not used when importing outcome evidence)" in page
    assert "“Phone” (not a column this import knows)" in page
    assert "Career Design on 2026-01-05: Workshop" in page
    confirm(client, page)
    record = db.session.scalar(sa.select(StaffRecord).where(StaffRecord.student_id == user.id))
    assert record.occurred_on == date(2026, 1, 5) and record.outcome == "career_design"


@pytest.mark.parametrize("kind", list(imports.KINDS))
def test_each_import_has_a_template_to_download(client, login_as, kind):
    login_as(StaffFactory())
    response = client.get(f"/staff/outcomes/import/template/{kind}.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    body = response.get_data().decode("utf-8")
    assert body.startswith("\ufeff")  # Excel reads it as UTF-8
    assert body[1:].strip().split(",") == imports.COLUMNS[kind]
    page = client.get("/staff/outcomes/import").get_data(as_text=True)
    assert f'href="/staff/outcomes/import/template/{kind}.csv"' in page


def test_an_unknown_template_is_not_found(client, login_as):
    login_as(StaffFactory())
    assert client.get("/staff/outcomes/import/template/payroll.csv").status_code == 404


def test_the_preview_writes_nothing_and_the_import_writes_it(client, login_as):
    existing = student(2026, major="History", email="old@school.edu")
    db.session.commit()
    login_as(StaffFactory())
    text = ("email,name,graduation_year,major,first_generation,pell_eligible\n"
            f"{existing.email},{existing.name},2026,Nursing,,\n"
            "new@school.edu,New Person,2028,Welding,yes,\n")
    shown = preview(client, "roster", text)
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200 and "Nothing has been written yet" in page
    counts = re.sub(r"\s+", " ", re.search(r'id="import-counts">(.*?)</div>\s*</div>', page,
                                           re.S).group(1))
    assert ">1</span> <span class=\"stat__label\">new" in counts
    assert ">1</span> <span class=\"stat__label\">updated" in counts
    assert "major: History → Nursing" in page and "new student: New Person" in page
    db.session.expire_all()
    assert db.session.scalar(sa.select(User).where(User.email == "new@school.edu")) is None
    assert existing.student_profile.major == "History"
    assert len(uploads()) == 1  # kept for "Import"

    done = confirm(client, page)
    assert done.status_code == 302
    followed = client.get(done.headers["Location"]).get_data(as_text=True)
    assert "Imported 2 rows: 1 new, 1 updated, 0 unchanged." in followed
    db.session.expire_all()
    assert existing.student_profile.major == "Nursing"
    assert db.session.scalar(sa.select(User).where(User.email == "new@school.edu"))
    assert uploads() == []  # deleted once imported
    again = confirm(client, page)  # the same form twice: the file is gone
    assert again.status_code == 302
    assert "imported already" in client.get(again.headers["Location"]).get_data(as_text=True)


def test_only_the_uploader_can_confirm(client, login_as):
    login_as(StaffFactory())
    page = preview(client, "roster", "email,name,graduation_year\n"
                                     "mine@school.edu,Mine,2027\n").get_data(as_text=True)
    client.post("/auth/logout", data={"csrf_token": client.csrf_token()})
    login_as(StaffFactory())
    response = confirm(client, page)
    assert response.status_code == 403
    assert "Only the person who uploaded this file can import it" in response.get_data(
        as_text=True)
    assert db.session.scalar(sa.select(User).where(User.email == "mine@school.edu")) is None
    assert len(uploads()) == 1
    forged = client.post("/staff/outcomes/import/confirm", data={
        "csrf_token": client.csrf_token(), "token": "imports/../../etc/passwd"})
    assert forged.status_code == 302  # "could not be found", nothing read


def test_leftover_uploads_are_swept(client, login_as):
    login_as(StaffFactory())
    preview(client, "roster", "email,name,graduation_year\nleft@school.edu,Left,2027\n")
    assert len(uploads()) == 1
    assert sweep_unreferenced(import_preview.AREA) == 0  # written just now: kept an hour
    assert sweep_unreferenced(import_preview.AREA, older_than=-timedelta(seconds=5)) == 1
    assert uploads() == []


def test_a_column_named_twice_is_refused(client, login_as):
    login_as(StaffFactory())
    response = preview(client, "roster", "Email,E-mail Address,name,graduation_year\n"
                                         "a@school.edu,a@school.edu,A,2027\n")
    assert response.status_code == 422
    assert "repeated column name" in response.get_data(as_text=True)
    assert uploads() == []


def test_the_api_imports_directly_with_forgiving_headers(api_client):
    user = student(2026, email="api@school.edu")
    db.session.commit()
    staff = api_client(StaffFactory())
    answer = staff.post("/api/v1/outcomes/imports", json={
        "kind": "evidence", "csv": "E-mail,Outcome,Date,Description\n"
                                   "api@school.edu,articulation,9/15/2026,Mock interview\n"})
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["created"] == 1
    assert db.session.scalar(sa.select(StaffRecord.occurred_on).where(
        StaffRecord.student_id == user.id)) == date(2026, 9, 15)
