"""API authentication, error shape and the OpenAPI document."""

from __future__ import annotations

import re

from marketplace import create_app
from marketplace.core.api.openapi import OPERATIONS
from tests.factories import AlumniFactory, EmployerFactory, StaffFactory, StudentFactory
from tests.support import app_config, fresh_database


def test_me_with_bearer_token(api_client):
    user = EmployerFactory(name="Robin")
    response = api_client(user).get("/api/v1/me")
    assert response.status_code == 200
    organization = user.organization
    assert response.get_json() == {
        "id": user.id, "email": user.email, "name": "Robin", "role": "employer",
        "email_verified": True, "personal_email": None, "student_profile": None,
        "alumni_profile": None,
        "organization": {"id": organization.id, "name": organization.name,
                         "status": organization.status.value}}


def test_each_role_reads_and_changes_its_profile_through_the_api(api_client):
    student = api_client(StudentFactory())
    changed = student.patch("/api/v1/me", json={
        "name": "Ana Ruiz", "major": "Nursing", "clusters": ["healthcare_human_services"],
        "first_generation": True, "time_zone": "America/Chicago"})
    assert changed.status_code == 200, changed.get_json()
    profile = changed.get_json()["student_profile"]
    assert changed.get_json()["name"] == "Ana Ruiz" and profile["major"] == "Nursing"
    assert profile["clusters"] == ["healthcare_human_services"] and profile["first_generation"]
    refused = student.patch("/api/v1/me", json={"employer": "Globex", "time_zone": "Mars/Base"})
    assert refused.status_code == 422
    assert set(refused.get_json()["error"]["fields"]) == {"employer"}
    alum = api_client(AlumniFactory())
    done = alum.patch("/api/v1/me", json={"employer": "Globex", "title": "Director"})
    assert done.get_json()["alumni_profile"]["employer"] == "Globex"
    employer = api_client(EmployerFactory())
    assert employer.patch("/api/v1/me", json={"major": "Art"}).status_code == 422
    assert employer.patch("/api/v1/me", json={"name": "Kim Lee"}).get_json()["name"] == "Kim Lee"


def test_lists_of_my_records_in_the_api(api_client):
    staff, student = api_client(StaffFactory()), api_client(StudentFactory())
    for path in ("/api/v1/notifications", "/api/v1/bookings", "/api/v1/placements"):
        body = student.get(path).get_json()
        assert body["items"] == [] and body["next_cursor"] is None, path
    organizations = staff.get("/api/v1/organizations?status=verified").get_json()["items"]
    assert all(o["status"] == "verified" for o in organizations)
    assert student.get("/api/v1/organizations").status_code == 403


def test_me_with_session_cookie(login_as):
    user = StudentFactory()
    assert login_as(user).get("/api/v1/me").get_json()["id"] == user.id


def test_bad_or_missing_token_is_401_in_the_error_shape(client):
    for headers in ({}, {"Authorization": "Bearer nope"}, {"Authorization": "Basic abc"},
                    {"Authorization": "Bearer " + "x" * 5000}):
        response = client.get("/api/v1/me", headers=headers)
        assert response.status_code == 401
        body = response.get_json()
        assert set(body["error"]) == {"code", "message", "fields"}
        assert body["error"]["code"] == "unauthorized"


def test_unknown_api_path_and_method_get_json_errors(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404 and response.get_json()["error"]["code"] == "not_found"
    response = client.delete("/api/v1/me")
    assert response.status_code == 405
    assert response.get_json()["error"]["code"] == "method_not_allowed"


def test_cookie_authenticated_writes_need_a_csrf_token(login_as):
    client = login_as(StudentFactory())
    response = client.post("/api/v1/tokens")
    assert response.status_code == 400
    assert response.get_json()["error"]["code"] == "bad_request"
    response = client.post("/api/v1/tokens", headers={"X-CSRFToken": client.csrf_token()})
    assert response.status_code == 201


def test_new_tokens_work_but_a_token_cannot_mint_tokens(app, login_as, api_client):
    user = StudentFactory()
    client = login_as(user)
    response = client.post("/api/v1/tokens", headers={"X-CSRFToken": client.csrf_token()})
    token = response.get_json()["token"]
    me = app.test_client().get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    assert me.get_json()["id"] == user.id
    assert api_client(user).post("/api/v1/tokens").status_code == 403


def test_a_fake_bearer_header_does_not_skip_csrf_for_a_cookie_session(login_as):
    client = login_as(StudentFactory())
    response = client.post("/api/v1/tokens", headers={"Authorization": "Bearer garbage"})
    assert response.status_code == 400


def test_password_change_revokes_api_tokens(app, login_as, api_client):
    user = StudentFactory()
    token_client = api_client(user)
    assert token_client.get("/api/v1/me").status_code == 200
    client = login_as(user)
    client.submit("/auth/password", {"current_password": "correct horse battery staple",
                                     "password": "another passphrase", "confirm":
                                     "another passphrase"})
    assert token_client.get("/api/v1/me").status_code == 401


def flask_path_to_openapi(rule: str) -> str:
    return re.sub(r"<(?:[a-z]+:)?([a-z_]+)>", r"{\1}", rule)


def test_openapi_document_lists_every_api_route(app, client):
    document = client.get("/api/v1/openapi.json").get_json()
    assert document["openapi"].startswith("3.1")
    documented = {(path, method) for path, methods in document["paths"].items()
                  for method in methods}
    missing = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/api/v1"):
            continue
        path = flask_path_to_openapi(rule.rule[len("/api/v1"):])
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            if (path, method.lower()) not in documented:
                missing.append(f"{method} {path}")
    assert missing == []
    assert len(OPERATIONS) == len(documented)
    for operations in document["paths"].values():
        for operation in operations.values():
            assert operation["summary"] and operation["responses"]


def test_links_follow_port_when_base_url_is_unset(monkeypatch):
    monkeypatch.delenv("BASE_URL", raising=False)
    monkeypatch.setenv("PORT", "8123")
    config = app_config(fresh_database("port"))
    del config["BASE_URL"]
    app = create_app(config)
    assert app.config["BASE_URL"] == "http://127.0.0.1:8123"
    with app.test_request_context():
        from marketplace.core.api.openapi import build_document

        assert build_document()["servers"][0]["url"] == "http://127.0.0.1:8123/api/v1"


def test_formats_are_checked_the_same_whatever_packages_are_installed():
    from marketplace.core.api.openapi import FORMATS

    assert FORMATS.conforms("2027-01-31T15:30:00-05:00", "date-time")
    assert FORMATS.conforms("2027-01-31t20:30:00.25z", "date-time")
    for value in ("2027-01-31T15:30:00", "2027-01-31", "2027-02-30T10:00:00Z", "tomorrow"):
        assert not FORMATS.conforms(value, "date-time"), value
    assert FORMATS.conforms("2027-01-31", "date")
    for value in ("2027-1-31", "2027-02-30", "20270131", "2027-01-31T00:00:00Z"):
        assert not FORMATS.conforms(value, "date"), value
    assert FORMATS.conforms("ana@school.edu", "email")
    for value in ("not an address", "@school.edu", "ana@"):
        assert not FORMATS.conforms(value, "email"), value
    # Only the formats the API uses: others are not guessed at.
    assert FORMATS.conforms("not a link", "uri")


def test_a_slot_time_may_leave_out_its_offset_but_must_be_a_time(api_client):
    alum = api_client(AlumniFactory())
    body = {"duration_minutes": 30, "time_zone": "America/New_York", "topic": "Teaching"}
    for starts_at in ("2027-03-11T18:00:00", "2027-03-11T18:00-05:00", "2027-03-11T18:30"):
        response = alum.post("/api/v1/mentoring/slots", json={**body, "starts_at": starts_at})
        assert response.status_code == 201, (starts_at, response.get_json())
    response = alum.post("/api/v1/mentoring/slots", json={**body, "starts_at": "next Tuesday"})
    assert response.status_code == 422
    assert "2027-01-31T15:30" in response.get_json()["error"]["fields"]["starts_at"]
