"""Local accounts over their life: a confirmed address, a forgotten password, the
sessions a person can see and end, a notice of a sign-in from a new device."""

from __future__ import annotations

import re
import time

import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer

from marketplace.blueprints.accounts.models import ApiToken, User, UserSession
from marketplace.blueprints.accounts.services import confirm_email, issue_api_token
from marketplace.blueprints.accounts.services.links import RESET, VERIFY, make_link_token
from marketplace.blueprints.notifications.models import EmailDelivery
from marketplace.blueprints.opportunities.models import OpportunityStatus
from marketplace.core.extensions import db
from tests.factories import DEFAULT_PASSWORD, EmployerFactory, OpportunityFactory, StudentFactory
from tests.smtp_server import link_in
from tests.support import Client, app_config, fresh_database

NEW_PASSWORD = "a brand new passphrase"
FIREFOX = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:133.0) Gecko/20100101 Firefox/133.0"
IPHONE = ("Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 "
          "(KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1")


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def mail_to(smtp, address: str):
    return [message for message in smtp.messages if message["To"] == address]


def aged_token(app, user: User, purpose: str, seconds_old: int) -> str:
    """A link made ``seconds_old`` seconds ago (the signer's clock, not the app's, is set)."""
    from marketplace.blueprints.accounts.services import links

    class Earlier(URLSafeTimedSerializer):
        default_signer = type("Signer", (URLSafeTimedSerializer.default_signer,), {
            "get_timestamp": lambda self: int(time.time()) - seconds_old})

    serializer = Earlier(app.secret_key, salt=f"account-link-{purpose}")
    return serializer.dumps({"u": user.id, "f": links._fingerprint(user, purpose)})


# --- confirming an address ---------------------------------------------------------

def test_a_confirmation_link_works_once(client, app):
    user = StudentFactory(email_verified_at=None)
    token = make_link_token(user, VERIFY)
    db.session.commit()
    first = client.get(f"/auth/verify/{token}")
    assert first.status_code == 302 and fresh(user).email_verified_at is not None
    again = app.test_client().get(f"/auth/verify/{token}")
    assert again.status_code == 400
    assert "This link no longer works" in again.get_data(as_text=True)


def test_a_forged_or_expired_confirmation_link_is_refused(client, app):
    user = StudentFactory(email_verified_at=None)
    db.session.commit()
    good = make_link_token(user, VERIFY)
    for token in (good[:-2] + "xx", make_link_token(user, RESET),
                  aged_token(app, user, VERIFY, 4 * 24 * 3600), "x" * 600):
        assert client.get(f"/auth/verify/{token}").status_code == 400
    assert fresh(user).email_verified_at is None


def test_an_employer_submits_a_posting_only_with_a_confirmed_address(api_client, smtp,
                                                                    run_jobs):
    """An unconfirmed employer cannot log in with a password at all; a token issued before
    (or any other way in) still cannot send a posting to review."""
    employer = EmployerFactory(email_verified_at=None)
    posting = OpportunityFactory(organization=employer.organization,
                                 status=OpportunityStatus.DRAFT, published_at=None,
                                 submitted_at=None)
    api = api_client(employer)
    response = api.post(f"/api/v1/opportunities/{posting.id}/submit")
    assert response.status_code == 403
    assert "Confirm your e-mail address first" in response.get_json()["error"]["message"]
    db.session.expire_all()
    assert posting.status is OpportunityStatus.DRAFT

    confirm_email(employer)
    db.session.commit()
    assert api.post(f"/api/v1/opportunities/{posting.id}/submit").status_code == 200
    db.session.expire_all()
    assert posting.status is OpportunityStatus.PENDING_REVIEW


def test_a_signed_in_person_without_a_confirmed_address_sees_the_reminder(app, oidc_idp):
    """(A campus sign-in that did not vouch for the address.) The reminder offers the
    link again."""
    from tests.idp.fixtures import add_oidc_provider, oidc_sign_in

    add_oidc_provider(oidc_idp)
    client = app.test_client()
    assert oidc_sign_in(client, oidc_idp, "unverified1").status_code == 302
    page = client.get("/students/").get_data(as_text=True)
    assert "Please confirm your e-mail address" in page and "Send the link again" in page


# --- a forgotten password ------------------------------------------------------------

def test_asking_for_a_reset_answers_the_same_for_any_address(app, smtp, run_jobs):
    StudentFactory(email="known@school.edu")
    db.session.commit()
    pages = []
    for address in ("known@school.edu", "unknown@school.edu"):
        response = app.test_client().submit("/auth/reset", {"email": address})
        page = response.get_data(as_text=True).replace(address, "ADDRESS")
        pages.append((response.status_code, re.sub(r'value="[^"]{40,}"', "TOKEN", page)))
    assert pages[0] == pages[1] and pages[0][0] == 200
    assert "If an account uses" in pages[0][1]
    run_jobs()
    assert len(mail_to(smtp, "known@school.edu")) == 1
    assert mail_to(smtp, "unknown@school.edu") == []


def test_a_reset_link_sets_the_password_once_and_ends_every_session(app, login_as, smtp,
                                                                     run_jobs):
    user = StudentFactory()
    laptop = login_as(user)
    issue_api_token(user)
    db.session.commit()
    visitor = app.test_client()
    visitor.submit("/auth/reset", {"email": user.email})
    run_jobs()
    [message] = mail_to(smtp, user.email)
    link = link_in(message, "/auth/reset/")
    assert "works once, within one hour" in message.get_body(("plain",)).get_content()

    response = visitor.submit(link, {"password": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response.headers["Location"] == "/students/"
    assert visitor.get("/students/").status_code == 200  # signed in by the link
    assert laptop.get("/students/").status_code == 302  # every other session ended
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id)).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))) == 0
    again = app.test_client().get(link)
    assert again.status_code == 400  # single-use: the password hash it was bound to changed
    old = app.test_client().submit("/auth/login", {"email": user.email,
                                                   "password": DEFAULT_PASSWORD})
    assert old.status_code == 200
    new = app.test_client().submit("/auth/login", {"email": user.email,
                                                   "password": NEW_PASSWORD})
    assert new.status_code == 302


def test_a_reset_link_expires_within_an_hour(app, client):
    user = StudentFactory()
    db.session.commit()
    assert client.get(f"/auth/reset/{aged_token(app, user, RESET, 59 * 60)}").status_code == 200
    assert client.get(f"/auth/reset/{aged_token(app, user, RESET, 61 * 60)}").status_code == 400


def test_a_reset_keeps_what_was_typed_when_the_passwords_differ(client):
    user = StudentFactory()
    db.session.commit()
    link = f"/auth/reset/{make_link_token(user, RESET)}"
    response = client.submit(link, {"password": NEW_PASSWORD, "confirm": "something else!!"})
    assert response.status_code == 200
    assert "The two passwords are not the same" in response.get_data(as_text=True)
    assert fresh(user).password_hash == user.password_hash


def test_the_reset_form_is_rate_limited():
    app = create_limited_app("reset")
    client = app.test_client()
    statuses = [client.submit("/auth/reset", {"email": "someone@school.edu"}).status_code
                for _ in range(4)]
    assert statuses == [200, 200, 200, 429]


def create_limited_app(name: str):
    from flask_migrate import upgrade

    from marketplace import create_app

    app = create_app(app_config(fresh_database(name), ACCOUNT_RATE_LIMIT="3 per minute"))
    app.test_client_class = Client
    with app.app_context():
        upgrade()
    return app


# --- sessions --------------------------------------------------------------------------

def test_a_sign_in_from_a_new_kind_of_device_is_told_by_email(app, smtp, run_jobs):
    user = StudentFactory()
    db.session.commit()
    for agent in (FIREFOX, FIREFOX, IPHONE):
        browser = app.test_client()
        browser.environ_base["HTTP_USER_AGENT"] = agent
        assert browser.submit("/auth/login", {"email": user.email,
                                              "password": DEFAULT_PASSWORD}).status_code == 302
    run_jobs()
    notices = mail_to(smtp, user.email)
    assert [m["Subject"] for m in notices] == ["A new sign-in to your Career Connections account"]
    assert "Safari on iPhone" in notices[0].get_body(("plain",)).get_content()


def test_sessions_are_listed_and_ended_through_the_api(app, login_as, api_client):
    user = StudentFactory()
    laptop = login_as(user)
    laptop.environ_base["HTTP_USER_AGENT"] = FIREFOX
    api = api_client(user)
    sessions = api.get("/api/v1/me/sessions").get_json()["items"]
    assert len(sessions) == 1 and sessions[0]["current"] is False
    other = api_client(StudentFactory())
    assert other.delete(f"/api/v1/me/sessions/{sessions[0]['id']}").status_code == 404
    assert laptop.get("/students/").status_code == 200
    response = api.delete(f"/api/v1/me/sessions/{sessions[0]['id']}")
    assert response.status_code == 200 and response.get_json()["ended_at"]
    assert laptop.get("/students/").status_code == 302
    assert api.get("/api/v1/me/sessions").get_json()["items"] == []
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id)).where(
        UserSession.user_id == user.id)) == 1  # kept, ended


def test_one_session_cannot_end_anothers_session_from_the_page(app, login_as):
    mine, theirs = StudentFactory(), StudentFactory()
    other_browser = login_as(theirs)
    their_row = db.session.scalar(sa.select(UserSession).where(UserSession.user_id == theirs.id))
    client = app.test_client()
    client.submit("/auth/login", {"email": mine.email, "password": DEFAULT_PASSWORD})
    response = client.submit(f"/me/sessions/{their_row.id}/end", {}, page="/me/sessions")
    assert response.status_code == 404
    assert other_browser.get("/students/").status_code == 200


def test_account_emails_never_reach_the_notification_list(app, smtp, run_jobs):
    from marketplace.blueprints.notifications.models import Notification

    user = StudentFactory()
    db.session.commit()
    app.test_client().submit("/auth/reset", {"email": user.email})
    run_jobs()
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == user.id)) == 0
    assert db.session.scalar(sa.select(EmailDelivery.template).where(
        EmailDelivery.to_address == user.email)) == "account/password_reset"


def test_a_reset_link_sent_to_an_address_no_longer_used_is_void(client):
    user = StudentFactory(email="ana@school.edu")
    db.session.commit()
    link = f"/auth/reset/{make_link_token(user, RESET)}"
    assert client.get(link).status_code == 200
    user.email = "ana@home.example"  # graduation moved her sign-in address
    db.session.commit()
    assert client.get(link).status_code == 400
