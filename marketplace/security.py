"""Response headers and request-wide template context."""

from __future__ import annotations

from flask import Flask, Response, abort, current_app, request

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "font-src 'self'",
        "connect-src 'self'",
        "form-action 'self' https://checkout.stripe.com",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "object-src 'none'",
    ]
)


def set_security_headers(response: Response) -> Response:
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("X-Frame-Options", "DENY")
    response.headers.setdefault("Referrer-Policy", "strict-origin-when-cross-origin")
    response.headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
    return response


def refuse_oversized_body() -> None:
    # Werkzeug only refuses a large body when a view reads it; refuse it up front.
    limit = current_app.config.get("MAX_CONTENT_LENGTH")
    if limit and request.content_length and request.content_length > limit:
        abort(413)


def register(app: Flask) -> None:
    from .models import Role
    from .reference import CAREER_CLUSTERS, OUTCOMES

    app.before_request(refuse_oversized_body)
    app.after_request(set_security_headers)
    if app.config["PRODUCTION"]:
        @app.after_request
        def _hsts(response: Response) -> Response:
            response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
            return response

    @app.context_processor
    def _globals() -> dict:
        return {"Role": Role, "CAREER_CLUSTERS": CAREER_CLUSTERS, "OUTCOMES": OUTCOMES,
                "unread_notifications": _unread_notifications}


def _unread_notifications() -> int:
    from flask_login import current_user

    from .services.notifications import unread_count

    return unread_count(current_user) if current_user.is_authenticated else 0
