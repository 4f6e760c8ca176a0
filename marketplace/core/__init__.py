"""What every domain uses: extensions, configuration, errors, database helpers, the clock,
the outbox and job registry, mail, security headers, forms and the API machinery.

``core`` imports no domain (``make lint`` checks it).
"""

from __future__ import annotations

from pathlib import Path

from flask import Flask

from marketplace.core import (
    changes,
    clock,
    errorpages,
    inputs,
    jobs,
    kept,
    outbox,
    relay,
    security,
    storage,
)
from marketplace.core.extensions import csrf, db, limiter, login_manager, migrate

__all__ = ["init_app", "relay"]


def init_app(app: Flask) -> None:
    """Bind the extensions and register what is not any one domain's."""
    db.init_app(app)
    changes.init_app(app)
    kept.init_app(app)
    migrate.init_app(app, db, directory=str(Path(app.root_path).parent / "migrations"),
                     render_as_batch=True, compare_type=True)
    csrf.init_app(app)
    limiter.init_app(app)
    login_manager.init_app(app)
    inputs.init_app(app)
    errorpages.register(app)
    security.register(app)
    outbox.register(app)
    jobs.init_app(app)
    storage.init_app(app)
    # One way to write dates and times in every template: {{ value|day }} "Dec 27, 2026",
    # {{ value|when }} "Dec 27, 2026, 3:30 PM EST", {{ value|clock }} "3:30 PM EST", in the
    # viewer's zone; {{ zone|city }} "New York".
    app.jinja_env.filters.update(day=clock.format_day, when=clock.format_when,
                                 clock=clock.format_clock, city=clock.zone_city)
