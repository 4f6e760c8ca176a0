"""The outcomes pages in a district (issue 19, item 3): a school's staff count and list
only their school's students on the dashboard, its drill-downs and CSVs, the exports, the
annual report and the summary API; district staff see every school, or the one they
choose."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from marketplace.blueprints.accounts.models import StudentProfile
from marketplace.blueprints.outcomes.models import ExportJob, ExportStatus, SourceKind
from marketplace.blueprints.outcomes.services import record_evidence
from marketplace.blueprints.schools import services
from marketplace.core.extensions import db
from marketplace.core.storage import storage
from tests.factories import StaffFactory, StudentFactory
from tests.schools.helpers import sign_in

YEAR = 2026
EL = "experiential_learning"


def student(name: str, school=None, year: int = YEAR, evidence: bool = False):
    user = StudentFactory(name=name, email=f"{name.split()[0].lower()}@school.edu",
                          student_profile=StudentProfile(
                              graduation_year=year, school_id=school.id if school else None))
    db.session.flush()
    if evidence:
        record_evidence(user.id, EL, SourceKind.STAFF, 7000 + user.id)
    return user


@pytest.fixture
def district():
    """North: Nora (evidence), Ned; South: Sue (evidence), Sam, Sid; Uma has no school.
    Staff: one of North, one of the district."""
    north, south = services.add_school("North High"), services.add_school("South High")
    student("Nora North", north, evidence=True)
    student("Ned North", north)
    student("Sue South", south, evidence=True)
    student("Sam South", south)
    student("Sid South", south)
    student("Uma Nowhere")
    student("Nell Later", north, year=YEAR + 1)  # another class of North
    north_staff, district_staff = StaffFactory(), StaffFactory()
    services.assign_school_staff(north_staff, north)
    db.session.commit()
    return north, south, north_staff, district_staff


OTHERS = ("Sue South", "Sam South", "Sid South", "Uma Nowhere", "sue@school.edu",
          "sam@school.edu", "uma@school.edu")


def drill(has: int, **extra) -> str:
    query = "&".join(f"{key}={value}" for key, value in
                     {"graduation_year": YEAR, "outcome": EL, "has": has, **extra}.items())
    return f"/staff/outcomes/students?{query}"


def test_school_staff_see_their_schools_counts_on_the_dashboard(district, app):
    north, south, north_staff, _ = district
    browser = sign_in(app, north_staff)
    page = browser.get(f"/staff/outcomes?graduation_year={YEAR}").get_data(as_text=True)
    assert f"Class of {YEAR}, North High: 2 students" in page
    assert "The students of North High, your school." in page
    assert 'id="school"' not in page  # no filter to choose another school
    # Asking for another school changes nothing.
    page = browser.get(f"/staff/outcomes?graduation_year={YEAR}&school={south.id}"
                       ).get_data(as_text=True)
    assert f"Class of {YEAR}, North High: 2 students" in page
    # Their classes only, and the dashboard opens on their school's classes.
    everyone = browser.get("/staff/outcomes?graduation_year=all").get_data(as_text=True)
    assert "All students, North High: 3 students" in everyone


def test_school_staff_drill_downs_and_csvs_list_their_students_only(district, app):
    _, south, north_staff, _ = district
    browser = sign_in(app, north_staff)
    without = browser.get(drill(0)).get_data(as_text=True)
    assert "Ned North" in without and not any(name in without for name in OTHERS)
    with_it = browser.get(drill(1, school=south.id)).get_data(as_text=True)
    assert "Nora North" in with_it and not any(name in with_it for name in OTHERS)
    assert "North High" in with_it  # the title says whose students these are
    response = browser.get(drill(0, format="csv"))
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert [row[0] for row in rows[1:]] == ["ned@school.edu"]


def test_school_staff_annual_report_counts_their_class(district, app):
    north, _, north_staff, _ = district
    browser = sign_in(app, north_staff)
    page = browser.get(f"/staff/outcomes/report?graduation_year={YEAR}").get_data(as_text=True)
    assert f"Class of {YEAR}, North High</h1>" in page
    assert "2 students ·" in page
    assert "its effect is in the district's report" in page
    response = browser.submit("/staff/outcomes/report/pdf", {"graduation_year": str(YEAR)},
                              page=f"/staff/outcomes/report?graduation_year={YEAR}")
    assert response.status_code == 302
    export = db.session.scalar(sa.select(ExportJob).order_by(ExportJob.id.desc()))
    assert export.params == {"graduation_year": YEAR, "school_id": north.id}


def test_school_staff_exports_hold_their_students_only(district, app, run_jobs):
    north, _, north_staff, district_staff = district
    browser = sign_in(app, north_staff)
    response = browser.submit(f"/staff/outcomes/exports?graduation_year={YEAR}",
                              {"kind": "evidence"}, page="/staff/outcomes")
    assert response.status_code == 302
    export = db.session.scalar(sa.select(ExportJob).order_by(ExportJob.id.desc()))
    assert export.params == {"graduation_year": YEAR, "school_id": north.id}
    run_jobs()
    db.session.refresh(export)
    assert export.status is ExportStatus.DONE
    body = browser.get(f"/staff/outcomes/exports/{export.id}/download").get_data(as_text=True)
    assert "nora@school.edu" in body and "sue@school.edu" not in body
    # The district's own export is not theirs to open, nor listed for them.
    district_browser = sign_in(app, district_staff)
    district_browser.submit(f"/staff/outcomes/exports?graduation_year={YEAR}",
                            {"kind": "evidence"}, page="/staff/outcomes")
    theirs = db.session.scalar(sa.select(ExportJob).order_by(ExportJob.id.desc()))
    assert theirs.id != export.id and theirs.params == {"graduation_year": YEAR}
    for path in ("", "/status", "/download"):
        assert browser.get(f"/staff/outcomes/exports/{theirs.id}{path}").status_code == 404
    page = browser.get("/staff/outcomes").get_data(as_text=True)
    assert f"/staff/outcomes/exports/{export.id}\"" in page
    assert f"/staff/outcomes/exports/{theirs.id}\"" not in page
    # District staff open both.
    assert district_browser.get(f"/staff/outcomes/exports/{export.id}").status_code == 200
    for key, _ in storage().keys("exports"):
        storage().delete(key)


def test_the_summary_api_counts_the_school_of_school_staff(district, api_client):
    north, south, north_staff, district_staff = district
    api = api_client(north_staff)
    body = api.get(f"/api/v1/outcomes/summary?graduation_year={YEAR}").get_json()
    assert body["students"] == 2 and body["school_id"] == north.id
    assert next(o for o in body["outcomes"] if o["key"] == EL)["with_evidence"] == 1
    assert api.get(f"/api/v1/outcomes/summary?school={north.id}").get_json()["students"] == 3
    assert api.get(f"/api/v1/outcomes/summary?school={south.id}").status_code == 404
    assert api.get("/api/v1/outcomes/summary?school=soon").status_code == 400
    everyone = api_client(district_staff)
    body = everyone.get(f"/api/v1/outcomes/summary?graduation_year={YEAR}").get_json()
    assert body["students"] == 6 and body["school_id"] is None
    body = everyone.get(f"/api/v1/outcomes/summary?graduation_year={YEAR}&school={south.id}"
                        ).get_json()
    assert body["students"] == 3 and body["school_id"] == south.id
    for unknown in ("99999", "0", "1" * 20):
        assert everyone.get(f"/api/v1/outcomes/summary?school={unknown}").status_code == 404
    for bad in ("-1", "1e3", "x", "1" * 200):
        assert everyone.get(f"/api/v1/outcomes/summary?school={bad}").status_code == 400


def test_district_staff_see_every_school_or_the_one_they_choose(district, app):
    north, south, _, district_staff = district
    browser = sign_in(app, district_staff)
    page = browser.get(f"/staff/outcomes?graduation_year={YEAR}").get_data(as_text=True)
    assert f"Class of {YEAR}: 6 students" in page
    assert 'id="school"' in page and "South High</option>" in page
    chosen = browser.get(f"/staff/outcomes?graduation_year={YEAR}&school={south.id}"
                         ).get_data(as_text=True)
    assert f"Class of {YEAR}, South High: 3 students" in chosen
    # The drill-down links carry the choice.
    assert f"school={south.id}" in chosen
    listed = browser.get(drill(0)).get_data(as_text=True)
    assert all(name in listed for name in ("Ned North", "Sam South", "Sid South",
                                           "Uma Nowhere"))
    only_south = browser.get(drill(0, school=south.id)).get_data(as_text=True)
    assert "Sam South" in only_south and "Ned North" not in only_south
    assert "Uma Nowhere" not in only_south
    # An unknown school is every school, like the dashboard's other filters.
    unknown = browser.get(f"/staff/outcomes?graduation_year={YEAR}&school=999999"
                          ).get_data(as_text=True)
    assert f"Class of {YEAR}: 6 students" in unknown
    report = browser.get(f"/staff/outcomes/report?graduation_year={YEAR}&school={north.id}"
                         ).get_data(as_text=True)
    assert f"Class of {YEAR}, North High</h1>" in report and "2 students ·" in report


def test_a_college_has_no_school_filter(app):
    student("Cal College")
    staff = StaffFactory()
    db.session.commit()
    page = sign_in(app, staff).get(f"/staff/outcomes?graduation_year={YEAR}").get_data(
        as_text=True)
    assert f"Class of {YEAR}: 1 student" in page and 'id="school"' not in page


def test_the_scoped_dashboard_counts_in_a_fixed_number_of_queries(district, app,
                                                                  count_queries):
    _, _, north_staff, _ = district
    browser = sign_in(app, north_staff)
    url = f"/staff/outcomes?graduation_year={YEAR}"
    browser.get(url)
    with count_queries() as few:
        browser.get(url)
    for index in range(30):
        student(f"More{index} North", services.school_named("North High"))
    db.session.commit()
    with count_queries() as many:
        page = browser.get(url).get_data(as_text=True)
    assert "North High: 32 students" in page
    assert many.count == few.count
