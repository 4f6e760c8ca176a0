"""Credentials: Open Badges 3.0 credentials from a student's evidence, their learner
record (CLR 2.0), verification by anyone, and revocation by staff."""

from __future__ import annotations

from flask import Flask

from marketplace.blueprints.credentials import api, commands, views
from marketplace.blueprints.credentials.services import revoke_for_withdrawn
from marketplace.blueprints.outcomes.services import evidence_withdrawn

__all__ = ["api", "init_app"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.cli.add_command(commands.credentials_cli)
    evidence_withdrawn.register(revoke_for_withdrawn)
