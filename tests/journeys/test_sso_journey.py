"""A student signs in with the campus account, through each kind of identity provider,
in a real browser: SimpleSAMLphp (SAML 2.0) and oidc-provider (OpenID Connect)."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from marketplace.blueprints.accounts.sso import saml as sp
from marketplace.blueprints.accounts.sso.services import add_oidc_provider, add_saml_provider
from marketplace.core.extensions import db
from tests.idp import oidc
from tests.idp.fixtures import OIDC_CLIENT_ID, OIDC_CLIENT_SECRET, oidc_client, unavailable
from tests.journeys.helpers import check_accessibility, click_log_out, log_out


@pytest.fixture(scope="module")
def campus_saml(live_app, base_url, saml_idp):
    with live_app.app_context():
        provider = add_saml_provider("campus", saml_idp.metadata_xml(),
                                     display_name="Campus Login")
        db.session.commit()
        entity_id, acs = sp.sp_urls(provider)
        cert = Path(sp._key_pair()[1]).read_text()
    saml_idp.add_sp(entity_id, acs, cert_pem=cert)
    return saml_idp


@pytest.fixture(scope="module")
def campus_oidc(live_app, base_url, tmp_path_factory):
    if not oidc.is_available():
        unavailable("oidc-provider is not installed (tests/idp/install_oidc.sh)")
    with oidc.OidcProvider(tmp_path_factory.mktemp("oidc-journey"),
                           [oidc_client(base_url)]) as idp:
        with live_app.app_context():
            add_oidc_provider("uni", idp.issuer, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
                              display_name="University Login")
            db.session.commit()
        yield idp


def test_a_student_signs_in_with_saml_and_out(phone, campus_saml):
    page = phone
    page.goto("/auth/login")
    check_accessibility(page, "login-with-campus")
    page.get_by_role("link", name="Sign in with Campus Login").click()
    # SimpleSAMLphp's own log-in page.
    page.locator("input[name=username]").fill("student1")
    page.locator("input[name=password]").fill("student1pass")
    page.locator("button[type=submit], input[type=submit]").first.click()
    expect(page.get_by_role("status").first).to_contain_text("Welcome, Sam Student")
    expect(page).to_have_url(re.compile(r"/students/$"))
    check_accessibility(page, "student-home-after-saml")
    log_out(page)
    page.goto("/students/")
    expect(page).to_have_url(re.compile(r"/auth/login"))


def test_a_student_signs_in_with_openid_connect_and_out(page, campus_oidc, base_url):
    page.goto("/auth/login")
    page.get_by_role("link", name="Sign in with University Login").click()
    # oidc-provider's log-in form.
    page.locator("input[name=login]").fill("student1")
    page.locator("input[name=password]").fill("student1pass")
    page.locator("button[type=submit]").first.click()
    expect(page.get_by_role("status").first).to_contain_text("Welcome, Sam Student")
    expect(page).to_have_url(re.compile(r"/students/$"))
    check_accessibility(page, "student-home-after-oidc")
    click_log_out(page)
    # The provider asks whether to end its session too, then sends the browser home.
    expect(page).to_have_url(re.compile(re.escape(campus_oidc.issuer)))
    page.locator("button[name=logout][value=yes], button[value=yes]").first.click()
    expect(page).to_have_url(re.compile(re.escape(base_url) + r"/(\?.*)?$"))
    page.goto("/students/")
    expect(page).to_have_url(re.compile(r"/auth/login"))
