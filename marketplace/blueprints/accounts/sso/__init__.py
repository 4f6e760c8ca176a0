"""Campus sign-in: SAML 2.0 and OpenID Connect providers, provisioning and linking."""

from __future__ import annotations

from flask import Flask

from marketplace.blueprints.accounts.sso import commands, views

__all__ = ["init_app"]


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.cli.add_command(commands.sso_cli)

    @app.context_processor
    def _sign_in_providers():
        from marketplace.blueprints.accounts.sso.services import active_providers

        return {"sign_in_providers": active_providers}
