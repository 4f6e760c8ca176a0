"""Campus sign-in through real identity providers: SimpleSAMLphp (SAML 2.0) and
oidc-provider (OpenID Connect), both started by the suite on 127.0.0.1."""

from __future__ import annotations

import base64
import re
import time

import pytest
import sqlalchemy as sa
from joserfc import jwt
from joserfc.jwk import KeySet, RSAKey

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.accounts.services import issue_api_token
from marketplace.blueprints.accounts.sso import oidc as rp
from marketplace.blueprints.accounts.sso.models import ExternalIdentity, IdentityProvider
from marketplace.blueprints.accounts.sso.services import add_oidc_provider as add_oidc_row
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.factories import DEFAULT_PASSWORD, StaffFactory, StudentFactory
from tests.idp.fixtures import (
    add_oidc_provider,
    add_saml_provider,
    oidc_sign_in,
    saml_answer,
    saml_sign_in,
)
from tests.support import free_port

REFUSED = "We could not accept the answer"


def users_with(email: str) -> list[User]:
    db.session.expire_all()
    return db.session.scalars(sa.select(User).where(User.email == email)).all()


def account_count() -> int:
    return db.session.scalar(sa.select(sa.func.count(User.id)))


# --- SAML 2.0 ----------------------------------------------------------------------

def test_a_student_signs_in_through_saml_and_gets_an_account(client, saml_idp):
    add_saml_provider(saml_idp)
    login_page = client.get("/auth/login").get_data(as_text=True)
    assert "Sign in with Campus Login" in login_page
    assert login_page.index("Sign in with Campus Login") < login_page.index('name="password"')

    response = saml_sign_in(client, saml_idp, "student1")
    assert response.status_code == 302 and response.headers["Location"] == "/students/"
    [user] = users_with("sam.student@campus.example")
    assert (user.role, user.name) == (Role.STUDENT, "Sam Student")
    assert user.email_verified_at is not None and user.student_profile is not None
    assert "Sam Student" in client.get("/students/").get_data(as_text=True)

    # The next sign-in opens the same account through its NameID.
    client.post("/auth/logout", data={"csrf_token": client.csrf_token()})
    assert saml_sign_in(client, saml_idp, "student1").status_code == 302
    assert len(users_with("sam.student@campus.example")) == 1
    assert db.session.scalar(sa.select(ExternalIdentity.subject).where(
        ExternalIdentity.user_id == user.id)) == "student1"


def test_our_service_provider_metadata_is_published(client, saml_idp):
    provider = add_saml_provider(saml_idp)
    response = client.get(f"/auth/saml/{provider.name}/metadata")
    assert response.status_code == 200
    xml = response.get_data(as_text=True)
    assert 'entityID="http://127.0.0.1/auth/saml/campus/metadata"' in xml
    assert "http://127.0.0.1/auth/saml/campus/acs" in xml
    assert "X509Certificate" in xml and "AuthnRequestsSigned=\"true\"" in xml
    assert client.get("/auth/saml/nowhere/metadata").status_code == 404


def test_alum_and_staff_affiliations_map_to_roles_staff_only_when_allowed(app, saml_idp):
    provider = add_saml_provider(saml_idp)
    assert saml_sign_in(app.test_client(), saml_idp, "alum1").status_code == 302
    assert users_with("ali.alum@campus.example")[0].role is Role.ALUMNI

    refused = saml_sign_in(app.test_client(), saml_idp, "staff1")
    assert refused.status_code == 403
    assert "staff sign-in with it is not switched on" in refused.get_data(as_text=True)
    assert users_with("stella.staff@campus.example") == []

    provider.allow_staff = True
    db.session.commit()
    # A new staff account waits for a colleague's approval before it opens.
    waiting = saml_sign_in(app.test_client(), saml_idp, "faculty1")
    assert waiting.status_code == 403
    assert "another staff member must approve it" in waiting.get_data(as_text=True)
    [fay] = users_with("fay.faculty@campus.example")
    assert fay.role is Role.STAFF
    link = db.session.scalar(sa.select(ExternalIdentity).where(ExternalIdentity.user_id == fay.id))
    link.approved_at = link.created_at
    db.session.commit()
    assert saml_sign_in(app.test_client(), saml_idp, "faculty1").status_code == 302

    # Staff sign-in switched off again: the staff account no longer opens with it.
    provider.allow_staff = False
    db.session.commit()
    assert saml_sign_in(app.test_client(), saml_idp, "faculty1").status_code == 403


def test_an_unconfirmed_squatter_account_is_taken_back_by_its_campus_owner(app, saml_idp):
    """Someone registered the student's campus address first (never confirmed): the
    campus sign-in opens it for its owner and shuts the registrant out."""
    add_saml_provider(saml_idp)
    squatter = StudentFactory(email="sam.student@campus.example", email_verified_at=None)
    db.session.commit()
    squatter_browser = app.test_client()
    token = issue_api_token(squatter)
    db.session.commit()
    assert saml_sign_in(app.test_client(), saml_idp, "student1").status_code == 302
    [owner] = users_with("sam.student@campus.example")
    assert owner.id == squatter.id and owner.email_verified_at is not None
    assert squatter_browser.submit("/auth/login", {"email": owner.email,
                                                   "password": DEFAULT_PASSWORD}
                                   ).status_code == 200
    assert app.test_client().get("/api/v1/me", headers={
        "Authorization": f"Bearer {token}"}).status_code == 401


def test_a_personal_address_never_links_a_campus_sign_in(app, saml_idp):
    add_saml_provider(saml_idp)
    mallory = StudentFactory(email="mallory@school.edu",
                             personal_email="sam.student@campus.example")
    db.session.commit()
    assert saml_sign_in(app.test_client(), saml_idp, "student1").status_code == 302
    [sam] = users_with("sam.student@campus.example")
    assert sam.id != mallory.id


def test_an_existing_account_is_linked_by_the_asserted_email(app, saml_idp):
    add_saml_provider(saml_idp)
    student = StudentFactory(email="sam.student@campus.example", name="Sam S.")
    db.session.commit()
    response = saml_sign_in(app.test_client(), saml_idp, "student1")
    assert response.status_code == 302
    assert [u.id for u in users_with("sam.student@campus.example")] == [student.id]


def test_a_staff_account_is_linked_only_after_another_staff_member_approves(app, saml_idp,
                                                                          login_as):
    add_saml_provider(saml_idp, allow_staff=True)
    stella = StaffFactory(email="stella.staff@campus.example")
    db.session.commit()
    first = saml_sign_in(app.test_client(), saml_idp, "staff1")
    assert first.status_code == 403
    assert "Another staff member must approve" in first.get_data(as_text=True)
    link = db.session.scalar(sa.select(ExternalIdentity).where(
        ExternalIdentity.user_id == stella.id))
    assert link.approved_at is None
    assert saml_sign_in(app.test_client(), saml_idp, "staff1").status_code == 403

    # Not by herself...
    own = login_as(stella)
    response = own.submit(f"/staff/sso/links/{link.id}/approve", {}, page="/staff/sso",
                          follow_redirects=True)
    assert "Another staff member must approve" in response.get_data(as_text=True)
    # ...but by a colleague.
    colleague = app.test_client()
    colleague.submit("/auth/login", {"email": StaffFactory().email,
                                     "password": DEFAULT_PASSWORD})
    db.session.commit()
    page = colleague.get("/staff/sso").get_data(as_text=True)
    assert "stella.staff@campus.example" in page
    colleague.submit(f"/staff/sso/links/{link.id}/approve", {}, page="/staff/sso")
    browser = app.test_client()
    assert saml_sign_in(browser, saml_idp, "staff1").status_code == 302
    assert "Career center" in browser.get("/staff/").get_data(as_text=True)


# --- SAML attacks: each refused with a clear page and nothing written -------------------

def decoded(fields: dict) -> str:
    return base64.b64decode(fields["SAMLResponse"]).decode()


def encoded(xml: str) -> str:
    return base64.b64encode(xml.encode()).decode()


def assert_refused(response, before: int) -> None:
    assert response.status_code == 400
    assert REFUSED in response.get_data(as_text=True)
    assert account_count() == before


def test_a_tampered_assertion_is_refused(client, saml_idp):
    add_saml_provider(saml_idp)
    before = account_count()
    path, fields = saml_answer(client, saml_idp, "student1")
    xml = decoded(fields).replace("sam.student@campus.example", "mallory@campus.example")
    assert_refused(client.post(path, data={**fields, "SAMLResponse": encoded(xml)}), before)


def test_an_unsigned_response_is_refused(client, saml_idp):
    add_saml_provider(saml_idp)
    before = account_count()
    path, fields = saml_answer(client, saml_idp, "student1")
    xml = re.sub(r"<ds:Signature.*?</ds:Signature>", "", decoded(fields), flags=re.S)
    assert "Signature" not in xml
    assert_refused(client.post(path, data={**fields, "SAMLResponse": encoded(xml)}), before)


def test_a_replayed_assertion_is_refused(app, saml_idp):
    add_saml_provider(saml_idp)
    client = app.test_client()
    path, fields = saml_answer(client, saml_idp, "student1")
    cookie = client.get_cookie("cc_saml", path=path)
    assert client.post(path, data=fields).status_code == 302
    before = account_count()
    attacker = app.test_client()  # a captured answer and request cookie, posted again
    attacker.set_cookie("cc_saml", cookie.value, path=path)
    assert_refused(attacker.post(path, data=fields), before)


def test_an_answer_for_another_audience_is_refused(app, saml_idp):
    """An answer the IdP made for another service provider (here our "other" provider),
    posted to campus with a request cookie that matches it: the audience and recipient are
    wrong, and that alone refuses it."""
    from marketplace.blueprints.accounts.sso.views import SAML_COOKIE, _saml_serializer

    add_saml_provider(saml_idp)
    add_saml_provider(saml_idp, name="other", display_name="Other")
    client = app.test_client()
    other_path, fields = saml_answer(client, saml_idp, "student1", name="other")
    with app.test_request_context():
        started = _saml_serializer().loads(client.get_cookie(SAML_COOKIE, path=other_path).value)
        forged = _saml_serializer().dumps({**started, "p": "campus"})
    client.set_cookie(SAML_COOKIE, forged, path="/auth/saml/campus/acs")
    before = account_count()
    assert_refused(client.post("/auth/saml/campus/acs", data=fields), before)


def test_an_unsolicited_answer_is_refused(app, saml_idp):
    add_saml_provider(saml_idp)
    path, fields = saml_answer(app.test_client(), saml_idp, "student1")
    before = account_count()
    assert_refused(app.test_client().post(path, data=fields), before)  # no request cookie


def test_an_expired_assertion_is_refused(app, client, saml_idp):
    provider = add_saml_provider(saml_idp)
    from marketplace.blueprints.accounts.sso import saml as sp

    entity_id, acs = sp.sp_urls(provider)
    saml_idp.add_sp(entity_id, acs, cert_pem=open(sp._key_pair()[1]).read(),
                    assertion_lifetime=1)
    app.config["SAML_CLOCK_SKEW_SECONDS"] = 0
    try:
        path, fields = saml_answer(client, saml_idp, "student1")
        time.sleep(2.5)
        before = account_count()
        assert_refused(client.post(path, data=fields), before)
    finally:
        app.config["SAML_CLOCK_SKEW_SECONDS"] = 60


def test_signature_wrapping_is_refused(client, saml_idp):
    """XSW: an unsigned, forged assertion placed before the signed one."""
    add_saml_provider(saml_idp)
    before = account_count()
    path, fields = saml_answer(client, saml_idp, "student1")
    xml = decoded(fields)
    signed = re.search(r"<saml:Assertion.*?</saml:Assertion>", xml, flags=re.S).group(0)
    evil = re.sub(r"<ds:Signature.*?</ds:Signature>", "", signed, flags=re.S)
    evil = evil.replace("sam.student@campus.example", "mallory@campus.example") \
        .replace('ID="', 'ID="evil', 1)
    wrapped = xml.replace(signed, evil + signed)
    assert_refused(client.post(path, data={**fields, "SAMLResponse": encoded(wrapped)}),
                   before)
    assert users_with("mallory@campus.example") == []


def test_an_external_entity_is_never_read(client, saml_idp, tmp_path):
    """XXE: a DOCTYPE pointing at a local file gets a refusal, not the file."""
    add_saml_provider(saml_idp)
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    before = account_count()
    path, fields = saml_answer(client, saml_idp, "student1")
    xml = decoded(fields)
    xml = xml.replace("sam.student@campus.example", "&xxe;", 1)
    xml = re.sub(r"^(<\?xml[^>]*\?>)?", lambda m: (m.group(0) or "") +
                 f'<!DOCTYPE samlp:Response [<!ENTITY xxe SYSTEM "file://{secret}">]>', xml,
                 count=1)
    response = client.post(path, data={**fields, "SAMLResponse": encoded(xml)})
    assert_refused(response, before)
    assert "TOP-SECRET" not in response.get_data(as_text=True)


def test_garbage_in_the_saml_answer_gets_a_clear_page(client, saml_idp):
    add_saml_provider(saml_idp)
    client.get("/auth/sso/campus/login")
    for junk in ("", "not base64 !!", encoded("<notxml"), encoded("<a/>"), "A" * 600_000):
        response = client.post("/auth/saml/campus/acs", data={"SAMLResponse": junk})
        assert response.status_code == 400, junk[:20]


def test_relay_state_and_next_cannot_redirect_elsewhere(app, saml_idp):
    add_saml_provider(saml_idp)
    client = app.test_client()
    response = client.get("/auth/sso/campus/login?next=https://evil.example/")
    from urllib.parse import urlsplit

    import requests

    acs, fields = saml_idp.login(requests.Session(), response.headers["Location"], "student1",
                                 "student1pass")
    fields["RelayState"] = "https://evil.example/"
    response = client.post(urlsplit(acs).path, data=fields)
    assert response.status_code == 302 and response.headers["Location"] == "/students/"


# --- OpenID Connect --------------------------------------------------------------------

def test_a_student_signs_in_through_openid_connect(client, oidc_idp):
    add_oidc_provider(oidc_idp)
    assert "Sign in with University Login" in client.get("/auth/login").get_data(as_text=True)
    response = oidc_sign_in(client, oidc_idp, "student1", next="/students/profile")
    assert response.status_code == 302, response.get_data(as_text=True)[:800]
    assert response.headers["Location"] == "/students/profile"
    [user] = users_with("sam.student@campus.example")
    assert (user.role, user.name) == (Role.STUDENT, "Sam Student")
    assert client.get("/students/").status_code == 200

    # Signing out ends our session and sends the browser to end the provider's.
    response = client.post("/auth/logout", data={"csrf_token": client.csrf_token()})
    assert response.status_code == 200
    [url] = re.findall(r'content="0; url=([^"]+)"', response.get_data(as_text=True))
    assert url.startswith(f"{oidc_idp.issuer}/session/end") and "id_token_hint=" in url
    assert client.get("/students/").status_code == 302


def test_an_unverified_email_never_links_an_existing_account(app, oidc_idp):
    add_oidc_provider(oidc_idp)
    existing = StudentFactory(email="una@campus.example")
    db.session.commit()
    response = oidc_sign_in(app.test_client(), oidc_idp, "unverified1")
    assert response.status_code == 403
    assert "did not confirm that address is yours" in response.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(ExternalIdentity.id)).where(
        ExternalIdentity.user_id == existing.id)) == 0


def test_a_callback_with_the_wrong_state_or_used_twice_is_refused(app, oidc_idp):
    add_oidc_provider(oidc_idp)
    client = app.test_client()
    response = client.get("/auth/sso/uni/login")
    import requests

    callback = oidc_idp.login(requests.Session(), response.headers["Location"], "student1",
                              "student1pass")
    forged = re.sub(r"state=[^&]+", "state=forged", callback)
    before = account_count()
    refused = client.get(forged.split("127.0.0.1", 1)[1].split("/", 1)[1].join(["/", ""]))
    assert refused.status_code == 400 and REFUSED in refused.get_data(as_text=True)
    assert account_count() == before
    # The real callback no longer works either: the sign-in it belonged to is over.
    again = client.get("/" + callback.split("127.0.0.1", 1)[1].split("/", 1)[1])
    assert again.status_code == 400 and account_count() == before


def test_a_provider_that_is_down_gets_a_friendly_page(client):
    add_oidc_row("down", f"http://127.0.0.1:{free_port()}", "id", "secret",
                 display_name="Down University")
    response = client.get("/auth/sso/down/login")
    assert response.status_code == 503
    assert "Down University is not answering just now" in response.get_data(as_text=True)


class _Provider:
    issuer = "https://login.campus.example"
    client_id = "career-connections"


def _token(key, **claims) -> str:
    now = int(time.time())
    body = {"iss": _Provider.issuer, "aud": _Provider.client_id, "sub": "s-1", "iat": now,
            "exp": now + 300, "nonce": "n-1", **claims}
    return jwt.encode({"alg": "RS256", "kid": key.kid}, body, key)


@pytest.mark.parametrize("case", ["forged", "expired", "wrong_audience", "wrong_issuer",
                                  "wrong_nonce", "alg_none"])
def test_a_bad_id_token_is_refused(case):
    issuer_key = RSAKey.generate_key(2048, parameters={"kid": "issuer"})
    keys = KeySet([issuer_key])
    assert rp.check_id_token(_Provider, _token(issuer_key), keys, "n-1")["sub"] == "s-1"
    other_key = RSAKey.generate_key(2048, parameters={"kid": "issuer"})
    token = {
        "forged": lambda: _token(other_key),
        "expired": lambda: _token(issuer_key, exp=int(time.time()) - 600,
                                  iat=int(time.time()) - 900),
        "wrong_audience": lambda: _token(issuer_key, aud="someone-else"),
        "wrong_issuer": lambda: _token(issuer_key, iss="https://evil.example"),
        "wrong_nonce": lambda: _token(issuer_key, nonce="replayed"),
        "alg_none": lambda: ".".join([
            base64.urlsafe_b64encode(b'{"alg":"none"}').rstrip(b"=").decode(),
            base64.urlsafe_b64encode(
                f'{{"iss":"{_Provider.issuer}","aud":"{_Provider.client_id}","sub":"s-1",'
                f'"iat":{int(time.time())},"exp":{int(time.time()) + 300},"nonce":"n-1"}}'
                .encode()).rstrip(b"=").decode(), ""]),
    }[case]()
    with pytest.raises(rp.AnswerRefused):
        rp.check_id_token(_Provider, token, keys, "n-1", ["RS256", "none"])


# --- providers are configured by the CLI, never shown back ------------------------------

def test_the_cli_adds_and_lists_providers_without_secrets(app, saml_idp, tmp_path):
    metadata = tmp_path / "idp.xml"
    metadata.write_text(saml_idp.metadata_xml())
    runner = app.test_cli_runner()
    result = runner.invoke(args=["sso", "add-saml", "campus", "--metadata-file", str(metadata),
                                 "--display-name", "Campus Login"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(args=["sso", "add-oidc", "uni", "--issuer",
                                 "https://login.uni.example/", "--client-id", "cc",
                                 "--client-secret", "s3cret-value", "--role-claim", "groups"])
    assert result.exit_code == 0, result.output
    listing = runner.invoke(args=["sso", "list"]).output
    assert "campus\tsaml\tCampus Login\t" + saml_idp.entity_id in listing
    assert "uni\toidc\tuni\thttps://login.uni.example\trole-claim=groups" in listing
    assert "s3cret-value" not in listing
    bad = runner.invoke(args=["sso", "add-saml", "junk", "--metadata-file", str(metadata),
                              "--metadata-url", "http://x"])
    assert bad.exit_code != 0
    not_metadata = tmp_path / "not.xml"
    not_metadata.write_text("<html/>")
    bad = runner.invoke(args=["sso", "add-saml", "junk", "--metadata-file", str(not_metadata)])
    assert bad.exit_code != 0 and "exactly one identity provider" in bad.output
    assert db.session.scalar(sa.select(sa.func.count(IdentityProvider.id)).where(
        IdentityProvider.name == "junk")) == 0


def test_the_staff_page_never_shows_a_client_secret(login_as, oidc_idp):
    add_oidc_provider(oidc_idp)
    db.session.commit()
    page = login_as(StaffFactory()).get("/staff/sso").get_data(as_text=True)
    assert "University Login" in page and "a-client-secret-for-tests-only" not in page

