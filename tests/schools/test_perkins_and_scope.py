"""Perkins V 5S3 on a known cohort, by school and group, with the list and CSV; a school's
staff see their school's students only (404 for another school's), district staff all."""

from __future__ import annotations

import csv
import io

import pytest
import sqlalchemy as sa

from marketplace.blueprints.accounts.models import StudentProfile
from marketplace.blueprints.applications.models import (
    Application,
    ApplicationStatus,
    Placement,
    PlacementStatus,
)
from marketplace.blueprints.schools import services
from marketplace.blueprints.schools.models import GuardianConsent
from marketplace.core.extensions import db
from tests.factories import OpportunityFactory, StaffFactory, StudentFactory
from tests.schools.helpers import hire, sign_in, years_ago

YEAR = 2027


def concentrator(name: str, school, first_generation=None, pell=None, hours=None,
                 year=YEAR, cte=True, status=PlacementStatus.COMPLETED):
    student = StudentFactory(name=name, student_profile=StudentProfile(
        graduation_year=year, school_id=school.id, cte_concentrator=cte,
        first_generation=first_generation, pell_eligible=pell))
    if hours is not None:
        opportunity = OpportunityFactory()
        application = Application(opportunity=opportunity, student=student,
                                  status=ApplicationStatus.HIRED)
        db.session.add_all([application, Placement(
            application=application, student=student, opportunity_id=opportunity.id,
            status=status, hours=hours)])
    db.session.flush()
    return student


@pytest.fixture
def cohort():
    north, south = services.add_school("North High"), services.add_school("South High")
    services.setting().min_wbl_hours = 20
    students = {
        "ana": concentrator("Ana", north, first_generation=True, hours=40),
        "ben": concentrator("Ben", north, first_generation=False, hours=12),  # too few hours
        "cy": concentrator("Cy", north, pell=True),  # no placement
        "dee": concentrator("Dee", south, first_generation=True, pell=True, hours=20),
        "eli": concentrator("Eli", south, hours=80, status=PlacementStatus.ACTIVE),
        "fay": concentrator("Fay", south, hours=50, cte=False),  # not a concentrator
        "gus": concentrator("Gus", south, hours=50, year=YEAR + 1),  # another class
    }
    db.session.commit()
    return north, south, students


def rows_by(body) -> dict:
    return {(r["school"], r["group"]): (r["denominator"], r["numerator"], r["rate"],
                                        sorted(s["name"] for s in r["students"] if s["completed"]))
            for r in body["rows"]}


def test_the_numbers_on_a_known_cohort(cohort, api_client):
    district = StaffFactory()
    db.session.commit()
    response = api_client(district).get(f"/api/v1/reports/perkins-5s3?graduation_year={YEAR}")
    assert response.status_code == 200, response.get_json()
    rows = rows_by(response.get_json())
    assert rows[("North High", "all")] == (3, 1, 0.3333, ["Ana"])
    assert rows[("South High", "all")] == (2, 1, 0.5, ["Dee"])
    assert rows[("All schools", "all")] == (5, 2, 0.4, ["Ana", "Dee"])
    assert rows[("All schools", "first_generation")] == (2, 2, 1.0, ["Ana", "Dee"])
    assert rows[("All schools", "not_first_generation")] == (1, 0, 0.0, [])
    assert rows[("All schools", "pell_eligible")] == (2, 1, 0.5, ["Dee"])
    for bad in ("", "?graduation_year=soon", "?graduation_year=99999"):
        answer = api_client(district).get(f"/api/v1/reports/perkins-5s3{bad}")
        assert answer.status_code == 422 and "graduation_year" in answer.get_json()["error"][
            "fields"]


def test_school_staff_see_their_school_only(cohort, api_client, app):
    north, south, students = cohort
    school_staff = StaffFactory()
    services.assign_school_staff(school_staff, north)
    db.session.commit()
    rows = rows_by(api_client(school_staff).get(
        f"/api/v1/reports/perkins-5s3?graduation_year={YEAR}").get_json())
    assert {school for school, _ in rows} == {"North High"}
    browser = sign_in(app, school_staff)
    page = browser.get(f"/staff/reports/perkins-5s3?graduation_year={YEAR}")
    assert page.status_code == 200 and "Ana" in page.get_data(as_text=True)
    assert "Dee" not in page.get_data(as_text=True)
    # The people search and a student's page of records.
    assert browser.get(f"/staff/people/{students['ana'].id}").status_code == 200
    assert browser.get(f"/staff/people/{students['dee'].id}").status_code == 404
    found = browser.get("/staff/people?q=e").get_data(as_text=True)
    assert "Ben" in found and "Dee" not in found and "Eli" not in found


def test_csv_layout_and_formula_safety(cohort, app):
    north, _, _ = cohort
    concentrator("=HYPERLINK(1)", north, hours=30)
    services.add_school("@Weird School")
    db.session.commit()
    browser = sign_in(app, StaffFactory())
    response = browser.get(f"/staff/reports/perkins-5s3.csv?graduation_year={YEAR}")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    assert rows[0] == ["school", "group", "denominator", "numerator", "rate"]
    assert ["North High", "All students", "4", "2", "0.5000"] in rows
    assert browser.get("/staff/reports/perkins-5s3.csv?graduation_year=x").status_code == 422
    assert browser.get("/staff/reports/perkins-5s3?graduation_year=x").status_code == 422


def test_school_staff_get_404_for_another_schools_consent(app):
    north, south = services.add_school("North High"), services.add_school("South High")
    placement, _, _ = hire(years_ago(16), school_id=south.id)
    own, _, _ = hire(years_ago(15), school_id=north.id)
    staff = StaffFactory()
    services.assign_school_staff(staff, north)
    db.session.commit()
    consent = db.session.scalar(sa.select(GuardianConsent).where(
        GuardianConsent.placement_id == placement.id))
    browser = sign_in(app, staff)
    listing = browser.get("/staff/consents").get_data(as_text=True)
    from tests.support import csrf_from
    cell = "<td data-label=\"Student\">Maya Lopez</td>"
    assert listing.count(cell) == 1  # their own school's minor only
    response = browser.post(f"/staff/consents/{consent.id}/resend",
                            data={"csrf_token": csrf_from(listing)})
    assert response.status_code == 404
    district = sign_in(app, StaffFactory())
    assert district.get("/staff/consents").get_data(as_text=True).count(cell) == 2


def test_in_a_district_an_unknown_birth_date_counts_as_a_minor():
    services.add_school("North High")
    placement, _, _ = hire(None)
    assert placement.status is PlacementStatus.AWAITING_CONSENT
