"""API tokens: issued with an expiry, looked up by digest, listed and revoked."""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import g

from marketplace.blueprints.accounts.models import (
    ApiToken,
    User,
)
from marketplace.blueprints.accounts.policies import can_manage_token
from marketplace.core.db import utcnow
from marketplace.core.errors import (
    NotFound,
    ValidationFailed,
)
from marketplace.core.extensions import db


def revoke_api_tokens(user: User) -> int:
    """Revoke every API token of ``user`` (a password change ends all access)."""
    return db.session.execute(
        sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
        .values(revoked_at=utcnow())).rowcount


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


TOKEN_DAYS = 90


MAX_TOKEN_DAYS = 365


# Writing "last used" on every call would make each read a write: once a minute is enough.
LAST_USED_EVERY = timedelta(minutes=1)


def issue_api_token(user: User, name: str = "API token", days: int = TOKEN_DAYS) -> str:
    """Create an API token for ``user`` that works ``days`` days, and return it; only its
    digest is kept. Flushes."""
    name = " ".join((name or "").split())[:80] or "API token"
    if not isinstance(days, int) or isinstance(days, bool) or \
            not 1 <= days <= MAX_TOKEN_DAYS:
        raise ValidationFailed("Choose how long the token works.",
                               {"days": f"From 1 to {MAX_TOKEN_DAYS} days."})
    token = "cc_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user=user, token_hash=_token_digest(token), name=name,
                            expires_at=utcnow() + timedelta(days=days)))
    db.session.flush()
    return token


def api_tokens(user: User) -> list[ApiToken]:
    """The user's tokens, newest first (revoked and expired ones too, so they can see)."""
    return db.session.scalars(sa.select(ApiToken).where(ApiToken.user_id == user.id)
                              .order_by(ApiToken.id.desc()).limit(200)).all()


def token_status(token: ApiToken) -> str:
    if token.revoked_at is not None:
        return "revoked"
    return "expired" if token.expires_at <= utcnow() else "active"


def revoke_api_token(user: User, token_id: int) -> ApiToken:
    """Revoke one of the user's own tokens. Flushes."""
    token = db.session.get(ApiToken, token_id)
    if token is None or not can_manage_token(user, token):
        raise NotFound("No such token.")
    if token.revoked_at is None:
        token.revoked_at = utcnow()
    db.session.flush()
    return token


def note_token_use() -> None:
    """Commits: after a request made with an API token, write when it was last used (at
    most once a minute per token). A busy database only skips this one note."""
    token_id = g.pop("api_token_used", None)
    if token_id is None:
        return
    try:
        db.session.execute(sa.update(ApiToken).where(ApiToken.id == token_id)
                           .values(last_used_at=utcnow()))
        db.session.commit()
    except sa.exc.OperationalError:
        db.session.rollback()


def user_for_token(token: str) -> User | None:
    """The active user owning this (unrevoked) token, or None."""
    if not token or len(token) > 200:
        return None
    now = utcnow()
    api_token = db.session.scalar(
        sa.select(ApiToken).where(
            ApiToken.token_hash == _token_digest(token), ApiToken.revoked_at.is_(None),
            ApiToken.expires_at > now,
        )
    )
    if api_token is None or not api_token.user.active:
        return None
    if api_token.last_used_at is None or api_token.last_used_at < now - LAST_USED_EVERY:
        g.api_token_used = api_token.id  # noted once the request is answered
    return api_token.user
