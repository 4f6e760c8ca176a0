"""Headers, error pages, body size limit, configuration guard."""

from __future__ import annotations

import re

import pytest

from marketplace import create_app
from marketplace.core.config import ConfigurationError
from tests.factories import StaffFactory, StudentFactory
from tests.support import Client, app_config, fresh_database


def test_security_headers_on_pages_and_api(client):
    for path in ("/", "/auth/login", "/api/v1/openapi.json", "/no-such-page"):
        headers = client.get(path).headers
        csp = headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp
        assert "frame-ancestors 'none'" in csp
        assert headers["X-Content-Type-Options"] == "nosniff"
        assert headers["X-Frame-Options"] == "DENY"
        assert headers["Referrer-Policy"] == "strict-origin-when-cross-origin"


def test_pages_use_no_inline_script(client):
    for path in ("/", "/auth/login", "/auth/register", "/auth/register/student"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>" not in html and " on" + "click=" not in html


def test_404_page(client):
    response = client.get("/nothing/here")
    assert response.status_code == 404
    assert "Page not found" in response.get_data(as_text=True)


def test_400_page_for_a_form_without_csrf(client):
    response = client.post("/auth/login", data={"email": "a@b.edu", "password": "x" * 12})
    assert response.status_code == 400
    assert "form had expired" in response.get_data(as_text=True)


def test_oversized_body_gets_413(client):
    big = "x" * (7 * 1024 * 1024)
    response = client.post("/auth/login", data={"email": big})
    assert response.status_code == 413
    assert "too large" in response.get_data(as_text=True)
    response = client.post("/api/v1/tokens", data=big, content_type="application/json",
                           headers={"Authorization": "Bearer whatever"})
    assert response.status_code == 413
    assert response.get_json()["error"]["code"] == "payload_too_large"


def test_403_page(login_as):
    from tests.factories import StudentFactory

    client = login_as(StudentFactory())
    response = client.get("/staff/")
    assert response.status_code == 403
    assert "does not have access" in response.get_data(as_text=True)


@pytest.mark.no_db
def test_500_page_and_json_without_details():
    app = create_app(app_config(fresh_database("errors")))
    app.test_client_class = Client

    @app.route("/boom")
    def boom():
        raise RuntimeError("secret internal detail")

    @app.route("/api/v1/boom")
    def api_boom():
        raise RuntimeError("secret internal detail")

    client = app.test_client()
    response = client.get("/boom")
    assert response.status_code == 500
    assert "Something went wrong" in response.get_data(as_text=True)
    assert "secret internal detail" not in response.get_data(as_text=True)
    response = client.get("/api/v1/boom")
    assert response.status_code == 500
    assert response.get_json()["error"]["code"] == "internal_error"


def test_missing_secret_key_in_production_names_the_variable(monkeypatch):
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.setenv("BASE_URL", "https://careers.example.edu")
    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://"})


def test_max_content_length_is_set(app):
    assert app.config["MAX_CONTENT_LENGTH"] == 6 * 1024 * 1024


def test_nothing_personal_is_cacheable(app, login_as, client, api_client):
    student = StudentFactory()
    assert "no-store" in api_client(student).get("/api/v1/me").headers["Cache-Control"]
    assert "no-store" not in (client.get("/opportunities").headers.get("Cache-Control") or "")
    login_as(student)
    for path in ("/students/", "/me/outcomes", "/notifications/", "/opportunities"):
        response = client.get(path)
        assert response.headers["Cache-Control"] == "no-store, private", path
    assert "no-store" not in (client.get("/static/css/app.css").headers.get("Cache-Control")
                              or "")


def test_no_two_elements_on_a_page_share_an_id(login_as, client):
    from marketplace.blueprints.opportunities.models import OpportunityStatus
    from tests.factories import OpportunityFactory

    for _ in range(3):
        OpportunityFactory(status=OpportunityStatus.PENDING_REVIEW)
    login_as(StaffFactory())
    html = client.get("/staff/review").get_data(as_text=True)
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert html.count('name="csrf_token"') >= 4
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
