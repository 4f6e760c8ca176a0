"""Public pages: the home page and the health check."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, current_app, jsonify, render_template

from ...extensions import db

bp = Blueprint("main", __name__)


@bp.route("/")
def home():
    return render_template("main/home.html")


@bp.route("/ping")
def ping():
    """Liveness only (no database, no queue): for load balancers and as a speed baseline."""
    return "pong", 200, {"Content-Type": "text/plain; charset=utf-8"}


@bp.route("/healthz")
def healthz():
    """``{"database": "ok", "queue": "ok" | "inline"}``; 503 when a part is down."""
    body: dict[str, str] = {}
    healthy = True
    try:
        db.session.execute(sa.text("SELECT 1"))
        body["database"] = "ok"
    except Exception as error:  # any failure means "down"; the detail goes to the log
        current_app.logger.warning("health check: database: %s", error)
        db.session.rollback()
        body["database"] = "error"
        healthy = False
    from ...queueing import queue_health

    body["queue"] = queue_health()
    healthy = healthy and body["queue"] in ("ok", "inline")
    return jsonify(body), 200 if healthy else 503
