"""Accounts: people and their roles, organizations, sign-in, profiles and API tokens."""

from __future__ import annotations

from flask import Flask

from marketplace.blueprints.accounts import api, commands, jobs, loading, services, sso, views
from marketplace.blueprints.accounts.services import sessions
from marketplace.core.extensions import login_manager

__all__ = ["api", "init_app", "jobs"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    sso.init_app(app)
    app.cli.add_command(commands.users_cli)
    loading.configure(login_manager)
    sessions.init_app(app)

    @app.after_request
    def _note_token_use(response):
        services.note_token_use()
        services.note_session_seen()
        return response
