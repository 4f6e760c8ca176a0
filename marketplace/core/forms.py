"""Form fields and field sets shared by several areas."""

from __future__ import annotations

from datetime import date

from flask import flash, g, has_request_context, request
from flask_wtf import FlaskForm
from flask_wtf.form import _Auto
from wtforms import (
    DecimalField,
    PasswordField,
    SelectField,
    SelectMultipleField,
    StringField,
    widgets,
)
from wtforms.validators import (
    URL,
    Length,
    NumberRange,
    Optional,
    StopValidation,
    ValidationError,
)
from wtforms.widgets import HiddenInput, PasswordInput

from marketplace.core.errors import DomainError
from marketplace.core.extensions import db
from marketplace.core.inputs import REMOVED_MESSAGE
from marketplace.core.reference import cluster_choices, is_valid_time_zone, time_zone_choices


class NumberedHiddenInput(HiddenInput):
    """A page can hold several forms (or one form shown per row), each with its hidden
    CSRF token: every token after the first in a request gets an id of its own."""

    def __call__(self, field, **kwargs):
        if has_request_context():
            g.hidden_ids = g.get("hidden_ids", 0) + 1
            if g.hidden_ids > 1:
                kwargs.setdefault("id", f"{field.id}-{g.hidden_ids}")
        return super().__call__(field, **kwargs)


class Form(FlaskForm):
    """Base of the HTML forms: they read form posts only, never a JSON body."""

    class Meta(FlaskForm.Meta):
        def bind_field(self, form, unbound_field, options):
            if options.get("name") == "csrf_token":
                options = {**options, "widget": NumberedHiddenInput()}
            return super().bind_field(form, unbound_field, options)

        def wrap_formdata(self, form, formdata):
            # Flask-WTF would turn any JSON body into form data, and a JSON list or
            # number would crash it. HTML forms are posted as forms.
            if formdata is _Auto and request.is_json:
                return None
            return super().wrap_formdata(form, formdata)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        # Fields whose control characters core.inputs took out: shown again to check.
        changed = g.get("control_fields", set()) if has_request_context() else set()
        for field in self:
            if field.name in changed:
                field.errors = [*field.errors, REMOVED_MESSAGE]
                valid = False
        return valid


TRI_STATE_CHOICES = [("", "Prefer not to say"), ("yes", "Yes"), ("no", "No")]


class MultiCheckboxField(SelectMultipleField):
    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()


class TriStateField(SelectField):
    """Yes / No / Prefer not to say, as True / False / None."""

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators or [Optional()], choices=TRI_STATE_CHOICES,
                         validate_choice=True, **kwargs)

    def process_data(self, value):
        self.data = {True: "yes", False: "no"}.get(value, "")

    @property
    def value(self) -> bool | None:
        return {"yes": True, "no": False}.get(self.data)


def graduation_year_validators(student: bool) -> list:
    this_year = date.today().year
    if student:
        low, high = this_year - 2, this_year + 8
    else:
        low, high = 1950, this_year
    return [NumberRange(low, high, message=f"Enter a year between {low} and {high}.")]


def validate_time_zone(form, field) -> None:
    if not is_valid_time_zone(field.data or ""):
        raise ValidationError("Choose a time zone from the list.")


def time_zone_field(label: str = "Time zone") -> SelectField:
    return SelectField(label, choices=time_zone_choices(), default="America/New_York",
                       validators=[validate_time_zone], validate_choice=False)


def clusters_field(label: str = "Career clusters you are interested in") -> MultiCheckboxField:
    return MultiCheckboxField(label, choices=cluster_choices(), validate_choice=True)


def validate_web_scheme(form, field) -> None:
    if field.data and not field.data.lower().startswith(("https://", "http://")):
        # One message is enough: the address check after this one would only repeat it.
        raise StopValidation("Enter a full web address, like https://example.org.")


class WebsiteField(StringField):
    """A web address; one typed without a scheme (``acme-widgets.example``) gets https://."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        text = (self.data or "").strip()
        if text and "://" not in text:
            text = "https://" + text
        self.data = text


class FiniteDecimalField(DecimalField):
    """A decimal that is a number: NaN, sNaN and Infinity are refused with a message."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError("Enter a number, like 18.50.")


class KeptPasswordField(PasswordField):
    """A new password that is sent back filled in when the form has an error elsewhere, so
    nobody types it twice. Never used for log-in."""

    widget = PasswordInput(hide_value=False)


def website_validators() -> list:
    return [Optional(), Length(max=300), validate_web_scheme,
            URL(require_tld=True, message="Enter a full web address, like https://example.org.")]


def show_domain_error(form: FlaskForm | None, error: DomainError) -> None:
    """Roll back, then put a service's error on the form's fields and in a flash message."""
    db.session.rollback()
    for field, message in error.fields.items():
        if form is not None and field in form:
            form[field].errors = [*form[field].errors, message]
    flash(error.message, "error")
