"""Career Connections: the career center's marketplace. ``create_app`` is the factory."""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from .config import load_config


def create_app(overrides: dict | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.update(load_config(Path(app.instance_path), overrides))
    Path(app.config["UPLOAD_FOLDER"]).mkdir(parents=True, exist_ok=True)
    if app.config["PROXY_FIX_HOPS"]:
        from werkzeug.middleware.proxy_fix import ProxyFix

        hops = app.config["PROXY_FIX_HOPS"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=hops, x_proto=hops, x_host=hops)

    register_extensions(app)
    register_blueprints(app)
    register_errorhandlers(app)
    register_commands(app)
    register_hooks(app)
    return app


def register_extensions(app: Flask) -> None:
    from . import auth_loading, pagecache
    from .extensions import csrf, db, limiter, login_manager, migrate

    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    auth_loading.configure(login_manager)
    pagecache.init_app(app)


def register_blueprints(app: Flask) -> None:
    from .blueprints.alumni.views import bp as alumni_bp
    from .blueprints.api import bp as api_bp
    from .blueprints.auth.views import bp as auth_bp
    from .blueprints.billing.webhook import bp as stripe_webhook_bp
    from .blueprints.employers.views import bp as employers_bp
    from .blueprints.main.views import bp as main_bp
    from .blueprints.me.views import bp as me_bp
    from .blueprints.mentoring.views import bp as mentoring_bp
    from .blueprints.notifications.views import bp as notifications_bp
    from .blueprints.opportunities.views import bp as opportunities_bp
    from .blueprints.staff.views import bp as staff_bp
    from .blueprints.students.views import bp as students_bp
    from .extensions import csrf

    app.register_blueprint(main_bp)
    app.register_blueprint(auth_bp, url_prefix="/auth")
    app.register_blueprint(students_bp, url_prefix="/students")
    app.register_blueprint(employers_bp, url_prefix="/employers")
    app.register_blueprint(alumni_bp, url_prefix="/alumni")
    app.register_blueprint(staff_bp, url_prefix="/staff")
    app.register_blueprint(notifications_bp, url_prefix="/notifications")
    app.register_blueprint(opportunities_bp, url_prefix="/opportunities")
    app.register_blueprint(me_bp, url_prefix="/me")
    app.register_blueprint(mentoring_bp, url_prefix="/mentoring")
    # Stripe signs its events; there is no session and no CSRF token.
    csrf.exempt(stripe_webhook_bp)
    app.register_blueprint(stripe_webhook_bp)
    # The API checks CSRF itself, for cookie-authenticated requests only.
    csrf.exempt(api_bp)
    app.register_blueprint(api_bp, url_prefix="/api/v1")


def register_errorhandlers(app: Flask) -> None:
    from .blueprints.main.errors import register

    register(app)


def register_commands(app: Flask) -> None:
    from .commands import register

    register(app)


def register_hooks(app: Flask) -> None:
    from . import outbox, security

    security.register(app)
    outbox.register(app)
