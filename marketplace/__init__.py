"""Career Connections: the career center's marketplace. ``create_app`` is the factory.

The app is ``core`` (what every domain uses) plus one package per domain under
``marketplace/blueprints/``. ``DOMAINS`` lists them lowest first: a domain imports
only ``core`` and the domains before it (``make lint`` checks this).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask
from werkzeug.middleware.proxy_fix import ProxyFix

from marketplace import commands, core
from marketplace.blueprints import (
    accounts,
    applications,
    billing,
    credentials,
    events,
    home,
    mentoring,
    notifications,
    opportunities,
    ops,
    outcomes,
    privacy,
    schools,
)
from marketplace.core import api, logs
from marketplace.core.config import instance_folder, load_config

DOMAINS = (notifications, accounts, opportunities, applications, mentoring, billing, outcomes,
           events, credentials, schools, privacy, ops, home)


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True, instance_path=instance_folder())
    app.config.update(load_config(Path(app.instance_path), overrides))
    Path(app.config["UPLOAD_FOLDER"]).mkdir(parents=True, exist_ok=True)
    if app.config["PROXY_FIX_HOPS"]:
        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    logs.init_app(app)  # first: it times the request from the first hook to the last
    core.init_app(app)
    for domain in DOMAINS:
        domain.init_app(app)
    # Last: every domain has added its routes to the API blueprint by now.
    api.init_app(app)
    commands.init_app(app)
    return app
