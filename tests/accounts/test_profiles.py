"""Each user edits their own profile."""

from __future__ import annotations

from marketplace.core.extensions import db
from tests.factories import AlumniFactory, EmployerFactory, StudentFactory


def test_student_edits_own_profile(login_as):
    user = StudentFactory()
    client = login_as(user)
    page = client.get("/students/profile").get_data(as_text=True)
    assert 'value="Biology"' in page
    response = client.submit("/students/profile", {
        "name": "New Name", "graduation_year": "2028", "major": "Computer Science",
        "clusters": ["digital_technology"], "first_generation": "no", "pell_eligible": "yes",
        "time_zone": "America/Los_Angeles"})
    assert response.status_code == 302
    db.session.expire_all()
    profile = user.student_profile
    assert user.name == "New Name"
    assert (profile.graduation_year, profile.major, profile.clusters) == (
        2028, "Computer Science", ["digital_technology"])
    assert profile.first_generation is False and profile.pell_eligible is True
    assert profile.time_zone == "America/Los_Angeles"


def test_student_profile_rejects_bad_values(login_as):
    user = StudentFactory()
    client = login_as(user)
    response = client.submit("/students/profile", {
        "name": "", "graduation_year": "3000", "time_zone": "Nowhere/Land",
        "first_generation": "maybe"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in ("Enter your name", "Enter a year between", "Choose a time zone",
                    "Not a valid choice"):
        assert message in text
    db.session.expire_all()
    assert user.student_profile.graduation_year == 2027


def test_alum_edits_own_profile(login_as):
    user = AlumniFactory()
    client = login_as(user)
    response = client.submit("/alumni/profile", {
        "name": "Alum Renamed", "graduation_year": "2011", "employer": "Globex",
        "title": "Director", "cluster": "financial_services", "time_zone": "Europe/London"})
    assert response.status_code == 302
    db.session.expire_all()
    profile = user.alumni_profile
    assert (profile.employer, profile.title, profile.cluster, profile.time_zone) == (
        "Globex", "Director", "financial_services", "Europe/London")


def test_employer_edits_own_organization(login_as):
    user = EmployerFactory()
    client = login_as(user)
    response = client.submit("/employers/organization", {
        "contact_name": "Kim", "name": "Renamed Org", "type": "nonprofit",
        "website": "https://renamed.example"})
    assert response.status_code == 302
    db.session.expire_all()
    assert user.organization.name == "Renamed Org"
    assert user.organization.type.value == "nonprofit"
    assert user.name == "Kim"


def test_employer_website_must_be_a_url(login_as):
    client = login_as(EmployerFactory())
    response = client.submit("/employers/organization", {
        "contact_name": "Kim", "name": "Org", "type": "company", "website": "javascript:alert(1)"})
    assert response.status_code == 200
    assert "Enter a full web address" in response.get_data(as_text=True)
