"""Junk into every form and every API endpoint, as every role: never a 500."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace.blueprints.accounts.models import User
from marketplace.core.extensions import db
from marketplace.core.inputs import CONTROL
from tests.factories import (
    DEFAULT_PASSWORD,
    AlumniFactory,
    EmployerFactory,
    StaffFactory,
    StudentFactory,
)
from tests.support import form_fields

pytestmark = pytest.mark.slow

FACTORIES = {"anonymous": None, "student": StudentFactory, "employer": EmployerFactory,
             "alumni": AlumniFactory, "staff": StaffFactory}

JUNK_VALUES = [
    "", " ", "x" * 10_000, "-1", "0", "99999999999999999999", "1e309", "NaN", "null",
    "<script>alert(1)</script>", "' OR 1=1 --", "\u202etxt.exe", "名前", "🙂" * 50,
    "../../etc/passwd", "%00", "\x00", "[]", "{}", "true",
]

JUNK_JSON = [
    None, [], [1, 2], "string", 12, {"a": {"b": [None]}},
    {"status": "hired", "reason": None, "hours": "lots", "ratings": {"x": 9}},
    {"starts_at": "not a date", "duration_minutes": -5, "capacity": 10**12, "time_zone": "x"},
    {"title": 5, "kind": ["internship"], "application_deadline": "2020-13-45", "positions": -1},
]


def _fill(rule) -> list[str]:
    """Concrete URLs for a rule: ids that exist nowhere and odd strings."""
    urls = []
    for value in ("1", "999999999"):
        values = {}
        for argument in rule.arguments:
            converter = rule._converters[argument].__class__.__name__
            values[argument] = int(value) if "Integer" in converter else "x" + value
        urls.append(rule.rule if not rule.arguments else _build(rule, values))
    return urls


def _build(rule, values: dict) -> str:
    path = rule.rule
    for argument, value in values.items():
        for prefix in ("<int:", "<string:", "<"):
            path = path.replace(f"{prefix}{argument}>", str(value))
    return path


def _unsafe_rules(app):
    for rule in app.url_map.iter_rules():
        methods = rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
        # Logging out takes no input, and would end the session the test relies on.
        if methods and rule.endpoint not in ("static", "accounts.logout"):
            yield rule, methods


@pytest.mark.parametrize("role", list(FACTORIES))
def test_junk_forms_and_json_never_cause_a_500(app, client, login_as, role):
    if FACTORIES[role]:
        login_as(FACTORIES[role]())
        token = client.csrf_token()
    else:
        token = None
    failures = []
    for rule, methods in _unsafe_rules(app):
        for url in _fill(rule):
            for method in methods:
                headers = {"X-CSRFToken": token} if token else {}
                form_fields = {field: value for field, value in zip(
                    ["name", "email", "password", "confirm", "graduation_year", "clusters",
                     "time_zone", "role", "website", "organization_type", "title", "reason",
                     "status", "hours"], JUNK_VALUES * 2, strict=False)}
                attempts = [
                    {"data": {**form_fields, "csrf_token": token or ""}},
                    {"data": {"csrf_token": token or "", "unknown": "x"}},
                    {"data": b"\xff\xfe\x00garbage", "content_type": "application/json"},
                    {"data": "{not json", "content_type": "application/json"},
                ] + [{"data": json.dumps(body), "content_type": "application/json"}
                     for body in JUNK_JSON]
                for attempt in attempts:
                    response = client.open(url, method=method, headers=headers, **attempt)
                    if response.status_code >= 500:
                        failures.append(f"{method} {url} {attempt} -> {response.status_code}")
    assert failures == []


@pytest.mark.parametrize("role", ["anonymous", "student", "staff"])
def test_junk_query_strings_never_cause_a_500(app, client, login_as, role):
    if FACTORIES[role]:
        login_as(FACTORIES[role]())
    failures = []
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        for url in _fill(rule):
            for value in JUNK_VALUES:
                query = {"q": value, "cursor": value, "page": value, "kind": value,
                         "graduation_year": value, "next": value, "group_by": value}
                response = client.get(url, query_string=query)
                if response.status_code >= 500:
                    failures.append(f"GET {url} {value!r} -> {response.status_code}")
    assert failures == []


# --- each class of bad input has one central answer (core.inputs) -----------------------

@pytest.mark.parametrize("path", ["/opportunities/9223372036854775808",
                                  "/opportunities/2147483648", "/mentoring/slots/99999999999"])
def test_ids_past_the_column_are_not_found(client, path):
    assert client.get(path).status_code == 404


def test_ids_past_the_column_are_not_found_in_the_api(api_client):
    employer, student = api_client(EmployerFactory()), api_client(StudentFactory())
    assert employer.post("/api/v1/applications/2147483648/status",
                         json={"status": "reviewing"}).status_code == 404
    assert student.post("/api/v1/bookings/9223372036854775808/cancel").status_code == 404


@pytest.mark.parametrize("path, data, field", [
    ("/auth/login", {"email": "me\x00@school.edu", "password": "x"}, "email"),
    ("/auth/register/student", {"name": "Ana\x00 Flores", "email": "ana@school.edu",
                                "password": "a sensible passphrase",
                                "confirm": "a sensible passphrase", "major": "Nurs\x1bing",
                                "graduation_year": "2027", "time_zone": "UTC"}, "name"),
])
def test_control_characters_in_a_form_come_back_taken_out_with_the_rest_kept(client, path,
                                                                            data, field):
    response = client.submit(path, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "We took out control characters" in html
    fields = form_fields(html, path)
    for key, value in data.items():
        if key != "password" or path != "/auth/login":
            assert fields[key] == CONTROL.sub("", value), key
    assert "\x00" not in html and "\x1b" not in html
    assert db.session.scalar(sa.select(sa.func.count(User.id)).where(
        User.email == "ana@school.edu")) == 0


def test_a_control_character_in_a_field_name_is_a_clear_400(client):
    response = client.submit("/auth/login", {"email\x00": "x", "password": "y"})
    assert response.status_code == 400
    assert "control characters" in response.get_data(as_text=True)


def test_control_characters_in_query_and_json_are_a_clear_400(client, api_client):
    assert client.get("/mentoring", query_string={"employer": "\x00"}).status_code == 400
    response = api_client(EmployerFactory()).post("/api/v1/opportunities",
                                                 json={"title": "Night\u0000shift"})
    assert response.status_code == 400
    assert "control characters" in response.get_json()["error"]["message"]


def test_json_nested_too_deep_or_with_nan_is_a_clear_400(api_client):
    employer = api_client(EmployerFactory())
    deep = "[" * 5000 + "]" * 5000
    for body in (deep, '{"title": "x", "pay_min": NaN}', '{"hours": Infinity}'):
        response = employer.post("/api/v1/opportunities", data=body,
                                 content_type="application/json")
        assert response.status_code == 400, body[:40]
        assert response.get_json()["error"]["code"] == "bad_request"


@pytest.mark.parametrize("value", ["sNaN", "NaN", "Infinity", "-Infinity", "1e309"])
def test_decimals_that_are_not_numbers_are_refused(login_as, client, value):
    login_as(EmployerFactory())
    response = client.submit("/employers/opportunities/new", {
        "title": "Analyst", "kind": "internship", "career_cluster": "digital_technology",
        "description": "Work.", "work_mode": "remote", "paid": "y", "pay_min": value,
        "positions": "1"})
    assert response.status_code == 200  # the form again, with its message
    assert "Enter a number" in response.get_data(as_text=True) or \
        "Enter an amount from 0" in response.get_data(as_text=True)


def test_null_for_optional_numbers_is_a_clear_422(api_client):
    alum = api_client(AlumniFactory())
    response = alum.post("/api/v1/mentoring/slots", json={
        "starts_at": (datetime.now(UTC) + timedelta(days=30)).replace(microsecond=0)
        .isoformat(), "duration_minutes": 30,
        "time_zone": "America/New_York", "topic": "Careers in care", "capacity": None,
        "repeat_weeks": None, "weekly_cap": None})
    # The document says these are whole numbers (leave them out for the default);
    # weekly_cap may be null ("no cap").
    assert response.status_code == 422, response.get_json()
    assert set(response.get_json()["error"]["fields"]) == {"capacity", "repeat_weeks"}


@pytest.mark.parametrize("target", ["/students/\r\nSet-Cookie: x=1", "/\nx", "/%0d%0ax"])
def test_next_with_a_line_break_goes_home(client, target):
    StudentFactory(email="next@school.edu")
    response = client.submit(f"/auth/login?next={target}",
                             {"email": "next@school.edu", "password": DEFAULT_PASSWORD},
                             page="/auth/login")
    assert response.status_code in (302, 400)
    assert "Set-Cookie: x" not in str(response.headers)


def test_json_that_is_not_utf8_or_too_deep_in_disguise_is_a_clear_400(client, api_client):
    disguised = ('{"name":"a\u2200b","z":' + "[" * 3000 + "]" * 3000 + "}").encode("utf-16-le")
    for path in ("/api/v1/tokens", "/auth/login"):
        response = client.post(path, data=disguised, content_type="application/json")
        assert response.status_code in (400, 401), response.status_code
    student = api_client(StudentFactory())
    six_hundred = "[" * 600 + "]" * 600
    assert student.patch("/api/v1/me", data=six_hundred,
                         content_type="application/json").status_code == 400


@pytest.mark.parametrize("query", ["limit=%C2%B2", "limit=" + "9" * 5000,
                                   "cursor=aWQ6wrI"])  # base64 of "id:²"
def test_odd_digits_in_paging_are_a_clear_400(api_client, query):
    assert api_client(StudentFactory()).get(f"/api/v1/notifications?{query}").status_code == 400


def test_a_date_the_document_promises_is_checked(api_client):
    staff, student = api_client(StaffFactory()), StudentFactory()
    response = staff.post(f"/api/v1/students/{student.id}/evidence", json={
        "outcome": "career_design", "occurred_on": "not-a-date", "description": "x"})
    assert response.status_code == 422 and "occurred_on" in response.get_json()["error"]["fields"]
    blank = staff.post(f"/api/v1/students/{student.id}/evidence", json={
        "outcome": "career_design", "occurred_on": "2026-01-05", "description": "   "})
    assert blank.status_code == 422
