"""Response headers and request-wide template context."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import Flask, Response, abort, current_app, g, request, session
from flask_login import current_user

from marketplace.core.policies import Role
from marketplace.core.reference import CAREER_CLUSTERS, OUTCOMES

STRIPE_CHECKOUT = "https://checkout.stripe.com"


def content_security_policy(stripe_api_base: str | None = None) -> str:
    """The policy; forms may lead to Stripe's checkout (or to the Stripe stand-in that
    ``STRIPE_API_BASE`` names, whose checkout pages live on the same origin)."""
    checkout = STRIPE_CHECKOUT
    if stripe_api_base:
        parts = urlsplit(stripe_api_base)
        checkout += f" {parts.scheme}://{parts.netloc}"
    return "; ".join([
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        f"form-action 'self' {checkout}",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ])


CONTENT_SECURITY_POLICY = content_security_policy()


def set_security_headers(response: Response) -> Response:
    base = current_app.config.get("STRIPE_API_BASE")
    response.headers.setdefault("Content-Security-Policy", content_security_policy(base)
                                if base else CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response


def _signed_in() -> bool:
    """Whether the request comes from a signed-in person, without loading them just to
    answer: a view that showed anything of theirs has loaded them already (Flask-Login
    keeps the user on ``g``); otherwise a cookie naming a person is enough. Loading them
    here cost every signed-in answer that shows nothing personal (``/ping``) two queries."""
    if "_login_user" in g:
        return current_user.is_authenticated
    remember = current_app.config.get("REMEMBER_COOKIE_NAME", "remember_token")
    return "_user_id" in session or remember in request.cookies


def keep_personal_answers_out_of_caches(response: Response) -> Response:
    """Whatever a signed-in person (or an API token) is shown — pages, CSVs, resumes, API
    answers — is theirs alone: no shared or browser cache may keep it."""
    if request.endpoint != "static" and ("Authorization" in request.headers or _signed_in()):
        response.headers["Cache-Control"] = "no-store, private"
        response.headers.pop("Expires", None)
        response.headers.pop("Last-Modified", None)
        response.headers.pop("ETag", None)
    return response


def refuse_oversized_body() -> None:
    # Werkzeug only refuses a large body when a view reads it; refuse it up front.
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length and request.content_length > limit:
        abort(413)


def register(app: Flask) -> None:
    app.before_request(refuse_oversized_body)
    app.after_request(set_security_headers)
    app.after_request(keep_personal_answers_out_of_caches)
    if app.config["PRODUCTION"]:
        @app.after_request
        def _hsts(response: Response) -> Response:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            return response

    # Globals, not a context processor: also seen by macros imported without context
    # (which Jinja can keep compiled between renders).
    app.jinja_env.globals.update(Role=Role, CAREER_CLUSTERS=CAREER_CLUSTERS, OUTCOMES=OUTCOMES)
