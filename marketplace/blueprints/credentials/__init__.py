"""Credentials: Open Badges 3.0 credentials from a student's evidence, their learner
record (CLR 2.0), verification by anyone, and revocation by staff."""

from __future__ import annotations

from flask import Flask

from marketplace.blueprints.credentials import api, commands, views

__all__ = ["api", "init_app"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.cli.add_command(commands.credentials_cli)
