"""Small helpers shared by the HTML views."""

from __future__ import annotations

from flask import flash
from flask_wtf import FlaskForm

from ..errors import DomainError
from ..extensions import db


def show_domain_error(form: FlaskForm | None, error: DomainError) -> None:
    """Roll back, then put a service's error on the form's fields and in a flash message."""
    db.session.rollback()
    for field, message in error.fields.items():
        if form is not None and field in form:
            form[field].errors = [*form[field].errors, message]
    flash(error.message, "error")
