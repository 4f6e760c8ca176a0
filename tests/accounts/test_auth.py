"""Registration, log-in, log-out, sessions and passwords."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.blueprints.accounts.models import OrganizationStatus, User
from marketplace.blueprints.accounts.views import BAD_CREDENTIALS
from marketplace.core.db import utcnow
from marketplace.core.errors import ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.factories import DEFAULT_PASSWORD, StaffFactory, StudentFactory
from tests.smtp_server import link_in
from tests.support import Client, app_config, form_fields, fresh_database

PASSWORD = "a sensible passphrase"


def user_by_email(email: str) -> User | None:
    db.session.expire_all()
    return db.session.scalar(sa.select(User).where(User.email == email))


def confirm_by_email(client, smtp, run_jobs, address: str):
    """Open the confirmation link the last e-mail to ``address`` holds; returns the answer."""
    run_jobs()
    message = [m for m in smtp.messages if m["To"] == address][-1]
    return client.get(link_in(message, "/auth/verify/"))


def test_register_student_creates_profile_and_confirms_by_email(client, smtp, run_jobs):
    response = client.submit("/auth/register/student", {
        "name": "Ana Flores", "email": "Ana.Flores@School.edu", "password": PASSWORD,
        "confirm": PASSWORD, "graduation_year": "2027", "major": "Nursing",
        "clusters": ["healthcare_human_services", "education"], "first_generation": "yes",
        "pell_eligible": "", "time_zone": "America/Chicago",
    })
    assert response.status_code == 302
    assert response.headers["Location"] == "/auth/register/sent"
    assert "ana.flores@school.edu" in client.get("/auth/register/sent").get_data(as_text=True)
    assert client.get("/students/").status_code == 302  # not signed in yet
    user = user_by_email("ana.flores@school.edu")
    assert user.email_verified_at is None
    response = confirm_by_email(client, smtp, run_jobs, "ana.flores@school.edu")
    assert response.status_code == 302
    assert response.headers["Location"] == "/students/"
    user = user_by_email("ana.flores@school.edu")
    assert user.email_verified_at is not None
    assert user.role is Role.STUDENT
    assert user.password_hash.startswith("$argon2id$")
    profile = user.student_profile
    assert (profile.graduation_year, profile.major, profile.time_zone) == (2027, "Nursing",
                                                                           "America/Chicago")
    assert profile.clusters == ["education", "healthcare_human_services"]
    assert profile.first_generation is True and profile.pell_eligible is None
    assert "Ana Flores" in client.get("/students/").get_data(as_text=True)


def test_register_employer_creates_pending_organization(client, smtp, run_jobs):
    response = client.submit("/auth/register/employer", {
        "name": "Bo Chen", "email": "bo@acme.example", "password": PASSWORD, "confirm": PASSWORD,
        "organization_name": "Acme Tools", "organization_type": "company",
        "website": "https://acme.example",
    })
    assert response.status_code == 302
    confirm_by_email(client, smtp, run_jobs, "bo@acme.example")
    user = user_by_email("bo@acme.example")
    assert user.role is Role.EMPLOYER
    assert user.organization.name == "Acme Tools"
    assert user.organization.status is OrganizationStatus.PENDING
    page = client.get("/employers/").get_data(as_text=True)
    assert "verifying your organization" in page


def test_register_alumni(client):
    response = client.submit("/auth/register/alumni", {
        "name": "Cy Rao", "email": "cy@alumni.example", "password": PASSWORD, "confirm": PASSWORD,
        "graduation_year": "2012", "employer": "Acme", "title": "Engineer",
        "cluster": "digital_technology", "time_zone": "Europe/Berlin",
    })
    assert response.status_code == 302
    user = user_by_email("cy@alumni.example")
    assert user.role is Role.ALUMNI
    assert user.alumni_profile.time_zone == "Europe/Berlin"


def test_staff_cannot_self_register(client):
    assert client.get("/auth/register/staff").status_code == 404


@pytest.mark.parametrize("data, field_message", [
    ({"password": "short", "confirm": "short"}, "Use 12 to 256 characters"),
    ({"confirm": "something else entirely"}, "The two passwords are not the same"),
    ({"email": "not-an-address"}, "Enter a valid e-mail address"),
    ({"graduation_year": "1900"}, "Enter a year between"),
    ({"graduation_year": "soon"}, "Not a valid integer value"),
    ({"clusters": ["space_piracy"]}, "is not a valid choice"),
    ({"time_zone": "Mars/Olympus_Mons"}, "Choose a time zone from the list"),
    ({"name": ""}, "Enter your name"),
])
def test_registration_explains_bad_input(client, data, field_message):
    form = {"name": "Dee", "email": "dee@school.edu", "password": PASSWORD, "confirm": PASSWORD,
            "graduation_year": "2027", "time_zone": "America/New_York", **data}
    response = client.submit("/auth/register/student", form)
    assert response.status_code == 200
    assert field_message in response.get_data(as_text=True)
    assert user_by_email("dee@school.edu") is None


def test_long_passphrase_is_accepted(client, smtp, run_jobs):
    passphrase = "the quick brown fox jumps over the lazy dog " * 4  # 176 characters
    response = client.submit("/auth/register/alumni", {
        "name": "Eve", "email": "eve@alumni.example", "password": passphrase,
        "confirm": passphrase, "time_zone": "UTC"})
    assert response.status_code == 302
    confirm_by_email(client, smtp, run_jobs, "eve@alumni.example")
    client.post("/auth/logout", data={"csrf_token": client.csrf_token()})
    response = client.submit("/auth/login", {"email": "eve@alumni.example",
                                             "password": passphrase})
    assert response.status_code == 302


def test_an_unconfirmed_address_signs_in_by_its_link_only(app, smtp, run_jobs):
    """A password log-in to an address nobody confirmed answers like a wrong password:
    whoever registered it may not own it, and the answer tells nobody it was registered."""
    browser = app.test_client()
    browser.submit("/auth/register/student", {
        "name": "Kim", "email": "kim@school.edu", "password": PASSWORD, "confirm": PASSWORD,
        "graduation_year": "2027", "time_zone": "UTC"})
    attempt = app.test_client().submit("/auth/login", {"email": "kim@school.edu",
                                                       "password": PASSWORD})
    unknown = app.test_client().submit("/auth/login", {"email": "nobody@school.edu",
                                                       "password": PASSWORD})
    assert attempt.status_code == unknown.status_code == 200
    assert BAD_CREDENTIALS in attempt.get_data(as_text=True)
    assert BAD_CREDENTIALS in unknown.get_data(as_text=True)
    confirm_by_email(browser, smtp, run_jobs, "kim@school.edu")
    assert app.test_client().submit("/auth/login", {"email": "kim@school.edu",
                                                    "password": PASSWORD}).status_code == 302


def test_a_known_address_gets_the_same_answer_and_its_owner_an_email(app, client, smtp,
                                                                     run_jobs):
    """Registration tells nobody which addresses have an account (no enumeration)."""
    owner = StudentFactory(email="taken@school.edu", name="Fay Owner")
    original_hash = owner.password_hash
    answers = []
    for address in ("TAKEN@school.edu", "free@school.edu"):
        visitor = app.test_client()
        response = visitor.submit("/auth/register/student", {
            "name": "Fay", "email": address, "password": PASSWORD, "confirm": PASSWORD,
            "graduation_year": "2027", "time_zone": "UTC"})
        page = visitor.get(response.headers["Location"]).get_data(as_text=True)
        answers.append((response.status_code, response.headers["Location"],
                        page.replace(address.lower(), "ADDRESS")))
    assert answers[0] == answers[1]
    assert "already exists" not in answers[0][2]
    run_jobs()
    to_owner = [m for m in smtp.messages if m["To"] == "taken@school.edu"]
    assert len(to_owner) == 1
    assert "tried to create a Career Connections account" in to_owner[0].get_body(
        ("plain",)).get_content()
    assert link_in(to_owner[0], "/auth/reset")  # how to get back in, if it was them
    owner = user_by_email("taken@school.edu")
    assert (owner.name, owner.password_hash) == ("Fay Owner", original_hash)
    assert [m for m in smtp.messages if m["To"] == "free@school.edu"]


def test_wrong_email_and_wrong_password_get_the_same_message(client):
    StudentFactory(email="gil@school.edu")
    wrong_password = client.submit("/auth/login", {"email": "gil@school.edu",
                                                   "password": "not the password"})
    wrong_email = client.submit("/auth/login", {"email": "nobody@school.edu",
                                                "password": DEFAULT_PASSWORD})
    for response in (wrong_password, wrong_email):
        assert response.status_code == 200
        assert BAD_CREDENTIALS in response.get_data(as_text=True)


def test_login_regenerates_the_session(client):
    user = StudentFactory()
    with client.session_transaction() as session:
        session["planted"] = "by an attacker"
    response = client.submit("/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    with client.session_transaction() as session:
        assert "planted" not in session
        assert session["_user_id"] == f"{user.id}:{user.session_version}"


def test_login_redirects_only_to_local_paths(client):
    user = StudentFactory()
    response = client.submit("/auth/login?next=https://evil.example/x",
                             {"email": user.email, "password": DEFAULT_PASSWORD},
                             page="/auth/login")
    assert response.headers["Location"] == "/students/"
    client.post("/auth/logout", data={"csrf_token": client.csrf_token()})
    response = client.submit("/auth/login?next=/students/profile",
                             {"email": user.email, "password": DEFAULT_PASSWORD},
                             page="/auth/login")
    assert response.headers["Location"] == "/students/profile"


def test_logout_ends_this_session_and_the_sessions_page_ends_the_others(app, login_as):
    user = StudentFactory()
    laptop = login_as(user)
    phone = app.test_client()
    phone.submit("/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    tablet = app.test_client()
    tablet.submit("/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert phone.get("/students/").status_code == 200

    response = laptop.post("/auth/logout", data={"csrf_token": laptop.csrf_token()})
    assert response.status_code == 302
    assert laptop.get("/students/").status_code == 302
    assert phone.get("/students/").status_code == 200  # only the laptop signed out

    page = phone.get("/me/sessions").get_data(as_text=True)
    assert page.count("End this session") == 1 and "This device" in page
    response = phone.submit("/me/sessions/end-others", {}, page="/me/sessions")
    assert response.status_code == 302
    assert tablet.get("/students/").status_code == 302  # sent to the log-in page
    assert phone.get("/students/").status_code == 200


def test_logout_needs_post_and_csrf(login_as):
    client = login_as(StudentFactory())
    assert client.get("/auth/logout").status_code == 405
    assert client.post("/auth/logout").status_code == 400
    assert client.get("/students/").status_code == 200


def test_password_change_ends_other_sessions_but_keeps_this_one(app, login_as):
    user = StudentFactory()
    laptop = login_as(user)
    phone = app.test_client()
    phone.submit("/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD})

    response = laptop.submit("/auth/password", {
        "current_password": DEFAULT_PASSWORD, "password": "a brand new passphrase",
        "confirm": "a brand new passphrase"})
    assert response.status_code == 302
    assert laptop.get("/students/").status_code == 200
    assert phone.get("/students/").status_code == 302
    fresh = app.test_client()
    assert fresh.submit("/auth/login", {"email": user.email,
                                        "password": "a brand new passphrase"}).status_code == 302


def test_password_change_checks_the_current_password(login_as):
    client = login_as(StudentFactory())
    response = client.submit("/auth/password", {
        "current_password": "wrong wrong wrong", "password": "a brand new passphrase",
        "confirm": "a brand new passphrase"})
    assert response.status_code == 200
    assert "current password is not right" in response.get_data(as_text=True)


def test_session_cookie_flags(client):
    user = StudentFactory()
    response = client.submit("/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "Secure" not in cookie


def test_session_cookie_is_secure_on_https():
    app = create_app(app_config(fresh_database("https"), BASE_URL="https://careers.example"))
    assert app.config["SESSION_COOKIE_SECURE"] is True
    assert app.config["SESSION_COOKIE_HTTPONLY"] is True


def test_login_is_rate_limited_with_a_429_page():
    app = create_app(app_config(fresh_database("ratelimit"), LOGIN_RATE_LIMIT="3 per minute"))
    app.test_client_class = Client
    from flask_migrate import upgrade

    with app.app_context():
        upgrade()
    client = app.test_client()
    statuses = [client.submit("/auth/login", {"email": "x@school.edu",
                                              "password": "wrong password!"}).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]
    response = client.submit("/auth/login", {"email": "x@school.edu", "password": "whatever!!!!"})
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert client.get("/auth/login").status_code == 200  # looking at the form is not limited


def test_staff_login_lands_on_staff_home(login_as):
    client = login_as(StaffFactory())
    assert "Career center" in client.get("/staff/").get_data(as_text=True)


def test_a_website_without_a_scheme_is_accepted_with_https(client):
    response = client.submit("/auth/register/employer", {
        "name": "Ada Widget", "email": "ada@acme-widgets.example", "password": PASSWORD,
        "confirm": PASSWORD, "organization_name": "Acme Widgets",
        "organization_type": "company", "website": "acme-widgets.example"})
    assert response.status_code == 302, response.get_data(as_text=True)[:1500]
    assert user_by_email("ada@acme-widgets.example").organization.website == \
        "https://acme-widgets.example"


def test_an_error_keeps_both_passwords_and_says_it_once(client):
    response = client.submit("/auth/register/employer", {
        "name": "Ada Widget", "email": "ada@widgets.example", "password": PASSWORD,
        "confirm": PASSWORD, "organization_name": "", "organization_type": "company",
        "website": "ftp://widgets.example"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and user_by_email("ada@widgets.example") is None
    fields = form_fields(html, "/auth/register/employer")
    assert fields["password"] == PASSWORD and fields["confirm"] == PASSWORD
    assert fields["website"] == "ftp://widgets.example"
    # One message, shown in the summary at the top and at the field.
    assert html.count("Enter a full web address") == 2


def rate_limited_app(**config):
    from flask_migrate import upgrade

    app = create_app(app_config(fresh_database("ratelimit-account"), **config))
    app.test_client_class = Client
    with app.app_context():
        upgrade()
    return app


def test_only_failed_log_ins_count_and_the_owner_is_slowed_not_locked_out():
    app = rate_limited_app(LOGIN_RATE_LIMIT="1000 per minute",
                           LOGIN_ACCOUNT_RATE_LIMIT="3 per minute")
    with app.app_context():
        from marketplace.blueprints.accounts.services import register_student

        owner = register_student("owner@school.edu", "Owner", PASSWORD, welcome=False,
                                 graduation_year=2027, major=None, clusters=[],
                                 first_generation=None, pell_eligible=None, time_zone="UTC")
        owner.email_verified_at = utcnow()
        db.session.commit()
    owner = {"email": "owner@school.edu", "password": PASSWORD}
    for _ in range(5):  # succeeding never counts
        client = app.test_client()
        assert client.submit("/auth/login", owner).status_code == 302
    attacker = app.test_client()
    wrong = {"email": "owner@school.edu", "password": "not the password!"}
    assert [attacker.submit("/auth/login", wrong).status_code for _ in range(4)] == \
        [200, 200, 200, 429]
    refused = app.test_client().submit("/auth/login", owner)
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) <= 60  # a short wait, not an hour


def test_tokens_expire_show_their_last_use_and_are_revoked_one_by_one(login_as, client, app):
    from marketplace.blueprints.accounts.models import ApiToken

    user = StudentFactory()
    login_as(user)
    page = client.submit("/me/tokens", {"name": "Reporting script", "days": "30"})
    html = page.get_data(as_text=True)
    token = re.search(r'<code class="token">(cc_[^<]+)</code>', html).group(1)
    other = client.submit("/me/tokens", {"name": "Old laptop", "days": "1"})
    assert other.status_code == 200
    api = app.test_client()
    headers = {"Authorization": f"Bearer {token}"}
    assert api.get("/api/v1/me", headers=headers).status_code == 200
    listing = api.get("/api/v1/tokens", headers=headers).get_json()["items"]
    mine = next(item for item in listing if item["name"] == "Reporting script")
    assert mine["status"] == "active" and mine["last_used_at"] is not None
    assert "Reporting script" in client.get("/me/tokens").get_data(as_text=True)
    # One revoked, the other still works.
    old = next(item for item in listing if item["name"] == "Old laptop")
    assert client.submit(f"/me/tokens/{old['id']}/revoke", {}, page="/me/tokens"
                         ).status_code == 302
    assert api.get("/api/v1/me", headers=headers).status_code == 200
    # Expired: refused like a revoked one.
    db.session.execute(sa.update(ApiToken).where(ApiToken.id == mine["id"])
                       .values(expires_at=utcnow() - timedelta(minutes=1)))
    db.session.commit()
    assert api.get("/api/v1/me", headers=headers).status_code == 401
    # Someone else's token cannot be revoked (or seen).
    assert api_client_for(app, StudentFactory()).delete(
        f"/api/v1/tokens/{old['id']}").status_code == 404


def api_client_for(app, user):
    from marketplace.blueprints.accounts.services import issue_api_token

    token = issue_api_token(user)
    db.session.commit()
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def test_token_lifetime_is_bounded(api_client):
    client = api_client(StudentFactory())
    assert client.delete("/api/v1/tokens/2147483647").status_code == 404
    from marketplace.blueprints.accounts.services import issue_api_token

    with pytest.raises(ValidationFailed):
        issue_api_token(StudentFactory(), days=366)
