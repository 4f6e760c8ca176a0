"""Signed single-use links for people who are not signed in: confirm an e-mail address,
set a new password.

A link carries the account id and a fingerprint of the state it changes (the
password hash and the address; for a confirmation, whether it is confirmed; for a
personal address, the address waiting),
signed with the app's secret. Using the link changes that state, so the same link
never works twice, and a password reset makes every older link worthless.
"""

from __future__ import annotations

import hashlib
import hmac
from datetime import timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeTimedSerializer

from marketplace.blueprints.accounts.models import User
from marketplace.core.extensions import db

VERIFY = "verify"
RESET = "reset"
PERSONAL = "personal"  # confirms a student's personal e-mail (signs nobody in)

LIFETIME = {
    VERIFY: timedelta(days=3),
    RESET: timedelta(hours=1),
    PERSONAL: timedelta(days=3),
}


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.secret_key, salt=f"account-link-{purpose}")


def _fingerprint(user: User, purpose: str) -> str:
    # The address too: a link sent to an address the account no longer uses is void.
    state = [purpose, str(user.id), user.password_hash, user.email]
    if purpose == VERIFY:
        state += ["confirmed" if user.email_verified else "waiting"]
    if purpose == PERSONAL:
        state += [user.personal_email_pending or ""]
    return hashlib.sha256("\x1f".join(state).encode()).hexdigest()[:32]


def make_link_token(user: User, purpose: str) -> str:
    return _serializer(purpose).dumps({"u": user.id, "f": _fingerprint(user, purpose)})


def user_for_link_token(token: str, purpose: str) -> User | None:
    """The active account this unexpired, unused link is for, or None."""
    if not token or len(token) > 500:
        return None
    try:
        data = _serializer(purpose).loads(
            token, max_age=int(LIFETIME[purpose].total_seconds()))
    except BadSignature:  # also SignatureExpired
        return None
    if not isinstance(data, dict) or type(data.get("u")) is not int \
            or not isinstance(data.get("f"), str):
        return None
    user = db.session.get(User, data["u"])
    if user is None or not user.active:
        return None
    if not hmac.compare_digest(data["f"], _fingerprint(user, purpose)):
        return None
    return user
