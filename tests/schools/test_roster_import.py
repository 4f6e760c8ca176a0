"""The roster import's district columns (issue 19, item 5): school, date of birth, CTE
concentrator, guardian e-mail and preferred language, with the names spreadsheets use;
a preview that shows each change; one message per bad value naming the line and column;
and a column left out of the file leaving the field alone."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marketplace.blueprints.accounts.models import StudentProfile, User
from marketplace.blueprints.outcomes import imports
from marketplace.blueprints.outcomes.import_preview import AREA
from marketplace.blueprints.schools import services
from marketplace.core.extensions import db
from marketplace.core.storage import storage
from tests.factories import StaffFactory, StudentFactory
from tests.support import form_fields

HEADER = "Email,Full Name,Grad Year,School,DOB,CTE,Parent Email,Language\n"


@pytest.fixture
def district():
    north, south = services.add_school("North High"), services.add_school("South High")
    db.session.commit()
    return north, south


@pytest.fixture(autouse=True)
def no_uploads_from_other_tests(db_session):
    """The store is not rolled back with the database: start and end with none."""
    for key, _ in storage().keys(AREA):
        storage().delete(key)
    yield
    for key, _ in storage().keys(AREA):
        storage().delete(key)


def preview(client, text: str):
    return client.post("/staff/outcomes/import", data={
        "csrf_token": client.csrf_token(), "kind": "roster",
        "file": (io.BytesIO(text.encode()), "roster.csv")}, content_type="multipart/form-data")


def confirm(client, html: str):
    fields = form_fields(html, "/staff/outcomes/import/confirm", page="/staff/outcomes/import")
    fields["csrf_token"] = client.csrf_token()
    return client.post("/staff/outcomes/import/confirm", data=fields)


def profile_of(email: str) -> StudentProfile | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(StudentProfile).join(User).where(User.email == email))


@pytest.mark.parametrize(("header", "column"), [
    ("School", "school"), ("school name", "school"), ("High School", "school"),
    ("DOB", "date_of_birth"), ("Birth date", "date_of_birth"), ("date-of-birth", "date_of_birth"),
    ("CTE", "cte_concentrator"), ("CTE Concentrator", "cte_concentrator"),
    ("Guardian e-mail", "guardian_email"), ("Parent email", "guardian_email"),
    ("Parent/Guardian Email", "guardian_email"), ("Language", "preferred_language"),
    ("Preferred language", "preferred_language"),
    # Not confused with the student's own address or the evidence's date.
    ("School Email", "email"), ("Date", "date"),
])
def test_the_new_columns_go_by_the_names_spreadsheets_use(header, column):
    assert imports.column_for(header) == column


def test_the_roster_template_has_the_new_columns(client, login_as):
    login_as(StaffFactory())
    body = client.get("/staff/outcomes/import/template/roster.csv").get_data().decode()
    assert body.lstrip("\ufeff").strip().split(",") == [
        "email", "name", "graduation_year", "major", "first_generation", "pell_eligible",
        "school", "date_of_birth", "cte_concentrator", "guardian_email",
        "preferred_language"]


def test_a_roster_with_a_school_assigns_its_students(district, client, login_as):
    north, south = district
    login_as(StaffFactory())
    text = (HEADER
            + "maya@school.edu,Maya Lopez,2027,  north   HIGH ,3/4/2010,yes,"
              "Mom@Family.example,Spanish\n"
            + "sam@school.edu,Sam Reed,2027,South High,2009-11-30,no,,en\n")
    shown = preview(client, text)
    page = shown.get_data(as_text=True)
    assert shown.status_code == 200, page[:800]
    assert "new student: Maya Lopez, class of 2027, North High" in page
    assert "new student: Sam Reed, class of 2027, South High" in page
    assert profile_of("maya@school.edu") is None  # the preview wrote nothing
    done = confirm(client, page)
    assert done.status_code == 302
    maya, sam = profile_of("maya@school.edu"), profile_of("sam@school.edu")
    assert (maya.school_id, maya.date_of_birth, maya.cte_concentrator, maya.guardian_email,
            maya.preferred_language) == (north.id, date(2010, 3, 4), True,
                                         "mom@family.example", "es")
    assert (sam.school_id, sam.date_of_birth, sam.cte_concentrator, sam.guardian_email,
            sam.preferred_language) == (south.id, date(2009, 11, 30), False, None, "en")


def test_the_preview_shows_each_change_and_the_import_makes_it(district, client, login_as):
    north, _ = district
    StudentFactory(email="ana@school.edu", name="Ana Ruiz", student_profile=StudentProfile(
        graduation_year=2027))
    db.session.commit()
    login_as(StaffFactory())
    text = HEADER + "ana@school.edu,Ana Ruiz,2027,North High,2010-01-02,Y,dad@home.example,es\n"
    page = preview(client, text).get_data(as_text=True)
    for change in ("school: (empty) → North High", "date of birth: (empty) → 2010-01-02",
                   "CTE concentrator: no → yes", "guardian e-mail: (empty) → dad@home.example",
                   "language: English → Spanish"):
        assert change in page, change
    assert profile_of("ana@school.edu").school_id is None
    confirm(client, page)
    ana = profile_of("ana@school.edu")
    assert (ana.school_id, ana.date_of_birth, ana.cte_concentrator, ana.guardian_email,
            ana.preferred_language) == (north.id, date(2010, 1, 2), True, "dad@home.example",
                                        "es")
    # The same file again changes nothing.
    again = preview(client, text).get_data(as_text=True)
    assert "school:" not in again and "unchanged" in again


def test_a_column_left_out_leaves_the_field_and_an_empty_cell_clears_it(district,
                                                                       api_client):
    north, _ = district
    StudentFactory(email="kim@school.edu", name="Kim Park", student_profile=StudentProfile(
        graduation_year=2027, school_id=north.id, date_of_birth=date(2010, 5, 6),
        cte_concentrator=True, guardian_email="parent@home.example",
        preferred_language="es"))
    db.session.commit()
    staff = api_client(StaffFactory())
    answer = staff.post("/api/v1/outcomes/imports", json={
        "kind": "roster", "csv": "email,name,graduation_year\nkim@school.edu,Kim Park,2027\n"})
    assert answer.status_code == 201 and answer.get_json()["unchanged"] == 1
    kim = profile_of("kim@school.edu")
    assert (kim.school_id, kim.date_of_birth, kim.cte_concentrator, kim.guardian_email,
            kim.preferred_language) == (north.id, date(2010, 5, 6), True,
                                        "parent@home.example", "es")
    answer = staff.post("/api/v1/outcomes/imports", json={
        "kind": "roster", "csv": HEADER + "kim@school.edu,Kim Park,2027,,,,,\n"})
    assert answer.status_code == 201 and answer.get_json()["updated"] == 1
    kim = profile_of("kim@school.edu")
    assert (kim.school_id, kim.date_of_birth, kim.cte_concentrator, kim.guardian_email,
            kim.preferred_language) == (None, None, False, None, "en")


def _bad_values():
    today = date.today()  # collected outside the app; two days clear any time zone
    future = (today + timedelta(days=2)).isoformat()
    too_old = date(today.year - 101, 1, 1).isoformat()
    return [
        ("Nowhere High,,,,", "school: “Nowhere High” is not one of the district's schools"),
        (f",{future},,,", f"date_of_birth: {future} is in the future"),
        (f",{too_old},,,", f"date_of_birth: {too_old} is more than 100 years ago"),
        (",31/12/2010,,,", "date_of_birth: “31/12/2010” is not a date like 2010-05-14"),
        (",12/31/10,,,", "date_of_birth: “12/31/10” is not a date like 2010-05-14"),
        (",,maybe,,", "cte_concentrator: “maybe” is not yes, no or empty"),
        (",,,not-an-address,", "guardian_email: “not-an-address” is not an e-mail address"),
        (",,,lee@school.edu,", "guardian_email: it is the student's own address"),
        (",,,,French", "preferred_language: “French” is not en or es (English or Spanish)"),
    ]


@pytest.mark.parametrize(("cells", "problem"), _bad_values())
def test_each_bad_value_is_refused_with_its_line_and_column(district, api_client, cells,
                                                            problem):
    staff = api_client(StaffFactory())
    answer = staff.post("/api/v1/outcomes/imports", json={
        "kind": "roster",
        "csv": HEADER + "ok@school.edu,Ok Person,2027,North High,2010-01-01,no,,en\n"
                        f"lee@school.edu,Lee Chan,2027,{cells}\n"})
    assert answer.status_code == 422, answer.get_json()
    fields = answer.get_json()["error"]["fields"]
    assert list(fields) == ["line 3"]  # the good line is not blamed
    assert problem in fields["line 3"]
    assert profile_of("ok@school.edu") is None  # one bad row: nothing written


def test_the_preview_names_every_bad_value_of_a_row(district, client, login_as):
    login_as(StaffFactory())
    response = preview(client, HEADER + "lee@school.edu,Lee Chan,2027,West High,2999-01-01,"
                                        "sometimes,nope,Klingon\n")
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Line 2" in page or "line 2" in page
    for column in ("school: “West High”", "date_of_birth: 2999-01-01 is in the future",
                   "cte_concentrator: “sometimes”", "guardian_email: “nope”",
                   "preferred_language: “Klingon”"):
        assert column in page, column
    assert [key for key, _ in storage().keys(AREA)] == []  # nothing kept to import


def test_a_college_has_no_schools_to_name(api_client):
    answer = api_client(StaffFactory()).post("/api/v1/outcomes/imports", json={
        "kind": "roster", "csv": "email,name,graduation_year,school\n"
                                 "lee@school.edu,Lee Chan,2027,North High\n"})
    assert answer.status_code == 422
    assert "is not a school here (no schools have been added)" in \
        answer.get_json()["error"]["fields"]["line 2"]


@pytest.mark.parametrize("value", ["=cmd|' /C calc'!A0", "ß" * 300, "2010-02-30", "@", "a\nb"])
def test_odd_cells_are_row_errors_never_a_crash(district, api_client, value):
    staff = api_client(StaffFactory())
    for header, column in (("School", "school"), ("DOB", "date_of_birth"),
                           ("CTE", "cte_concentrator"), ("Parent Email", "guardian_email"),
                           ("Language", "preferred_language")):
        answer = staff.post("/api/v1/outcomes/imports", json={
            "kind": "roster", "csv": f"email,name,graduation_year,{header}\n"
                                     f"lee@school.edu,Lee Chan,2027,\"{value}\"\n"})
        assert answer.status_code == 422, (header, answer.get_json())
        [problem] = answer.get_json()["error"]["fields"].values()  # the one row, its column
        assert problem.startswith(f"{column}: "), problem
