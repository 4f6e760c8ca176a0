"""Ending the provider's session too when a person signs out after a campus sign-in."""

from __future__ import annotations

from flask import current_app, session

from marketplace.blueprints.accounts.sso import oidc
from marketplace.blueprints.accounts.sso import services as sso
from marketplace.blueprints.accounts.sso.models import ProviderKind
from marketplace.core.errors import DomainError
from marketplace.core.urls import path_for

LOGOUT = "sso_logout"  # provider and ID token, kept in the session at an OIDC sign-in


def provider_logout_url() -> str | None:
    """Where log-out sends the browser to end an OpenID provider's session as well."""
    pending = session.get(LOGOUT)
    if not isinstance(pending, dict):
        return None
    try:
        provider = sso.get_provider(str(pending.get("provider")))
    except DomainError:
        return None
    if provider.kind is not ProviderKind.OIDC:
        return None
    return oidc.end_session_url(provider, str(pending.get("id_token")),
                                current_app.config["BASE_URL"] + path_for("home.home"))
