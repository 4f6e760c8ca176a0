"""SAML 2.0 service provider (pysaml2, signatures checked by xmlsec1): Web Browser SSO
with HTTP-Redirect requests and HTTP-POST responses.

pysaml2 checks the Response's and the Assertion's signatures against the IdP's
metadata, the audience, the recipient / destination, ``NotOnOrAfter`` and that the
response answers a request this browser made (no unsolicited responses); it parses
with defusedxml (no external entities). Replayed assertion ids are refused here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import saml2
import sqlalchemy as sa
from flask import current_app
from saml2.client import Saml2Client
from saml2.config import SPConfig
from saml2.mdstore import MetadataStore
from saml2.metadata import entity_descriptor
from saml2.sigver import get_xmlsec_binary
from sqlalchemy.exc import IntegrityError

from marketplace.blueprints.accounts.sso.models import IdentityProvider, UsedAssertion
from marketplace.blueprints.accounts.sso.services import Assertion
from marketplace.core.db import utcnow
from marketplace.core.errors import ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.urls import path_for

EMAIL_ATTRIBUTES = ("mail", "email", "emailAddress")


class AnswerRefused(Exception):
    """The IdP's response failed a check."""


def _key_pair() -> tuple[str, str]:
    config = current_app.config
    if config.get("SAML_SP_KEY_FILE") and config.get("SAML_SP_CERT_FILE"):
        return config["SAML_SP_KEY_FILE"], config["SAML_SP_CERT_FILE"]
    folder = Path(current_app.instance_path) / "saml"
    key, cert = folder / "sp.key", folder / "sp.crt"
    if not (key.exists() and cert.exists()):
        _make_key_pair(folder, key, cert)
    return str(key), str(cert)


def _make_key_pair(folder: Path, key: Path, cert: Path) -> None:
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    folder.mkdir(parents=True, exist_ok=True)
    private = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Career Connections SP")])
    now = dt.datetime.now(dt.UTC)
    certificate = (x509.CertificateBuilder().subject_name(name).issuer_name(name)
                   .public_key(private.public_key()).serial_number(x509.random_serial_number())
                   .not_valid_before(now - dt.timedelta(days=1))
                   .not_valid_after(now + dt.timedelta(days=3650))
                   .sign(private, hashes.SHA256()))
    # Written aside, then renamed: another process never reads half a key.
    for path, data in ((key, private.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption())), (cert, certificate.public_bytes(
                serialization.Encoding.PEM))):
        partial = path.with_suffix(path.suffix + ".partial")
        partial.write_bytes(data)
        partial.chmod(0o600)
        partial.replace(path)


def sp_urls(provider: IdentityProvider) -> tuple[str, str]:
    base = current_app.config["BASE_URL"]
    return (base + path_for("sso.saml_metadata", name=provider.name),
            base + path_for("sso.saml_acs", name=provider.name))


def _config(provider: IdentityProvider) -> SPConfig:
    entity_id, acs = sp_urls(provider)
    key_file, cert_file = _key_pair()
    settings = {
        "entityid": entity_id,
        "xmlsec_binary": get_xmlsec_binary(),
        "key_file": key_file,
        "cert_file": cert_file,
        "service": {"sp": {
            "name": "Career Connections",
            "endpoints": {"assertion_consumer_service": [(acs, saml2.BINDING_HTTP_POST)]},
            "want_response_signed": True,
            "want_assertions_signed": True,
            "authn_requests_signed": True,
            "allow_unsolicited": False,
            "name_id_format_allow_create": True,
        }},
        "allow_unknown_attributes": True,
        "accepted_time_diff": current_app.config["SAML_CLOCK_SKEW_SECONDS"],
    }
    if provider.metadata_xml:
        settings["metadata"] = {"inline": [provider.metadata_xml]}
    config = SPConfig()
    config.load(settings)
    return config


def idp_entity_id(metadata_xml: str) -> str:
    """The one IdP ``metadata_xml`` describes; refuses anything else, clearly."""
    store = MetadataStore(attrc=None, config=SPConfig())
    try:
        store.load("inline", metadata_xml)
    except Exception:  # pysaml2 raises many kinds for malformed metadata
        raise ValidationFailed("That is not SAML metadata we can read.",
                               {"metadata": "Give the IdP's metadata XML."}) from None
    ids = [entity for entity in store.keys() if store.single_sign_on_service(
        entity, saml2.BINDING_HTTP_REDIRECT)]
    if len(ids) != 1:
        raise ValidationFailed("The metadata must describe exactly one identity provider with "
                               "an HTTP-Redirect single sign-on service.",
                               {"metadata": "No usable IdP in it."})
    return ids[0]


def sp_metadata(provider: IdentityProvider) -> str:
    return str(entity_descriptor(_config(provider)))


def authorization(provider: IdentityProvider, relay_state: str) -> tuple[str, str]:
    """The URL to send the browser to, and the request id the response must answer."""
    client = Saml2Client(config=_config(provider))
    request_id, info = client.prepare_for_authenticate(
        entityid=provider.issuer, relay_state=relay_state,
        binding=saml2.BINDING_HTTP_REDIRECT, sign=True)
    return dict(info["headers"])["Location"], request_id


def _first(identity: dict, *names: str) -> str | None:
    for name in names:
        values = identity.get(name)
        if values:
            return str(values[0])
    return None


def finish(provider: IdentityProvider, saml_response: str, request_id: str | None
           ) -> Assertion:
    """Check a posted SAMLResponse and return what it asserts. Refuses replays. Flushes."""
    if not request_id:
        raise AnswerRefused("no sign-in was started from this browser")
    client = Saml2Client(config=_config(provider))
    try:
        response = client.parse_authn_request_response(
            saml_response, saml2.BINDING_HTTP_POST, outstanding={request_id: "/"})
    except Exception as error:  # pysaml2's many refusals: signature, time, audience...
        raise AnswerRefused(f"{type(error).__name__}: {error}"[:300]) from None
    if response is None:  # pysaml2 logs why: destination, audience or status
        raise AnswerRefused("not a response meant for this service provider")
    if response.assertion is None:
        raise AnswerRefused("no assertion")
    assertion = response.assertion
    not_on_or_after = None
    if assertion.conditions is not None and assertion.conditions.not_on_or_after:
        not_on_or_after = saml2.time_util.str_to_time(assertion.conditions.not_on_or_after)
    expires = (dt.datetime(*not_on_or_after[:6], tzinfo=dt.UTC) if not_on_or_after
               else utcnow() + dt.timedelta(hours=1)) + dt.timedelta(
        seconds=current_app.config["SAML_CLOCK_SKEW_SECONDS"])
    try:
        with db.session.begin_nested():
            db.session.execute(sa.delete(UsedAssertion).where(UsedAssertion.expires_at < utcnow()))
            db.session.add(UsedAssertion(provider_id=provider.id,
                                         assertion_id=str(assertion.id)[:255],
                                         expires_at=expires))
            db.session.flush()
    except IntegrityError:
        raise AnswerRefused("this assertion was used already (a replay)") from None
    identity = response.get_identity() or {}
    subject = response.get_subject()
    name = _first(identity, "displayName", "cn") or " ".join(
        part for part in (_first(identity, "givenName"), _first(identity, "sn")) if part)
    return Assertion(
        subject=(subject.text or "").strip() if subject is not None else "",
        email=_first(identity, *EMAIL_ATTRIBUTES),
        # The campus directory is the source of its own addresses.
        email_verified=True,
        name=name or None,
        affiliations=[str(value) for value in identity.get(provider.role_claim, [])],
    )
