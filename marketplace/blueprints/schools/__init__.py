"""Schools: a district's schools and their staff's scope, guardians' consent before a
minor's placement starts (English and Spanish), the supervisor's hours and evaluations by
e-mailed link, and the Perkins V 5S3 report."""

from __future__ import annotations

from flask import Flask, g
from flask_babel import Babel

from marketplace.blueprints.accounts.hooks import assign_school, school_choices, staff_school
from marketplace.blueprints.applications.hooks import placement_needs_consent
from marketplace.blueprints.schools import api, commands, jobs, services, views

__all__ = ["api", "init_app", "jobs"]

LOCALES = ("en", "es")


def guardian_locale() -> str:
    """The language of a guardian's page (set by the view from the consent request); every
    other page stays English."""
    locale = g.get("guardian_locale")
    return locale if locale in LOCALES else "en"


def init_app(app: Flask) -> None:
    app.register_blueprint(views.bp)
    app.cli.add_command(commands.schools_cli)
    # Message catalogs: marketplace/translations/<locale>/LC_MESSAGES/messages.mo.
    Babel(app, locale_selector=guardian_locale, default_translation_directories="translations")
    placement_needs_consent.register(services.needs_consent)
    school_choices.register(services.school_choices)
    assign_school.register(commands.assign_school_by_name)
    staff_school.register(services.staff_school_id)
