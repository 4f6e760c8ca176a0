"""The student profile's schools fields, through PATCH /api/v1/me and the profile form:
each checked with a clear message."""

from __future__ import annotations

from datetime import date, timedelta

from marketplace.blueprints.schools import services
from marketplace.core.extensions import db
from tests.factories import StudentFactory
from tests.support import csrf_from


def test_patch_me_sets_and_checks_the_fields(api_client):
    student = StudentFactory()
    school = services.add_school("Roosevelt High")
    db.session.commit()
    client = api_client(student)
    ok = client.patch("/api/v1/me", json={
        "date_of_birth": "2010-03-04", "school_id": school.id, "cte_concentrator": True,
        "guardian_email": "Parent@Family.example", "preferred_language": "es"})
    assert ok.status_code == 200, ok.get_json()
    profile = ok.get_json()["student_profile"]
    assert (profile["date_of_birth"], profile["school_id"], profile["cte_concentrator"],
            profile["guardian_email"], profile["preferred_language"]) == (
        "2010-03-04", school.id, True, "parent@family.example", "es")
    tomorrow = (date.today() + timedelta(days=2)).isoformat()
    for body, field, words in [
            ({"date_of_birth": tomorrow}, "date_of_birth", "future"),
            ({"date_of_birth": "1900-01-01"}, "date_of_birth", "100 years"),
            ({"date_of_birth": "2010-02-30"}, "date_of_birth", ""),
            ({"school_id": school.id + 999}, "school_id", "district's schools"),
            ({"preferred_language": "fr"}, "preferred_language", ""),
            ({"guardian_email": "nobody"}, "guardian_email", ""),
            ({"cte_concentrator": "yes"}, "cte_concentrator", "")]:
        response = client.patch("/api/v1/me", json=body)
        assert response.status_code == 422, (body, response.get_json())
        error = response.get_json()["error"]
        assert field in error["fields"], (body, error)
        assert words in error["fields"][field], (body, error)
    assert client.get("/api/v1/me").get_json()["student_profile"]["date_of_birth"] == \
        "2010-03-04"


def test_profile_form_refuses_a_future_birth_date_and_keeps_the_input(app):
    from tests.schools.helpers import sign_in

    student = StudentFactory()
    services.add_school("Lincoln High")
    db.session.commit()
    browser = sign_in(app, student)
    page = browser.get("/students/profile").get_data(as_text=True)
    assert "Your school" in page and "Lincoln High" in page
    fields = {"csrf_token": csrf_from(page), "name": student.name, "graduation_year": "2027",
              "time_zone": "America/New_York", "first_generation": "", "pell_eligible": "",
              "date_of_birth": (date.today() + timedelta(days=3)).isoformat(),
              "guardian_email": "parent@family.example", "preferred_language": "es"}
    response = browser.post("/students/profile", data=fields)
    html = response.get_data(as_text=True)
    assert response.status_code in (200, 422)
    assert "cannot be in the future" in html and 'value="parent@family.example"' in html
    fields["date_of_birth"] = "2009-05-31"
    assert browser.post("/students/profile", data=fields).status_code == 302
    db.session.expire_all()
    assert student.student_profile.date_of_birth == date(2009, 5, 31)
    assert student.student_profile.preferred_language == "es"
