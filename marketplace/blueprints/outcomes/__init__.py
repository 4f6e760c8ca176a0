"""Outcomes: the evidence ledger, the staff dashboard, imports, exports and reports."""

from __future__ import annotations

from flask import Flask

# review_api and review_views: outcomes from real work (plans, documents, rules), their
# routes on ``views.bp`` and the API blueprint; import_views: the CSV imports, on ``views.bp``.
from marketplace.blueprints.outcomes import (
    api,
    campaigns,
    import_views,
    jobs,
    review_api,
    review_views,
    views,
)

__all__ = ["api", "import_views", "init_app", "jobs", "review_api", "review_views"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    campaigns.init_app(app)
