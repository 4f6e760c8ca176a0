"""The outcomes dashboard: counts in SQL by cohort and group, drill-downs, staff
evidence, all-or-nothing imports, first-destination rates, background exports."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marketplace.blueprints.accounts.models import StudentProfile, User
from marketplace.blueprints.outcomes import imports, reports
from marketplace.blueprints.outcomes.models import (
    DestinationCategory,
    ExportJob,
    FirstDestination,
    OutcomeEvidence,
    SourceKind,
    StaffRecord,
)
from marketplace.blueprints.outcomes.services import record_evidence
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.storage import storage
from tests.factories import EmployerFactory, StaffFactory, StudentFactory
from tests.support import form_fields


def student(year=2027, first_gen=None, pell=None, major="Biology", clusters=()):
    user = StudentFactory(student_profile=StudentProfile(
        graduation_year=year, major=major, first_generation=first_gen, pell_eligible=pell))
    user.student_profile.clusters = list(clusters)
    db.session.flush()
    return user


def give(user, *outcomes, source_id=None):
    for n, outcome in enumerate(outcomes):
        record_evidence(user.id, outcome, SourceKind.STAFF, source_id or 1000 + n)


@pytest.fixture
def cohort():
    """Class of 2027: 4 first-generation (1 with EL), 4 not (3 with EL); one of 2028."""
    first = [student(first_gen=True, clusters=["education"]) for _ in range(4)]
    others = [student(first_gen=False, clusters=["education", "digital_technology"])
              for _ in range(4)]
    give(first[0], "experiential_learning", "connections")
    for user in others[:3]:
        give(user, "experiential_learning")
    give(others[0], "job_search", source_id=7)
    give(others[0], "job_search", source_id=8)  # two rows, still one student
    later = student(year=2028)
    give(later, "experiential_learning")
    db.session.commit()
    return first, others, later


def test_summary_counts_students_not_rows(cohort):
    result = reports.summary(2027)
    rates = {o.key: (o.with_evidence, o.students) for o in result.outcomes}
    assert rates["experiential_learning"] == (4, 8)
    assert rates["job_search"] == (1, 8)
    assert rates["career_design"] == (0, 8)
    everyone = reports.summary(None)
    assert everyone.students >= 9
    assert {o.key for o in everyone.outcomes} == {
        "career_design", "skills_competencies", "experiential_learning", "connections",
        "articulation", "job_search"}


def test_groups_and_gaps(cohort):
    result = reports.summary(2027, "first_generation")
    groups = {g.label: g for g in result.groups}
    assert groups["Yes"].students == 4 and groups["No"].students == 4
    assert groups["Yes"].outcomes["experiential_learning"].with_evidence == 1
    assert result.gap(groups["Yes"], "experiential_learning") == -25.0
    called_out = [(g.label, c.key) for g, c, _ in result.gaps()]
    assert ("Yes", "experiential_learning") not in called_out  # only 4 students: too few
    by_cluster = {g.value: g for g in reports.summary(2027, "cluster").groups}
    assert by_cluster["education"].students == 8  # a student counts in each of their clusters
    assert by_cluster["digital_technology"].outcomes["experiential_learning"].with_evidence == 3


def test_gaps_of_ten_points_are_called_out_on_the_dashboard(client, login_as):
    behind = [student(year=2030, pell=True) for _ in range(6)]
    ahead = [student(year=2030, pell=False) for _ in range(6)]
    for user in ahead[:5] + behind[:1]:
        give(user, "connections")
    db.session.commit()
    login_as(StaffFactory())
    page = client.get("/staff/outcomes?graduation_year=2030&group_by=pell_eligible"
                      "&outcome=connections").get_data(as_text=True)
    assert "10 points or more below the overall rate" in page
    assert "Pell-eligible: Yes, Connections: 17% (-33 points)" in page
    assert "<svg" in page and "<caption>" in page  # a chart, and its table


def test_drill_down_lists_the_students_and_exports_them(cohort, client, login_as):
    first, _, _ = cohort
    login_as(StaffFactory())
    query = ("graduation_year=2027&group_by=first_generation&group=yes"
             "&outcome=experiential_learning&has=0")
    page = client.get(f"/staff/outcomes/students?{query}").get_data(as_text=True)
    assert "3 students" in page
    assert all(user.email in page for user in first[1:]) and first[0].email not in page
    download = client.get(f"/staff/outcomes/students?{query}&format=csv")
    rows = list(csv.reader(io.StringIO(download.get_data().decode("utf-8-sig"))))
    assert rows[0][:3] == ["email", "name", "graduation_year"] and len(rows) == 4
    assert client.get("/staff/outcomes/students?outcome=nope").status_code == 400


def test_trend_is_cumulative_by_month(cohort):
    months, series = reports.trend(2027)
    assert len(months) == 12 and months[-1] == utcnow().strftime("%Y-%m")
    assert series["experiential_learning"][-1] == 0.5
    assert series["experiential_learning"] == sorted(series["experiential_learning"])


def test_staff_record_evidence_one_at_a_time(client, login_as):
    user = student()
    db.session.commit()
    login_as(StaffFactory())
    form = {"email": user.email, "outcome": "articulation",
            "occurred_on": (date.today() - timedelta(days=3)).isoformat(),
            "description": "Mock interview with a career coach"}
    assert client.submit("/staff/outcomes/record", form).status_code == 302
    assert client.submit("/staff/outcomes/record", form).status_code == 302  # no duplicate
    rows = db.session.scalars(sa.select(OutcomeEvidence).where(
        OutcomeEvidence.student_id == user.id)).all()
    assert [(r.outcome, r.source_kind) for r in rows] == [("articulation", SourceKind.STAFF)]
    bad = client.submit("/staff/outcomes/record", {**form, "email": "nobody@school.edu",
                                                   "outcome": "experiential_learning"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Not a valid choice" in text


def upload(client, kind: str, text: str):
    """Upload, then confirm the preview (the import's two steps); a refused file's
    preview answer comes back as it is."""
    token = client.csrf_token()
    preview = client.post("/staff/outcomes/import", data={
        "csrf_token": token, "kind": kind,
        "file": (io.BytesIO(text.encode()), "file.csv")}, content_type="multipart/form-data")
    if preview.status_code != 200:
        return preview
    fields = form_fields(preview.get_data(as_text=True), "/staff/outcomes/import/confirm",
                         page="/staff/outcomes/import")
    return client.post("/staff/outcomes/import/confirm", data=fields, follow_redirects=True)


def test_roster_import_creates_and_updates_idempotently(client, login_as):
    existing = student(year=2026, major="History")
    db.session.commit()
    login_as(StaffFactory())
    roster = ("email,name,graduation_year,major,first_generation,pell_eligible\n"
              f"{existing.email},Renamed Person,2027,Nursing,yes,no\n"
              "new.one@school.edu,New One,2028,Welding,,yes\n")
    response = upload(client, "roster", roster)
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert "1 new, 1 updated, 0 unchanged" in response.get_data(as_text=True)
    again = upload(client, "roster", roster)
    assert "0 new, 0 updated, 2 unchanged" in again.get_data(as_text=True)
    db.session.expire_all()
    assert existing.name == "Renamed Person" and existing.student_profile.first_generation
    new = db.session.scalar(sa.select(User).where(User.email == "new.one@school.edu"))
    assert new.student_profile.pell_eligible is True and new.student_profile.major == "Welding"
    # Imported accounts have no password anyone could match.
    from marketplace.blueprints.accounts.services import authenticate

    assert authenticate("new.one@school.edu", imports.UNUSABLE_PASSWORD) is None


def test_one_bad_row_refuses_the_whole_file_with_its_line(client, login_as):
    user = student()
    employer = EmployerFactory()
    db.session.commit()
    login_as(StaffFactory())
    text = ("email,outcome,date,description\n"
            f"{user.email},career_design,2026-03-02,Career exploration workshop\n"
            f"{user.email},experiential_learning,2026-03-02,Not for staff\n"
            f"{employer.email},job_search,2031-01-01,\n")
    response = upload(client, "evidence", text)
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nothing was imported" in page
    assert "Line 3: “experiential_learning” is not one of" in page
    assert "Line 4:" in page and "belongs to a employer account" in page
    assert "in the future" in page and "description is missing" in page
    assert db.session.scalar(sa.select(sa.func.count(StaffRecord.id))) == 0
    fixed = upload(client, "evidence", text.split("\n")[0] + "\n" + text.split("\n")[1] + "\n")
    assert fixed.status_code == 200
    assert db.session.scalar(sa.select(sa.func.count(StaffRecord.id))) == 1


@pytest.mark.parametrize("content", [b"", b"\xff\xfe\x00junk", b"just,a,header\n",
                                     b"email,outcome\nx@y.z,career_design\n",
                                     b"email,outcome,date,description\n"])
def test_unreadable_files_get_a_clear_refusal(client, login_as, content):
    login_as(StaffFactory())
    token = client.csrf_token()
    response = client.post("/staff/outcomes/import", data={
        "csrf_token": token, "kind": "evidence", "file": (io.BytesIO(content), "x.csv")},
        content_type="multipart/form-data")
    assert response.status_code == 422


def test_first_destination_rates(client, login_as):
    students = [student(year=2025) for _ in range(10)]
    for user in students[:4]:
        give(user, "experiential_learning", "connections")
    db.session.commit()
    categories = (["Employed full-time"] * 3 + ["Seeking employment"] + ["Continuing education"]
                  + ["Not seeking"] + ["Seeking employment"] * 2 + ["No information"])
    rows = zip(students[:9], categories, strict=True)  # the tenth graduate: no record
    lines = ["email,category,employer,date"] + [
        f"{user.email},{category},,2026-06-01" for user, category in rows]
    login_as(StaffFactory())
    response = upload(client, "destinations", "\n".join(lines) + "\n")
    assert response.status_code == 200, response.get_data(as_text=True)[:800]
    rates, with_both, without = reports.destinations(2025)
    assert (rates.graduates, rates.known, rates.not_seeking, rates.positive) == (10, 8, 1, 4)
    assert rates.knowledge_rate == 0.8 and rates.outcomes_rate == pytest.approx(4 / 7)
    assert (with_both.graduates, with_both.known, with_both.positive) == (4, 4, 3)
    assert (without.graduates, without.known, without.positive) == (6, 4, 1)
    assert db.session.scalar(sa.select(FirstDestination.category).where(
        FirstDestination.student_id == students[0].id)) is DestinationCategory.EMPLOYED_FULL_TIME
    page = client.get("/staff/outcomes?graduation_year=2025").get_data(as_text=True)
    assert "80%" in page and "knowledge rate (8 of 10 known)" in page


def test_exports_run_in_the_background_and_only_staff_download(cohort, client, login_as,
                                                                 run_jobs):
    staff = StaffFactory()
    db.session.commit()
    login_as(staff)
    response = client.submit("/staff/outcomes/exports?graduation_year=2027",
                             {"kind": "evidence"}, page="/staff/outcomes")
    assert response.status_code == 302
    export = db.session.scalar(sa.select(ExportJob).order_by(ExportJob.id.desc()))
    run_jobs()
    status = client.get(f"/staff/outcomes/exports/{export.id}/status").get_json()
    assert status["status"] == "done" and status["progress"] == 100
    assert status["rows"] == 1 + 7  # the header and the class of 2027's seven rows
    page = client.get(f"/staff/outcomes/exports/{export.id}").get_data(as_text=True)
    assert "data-progress-url" in page and "Download the CSV" in page
    body = client.get(status["download"]).get_data().decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body)))
    assert rows[0][0] == "student_email" and len(rows) == 8
    summary = client.submit("/staff/outcomes/exports", {"kind": "summary"},
                            page="/staff/outcomes")
    assert summary.status_code == 302
    run_jobs()
    client.post("/auth/logout", data={"csrf_token": client.csrf_token()})
    login_as(StudentFactory())
    assert client.get(status["download"]).status_code == 403


def test_api_summary_per_spec(cohort, api_client):
    staff = api_client(StaffFactory())
    body = staff.get("/api/v1/outcomes/summary?graduation_year=2027").get_json()
    assert body["students"] == 8
    assert {o["key"]: o["rate"] for o in body["outcomes"]}["experiential_learning"] == 0.5
    grouped = staff.get("/api/v1/outcomes/summary?graduation_year=2027&group_by=major")
    assert grouped.get_json()["groups"][0]["label"] == "Biology"
    assert staff.get("/api/v1/outcomes/summary?group_by=shoe_size").status_code == 400
    assert staff.get("/api/v1/outcomes/summary?graduation_year=soon").status_code == 400
    assert api_client(StudentFactory()).get("/api/v1/outcomes/summary").status_code == 403


def test_attainment_stays_in_step_with_the_ledger(cohort):
    from marketplace.blueprints.outcomes.models import StudentAttainment
    from marketplace.blueprints.outcomes.services import rebuild_attainment

    def reached():
        return {(row.student_id, key) for row in db.session.scalars(
            sa.select(StudentAttainment)) for key in reports.OUTCOMES
            if getattr(row, key) is not None}

    kept = reached()
    assert kept == set(db.session.execute(sa.select(
        OutcomeEvidence.student_id, OutcomeEvidence.outcome).distinct()).all())
    rebuild_attainment()
    db.session.expire_all()
    assert reached() == kept


def test_recording_says_whether_it_added_a_row():
    user = student()
    assert record_evidence(user.id, "job_search", SourceKind.STAFF, 42) is True
    assert record_evidence(user.id, "job_search", SourceKind.STAFF, 42) is False


# -- edges found in review ----------------------------------------------------

@pytest.mark.parametrize("year", ["²", "9" * 5000, "-2027", "20 27"])
def test_odd_years_are_ignored_or_refused_never_a_500(client, login_as, year):
    login_as(StaffFactory())
    assert client.get("/staff/outcomes", query_string={"graduation_year": year}
                      ).status_code == 200
    assert client.get("/staff/outcomes/students", query_string={
        "graduation_year": year, "outcome": "connections"}).status_code == 200


def test_api_refuses_odd_years(api_client):
    staff = api_client(StaffFactory())
    assert staff.get("/api/v1/outcomes/summary", query_string={"graduation_year": "²"}
                     ).status_code == 400


def test_drill_down_links_carry_only_known_parameters(client, login_as):
    login_as(StaffFactory())
    page = client.get("/staff/outcomes/students?outcome=career_design&format=html"
                      "&endpoint=x&_anchor=y&_external=1")
    assert page.status_code == 200
    assert "endpoint" not in page.get_data(as_text=True).split("Download CSV")[0][-300:]


def test_rows_with_extra_fields_and_bad_headers_are_refused(client, login_as):
    user = student()
    db.session.commit()
    login_as(StaffFactory())
    extra = upload(client, "evidence", "email,outcome,date,description\n"
                   f"{user.email},career_design,2026-03-02,Workshop, with a comma\n")
    assert extra.status_code == 422
    assert "Line 2: it has more fields than the first line names" in extra.get_data(as_text=True)
    doubled = upload(client, "evidence", "email,email,outcome,date,description\n"
                     f"{user.email},,career_design,2026-03-02,Workshop\n")
    assert doubled.status_code == 422 and "repeated column name" in doubled.get_data(
        as_text=True)
    long_value = upload(client, "roster", "email,name,graduation_year\n"
                        f"x@school.edu,X,{'9' * 5000}\n")
    assert long_value.status_code == 422 and "9" * 100 not in long_value.get_data(
        as_text=True)


def test_the_trend_uses_when_the_work_happened(client, login_as):
    user = student(year=2032)
    db.session.commit()
    login_as(StaffFactory())
    months_ago = (utcnow() - timedelta(days=95)).date()
    upload(client, "evidence", "email,outcome,date,description\n"
           f"{user.email},job_search,{months_ago.isoformat()},Career fair\n")
    months, series = reports.trend(2032)
    reached_from = months.index(months_ago.strftime("%Y-%m"))
    assert series["job_search"][reached_from - 1] == 0.0
    assert series["job_search"][reached_from] == 1.0


def test_old_exports_are_purged(app, run_jobs):
    from marketplace.blueprints.outcomes import exports

    staff = StaffFactory()
    export = exports.start_export("summary", None, staff)
    db.session.commit()
    run_jobs()
    db.session.refresh(export)
    key = exports.export_key(export.filename)
    with exports.open_export(export) as handle:
        assert handle.read().decode("utf-8-sig").startswith("graduation_year,")
    export.created_at = utcnow() - timedelta(days=8)
    db.session.commit()
    assert exports.purge_old_exports() == 1
    assert not storage().exists(key)


def test_staff_record_evidence_and_import_through_the_api(api_client):
    staff = api_client(StaffFactory())
    student = StudentFactory(email="ima@school.edu")
    db.session.commit()
    url = f"/api/v1/students/{student.id}/evidence"
    body = {"outcome": "career_design", "occurred_on": "2026-10-01",
            "description": "Career planning workshop"}
    assert staff.post(url, json=body).get_json() == {"added": True}
    assert staff.post(url, json=body).get_json() == {"added": False}
    assert staff.post(url, json={**body, "outcome": "connections"}).status_code == 422
    assert api_client(student).post(url, json=body).status_code == 403
    csv_text = ("email,outcome,date,description\n"
                "ima@school.edu,articulation,2026-09-15,Mock interview\n")
    imported = staff.post("/api/v1/outcomes/imports", json={"kind": "evidence", "csv": csv_text})
    assert imported.status_code == 201, imported.get_json()
    assert imported.get_json()["created"] == 1
    refused = staff.post("/api/v1/outcomes/imports", json={
        "kind": "evidence", "csv": "email,outcome,date,description\nnot-an-email,x,y,z\n"})
    assert refused.status_code == 422 and refused.get_json()["error"]["fields"]
