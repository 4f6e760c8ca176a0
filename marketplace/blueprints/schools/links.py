"""Signed links for people without an account: a guardian's consent, a supervisor's hours
and evaluations.

A link carries the row it acts on and a fingerprint of the state it may change: the
nonce (a resend draws a new one, so older links stop working), the address it was sent
to (a link sent to an address no longer on file is void) and, for hours, the hours as
logged. It is signed with the app's secret and expires. Acting changes the state, so a
link never works twice; the page then says the link was used, not that it is broken.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

CONSENT_LIFETIME = timedelta(days=14)
SUPERVISOR_LIFETIME = timedelta(days=30)


def new_nonce() -> str:
    return secrets.token_hex(16)


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"schools-link-{purpose}")


def fingerprint(*state) -> str:
    return hashlib.sha256("\x1f".join(str(part) for part in state).encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Reading:
    """What a link says: ``problem`` is None for a good signature, else "expired" or
    "invalid"; ``fields`` are its contents."""

    problem: str | None
    fields: dict


def make_token(purpose: str, **fields) -> str:
    return _serializer(purpose).dumps(fields)


def read_token(purpose: str, token: str, lifetime: timedelta) -> Reading:
    """Check the signature and age of a link. The caller compares the fingerprint."""
    if not token or len(token) > 600:
        return Reading("invalid", {})
    try:
        data = _serializer(purpose).loads(token, max_age=int(lifetime.total_seconds()))
    except SignatureExpired:
        return Reading("expired", {})
    except BadSignature:
        return Reading("invalid", {})
    if not isinstance(data, dict) or not isinstance(data.get("f"), str):
        return Reading("invalid", {})
    return Reading(None, data)


def same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())
