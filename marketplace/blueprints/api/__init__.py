"""The JSON API under /api/v1. It calls the same services as the HTML views."""

from flask import Blueprint

bp = Blueprint("api", __name__)

from . import applications, mentoring, opportunities, outcomes, views  # noqa: E402,F401,I001
