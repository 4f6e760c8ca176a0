"""Junk into every form and every API endpoint, as every role: never a 500."""

from __future__ import annotations

import json

import pytest

from tests.factories import AlumniFactory, EmployerFactory, StaffFactory, StudentFactory

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
