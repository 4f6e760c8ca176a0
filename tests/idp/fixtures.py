"""pytest fixtures starting the real identity providers (a plugin of tests/conftest.py).

Missing software skips the tests on a developer's machine and fails them under CI
(``make test`` installs it: tests/idp/install_saml.sh, tests/idp/install_oidc.sh).
"""

from __future__ import annotations

import os
from urllib.parse import urlsplit

import pytest
import requests

from tests.idp import oidc, saml

OIDC_CLIENT_ID = "career-connections"
OIDC_CLIENT_SECRET = "a-client-secret-for-tests-only"


def unavailable(reason: str) -> None:
    if os.environ.get("CI"):
        pytest.fail(f"An identity provider is required under CI: {reason}")
    pytest.skip(reason)


def oidc_client(base_url: str, name: str = "uni") -> dict:
    return {"client_id": OIDC_CLIENT_ID, "client_secret": OIDC_CLIENT_SECRET,
            "redirect_uris": [f"{base_url}/auth/sso/{name}/callback"],
            "post_logout_redirect_uris": [f"{base_url}/"]}


@pytest.fixture(scope="session")
def saml_idp(tmp_path_factory):
    """SimpleSAMLphp on 127.0.0.1, for the whole run."""
    if not saml.is_available():
        unavailable(saml.unavailable_reason())
    with saml.SamlIdP(tmp_path_factory.mktemp("saml-idp")) as idp:
        yield idp


@pytest.fixture(scope="session")
def oidc_idp(tmp_path_factory):
    """oidc-provider on Node, for the whole run; its client is the in-process app."""
    if not oidc.is_available():
        unavailable("oidc-provider is not installed (tests/idp/install_oidc.sh)")
    with oidc.OidcProvider(tmp_path_factory.mktemp("oidc-idp"),
                           [oidc_client("http://127.0.0.1")]) as idp:
        yield idp


def add_saml_provider(idp: saml.SamlIdP, name: str = "campus", **options):
    """Our provider row for ``idp``, and ``idp`` told about our service provider."""
    from pathlib import Path

    from marketplace.blueprints.accounts.sso import saml as sp
    from marketplace.blueprints.accounts.sso.services import add_saml_provider as add

    provider = add(name, idp.metadata_xml(), display_name=options.pop("display_name",
                                                                        "Campus Login"),
                   **options)
    entity_id, acs = sp.sp_urls(provider)
    _key, cert_file = sp._key_pair()
    idp.add_sp(entity_id, acs, cert_pem=Path(cert_file).read_text())
    return provider


def add_oidc_provider(idp: oidc.OidcProvider, name: str = "uni", **options):
    from marketplace.blueprints.accounts.sso.services import add_oidc_provider as add

    return add(name, idp.issuer, OIDC_CLIENT_ID, OIDC_CLIENT_SECRET,
               display_name=options.pop("display_name", "University Login"), **options)


def saml_answer(client, idp: saml.SamlIdP, username: str, name: str = "campus"):
    """Start a campus sign-in with ``client`` and sign in at the IdP: returns the path and
    the form (SAMLResponse, RelayState) the IdP's page would post back, unposted."""
    response = client.get(f"/auth/sso/{name}/login")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    acs, fields = idp.login(requests.Session(), response.headers["Location"], username,
                            saml.SamlIdP.USERS[username]["password"])
    return urlsplit(acs).path, fields


def saml_sign_in(client, idp: saml.SamlIdP, username: str, name: str = "campus"):
    path, fields = saml_answer(client, idp, username, name)
    return client.post(path, data=fields)


def oidc_sign_in(client, idp: oidc.OidcProvider, username: str, name: str = "uni", **query):
    response = client.get(f"/auth/sso/{name}/login", query_string=query)
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    callback = idp.login(requests.Session(), response.headers["Location"], username,
                         oidc.OidcProvider.ACCOUNTS[username]["password"])
    parts = urlsplit(callback)
    return client.get(f"{parts.path}?{parts.query}")
