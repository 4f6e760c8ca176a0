"""The JSON API under /api/v1. It calls the same services as the HTML views."""

from __future__ import annotations

from flask import Blueprint, Flask

from marketplace.core.extensions import csrf

bp = Blueprint("api", __name__)


def init_app(app: Flask) -> None:
    """Register the API once every domain has added its routes to ``bp``."""
    # The API checks CSRF itself, for cookie-authenticated requests only.
    csrf.exempt(bp)
    app.register_blueprint(bp, url_prefix="/api/v1")


# The shared routes (the OpenAPI document, the CSRF rule for cookie calls).
from marketplace.core.api import views  # noqa: E402,F401  (needs ``bp`` defined above)
