"""OpenID Connect relying party (Authlib): authorization code with PKCE, ``state`` and
``nonce``; the ID token's signature checked against the issuer's JWKS, and its issuer,
audience, expiry and nonce checked (joserfc)."""

from __future__ import annotations

import secrets
import time

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.common.security import generate_token
from authlib.integrations.requests_client import OAuth2Session
from joserfc import jwt
from joserfc.errors import JoseError
from joserfc.jwk import KeySet
from joserfc.jwt import JWTClaimsRegistry

from marketplace.blueprints.accounts.sso.models import IdentityProvider
from marketplace.blueprints.accounts.sso.services import Assertion

TIMEOUT = 10  # seconds, for every call to the provider
SCOPE = "openid email profile"
DISCOVERY_TTL = 3600
_discovery: dict[str, tuple[float, dict]] = {}


class ProviderUnavailable(Exception):
    """The provider could not be reached, or answered nonsense."""


class AnswerRefused(Exception):
    """The provider's answer failed a check (state, token, signature, claims)."""


def discover(provider: IdentityProvider) -> dict:
    """The issuer's discovery document, kept an hour."""
    cached = _discovery.get(provider.issuer)
    if cached and cached[0] > time.monotonic():
        return cached[1]
    try:
        response = requests.get(f"{provider.issuer}/.well-known/openid-configuration",
                                timeout=TIMEOUT)
        response.raise_for_status()
        document = response.json()
    except (requests.RequestException, ValueError) as error:
        raise ProviderUnavailable(f"discovery failed: {error}") from None
    if document.get("issuer") != provider.issuer:
        raise ProviderUnavailable("the discovery document names another issuer")
    _discovery[provider.issuer] = (time.monotonic() + DISCOVERY_TTL, document)
    return document


def _session(provider: IdentityProvider, redirect_uri: str) -> OAuth2Session:
    return OAuth2Session(provider.client_id, provider.client_secret, scope=SCOPE,
                         redirect_uri=redirect_uri, code_challenge_method="S256")


def scope_for(provider: IdentityProvider) -> str:
    # The usual role claim comes with its own scope at most campuses' providers.
    return SCOPE + (" affiliation" if provider.role_claim == "eduperson_affiliation" else "")


def authorization(provider: IdentityProvider, redirect_uri: str) -> tuple[str, dict]:
    """The URL to send the browser to, and what the callback must find in the session."""
    document = discover(provider)
    state, nonce, verifier = generate_token(32), generate_token(32), generate_token(48)
    client = _session(provider, redirect_uri)
    client.scope = scope_for(provider)
    url, _ = client.create_authorization_url(
        document["authorization_endpoint"], state=state, nonce=nonce, code_verifier=verifier)
    return url, {"state": state, "nonce": nonce, "verifier": verifier}


def _keys(document: dict) -> KeySet:
    try:
        response = requests.get(document["jwks_uri"], timeout=TIMEOUT)
        response.raise_for_status()
        return KeySet.import_key_set(response.json())
    except (requests.RequestException, ValueError, KeyError, JoseError) as error:
        raise ProviderUnavailable(f"JWKS failed: {error}") from None


def finish(provider: IdentityProvider, redirect_uri: str, callback_url: str, args: dict,
           pending: dict) -> tuple[Assertion, str]:
    """Check the callback against what ``authorization`` kept, swap the code for tokens,
    and check the ID token. Returns the assertion and the raw ID token (for log-out)."""
    if "error" in args:
        raise AnswerRefused(f"the provider answered {args.get('error')!s:.80}")
    if not pending or not secrets.compare_digest(str(args.get("state", "")),
                                                 pending.get("state", "")):
        raise AnswerRefused("state does not match this browser's sign-in")
    if args.get("iss") and args["iss"] != provider.issuer:  # RFC 9207
        raise AnswerRefused("the answer names another issuer")
    document = discover(provider)
    client = _session(provider, redirect_uri)
    try:
        token = client.fetch_token(document["token_endpoint"], authorization_response=callback_url,
                                   code_verifier=pending["verifier"], state=pending["state"])
    except requests.RequestException as error:
        raise ProviderUnavailable(f"token endpoint failed: {error}") from None
    except (AuthlibBaseError, ValueError, KeyError) as error:  # the provider refused the code
        raise AnswerRefused(f"token request refused: {error}") from None
    id_token = token.get("id_token")
    if not isinstance(id_token, str):
        raise AnswerRefused("no ID token")
    claims = check_id_token(provider, id_token, _keys(document), pending["nonce"],
                            document.get("id_token_signing_alg_values_supported"))
    affiliations = claims.get(provider.role_claim) or []
    if isinstance(affiliations, str):
        affiliations = [affiliations]
    if not isinstance(affiliations, list):
        affiliations = []

    def text(key: str) -> str | None:  # a claim of another type counts as absent
        value = claims.get(key)
        return value.strip() if isinstance(value, str) and value.strip() else None

    name = text("name") or " ".join(
        part for part in (text("given_name"), text("family_name")) if part)
    return Assertion(subject=str(claims["sub"]), email=text("email"),
                     email_verified=claims.get("email_verified") is True, name=name or None,
                     affiliations=[str(value) for value in affiliations
                                   if isinstance(value, str | int)]), id_token


def check_id_token(provider: IdentityProvider, id_token: str, keys: KeySet, nonce: str,
                   algorithms: list[str] | None = None) -> dict:
    """The ID token's claims, once its signature (against the issuer's keys, never
    ``none``), issuer, audience, expiry, issue time and nonce are right."""
    allowed = [alg for alg in (algorithms or ["RS256"]) if alg.lower() != "none"]
    try:
        decoded = jwt.decode(id_token, keys, algorithms=allowed or ["RS256"])
        JWTClaimsRegistry(
            leeway=60,
            iss={"essential": True, "value": provider.issuer},
            aud={"essential": True, "value": provider.client_id},
            exp={"essential": True}, iat={"essential": True}, sub={"essential": True},
            nonce={"essential": True, "value": nonce},
        ).validate(decoded.claims)
    except (JoseError, ValueError) as error:
        raise AnswerRefused(f"ID token refused: {error}") from None
    claims = decoded.claims
    if isinstance(claims.get("aud"), list) and len(claims["aud"]) > 1 \
            and claims.get("azp") != provider.client_id:
        raise AnswerRefused("ID token is for another party")
    return claims


def end_session_url(provider: IdentityProvider, id_token: str, return_to: str) -> str | None:
    """Where to send the browser to end the provider's session too (RP-initiated log-out)."""
    try:
        endpoint = discover(provider).get("end_session_endpoint")
    except ProviderUnavailable:
        return None
    if not endpoint:
        return None
    request = requests.Request("GET", endpoint, params={
        "id_token_hint": id_token, "post_logout_redirect_uri": return_to,
        "client_id": provider.client_id}).prepare()
    return request.url
