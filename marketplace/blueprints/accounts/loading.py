"""How a request becomes a user: the session cookie, or a Bearer token on the API."""

from __future__ import annotations

from flask import g, request
from flask_login import LoginManager

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.accounts.services import signed_in_user, user_for_token


def load_user_from_session(alternative_id: str) -> User | None:
    # The cookie holds "<user id>:<session version>"; a bumped version (log-out
    # elsewhere, password change) makes every older cookie worthless.
    user_id, _, version = alternative_id.partition(":")
    if not (user_id.isdigit() and version.isdigit()):
        return None
    # And the browser's own session must still be open (/me/sessions ends one): the
    # person and that session row come in one query, on every signed-in request.
    user = signed_in_user(int(user_id))
    if user is None or user.session_version != int(version) or not user.active:
        return None
    return user


def load_user_from_bearer() -> User | None:
    if not request.path.startswith("/api/"):
        return None
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None

    user = user_for_token(token.strip())
    if user is not None:
        g.authenticated_by_token = True  # only then may the API skip its CSRF check
    return user


def configure(login_manager: LoginManager) -> None:
    login_manager.login_view = "accounts.login"
    login_manager.login_message = "Please log in to see that page."
    login_manager.login_message_category = "info"
    login_manager.session_protection = None  # cookies are regenerated at log-in instead
    login_manager.user_loader(load_user_from_session)
    login_manager.request_loader(lambda _request: load_user_from_bearer())
