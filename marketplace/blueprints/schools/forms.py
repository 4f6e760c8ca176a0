"""Forms of the schools pages: the guardian's consent, the supervisor's hours and
evaluations, the student's weekly hours, the host's supervisor, staff's resend."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import (
    DateField,
    DecimalField,
    EmailField,
    HiddenField,
    RadioField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    Email,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    Regexp,
    ValidationError,
)

from marketplace.core.forms import Form
from marketplace.core.reference import NACE_COMPETENCIES

PHONE = r"^[0-9+()\-. ]{7,25}$"


class ConsentForm(Form):
    """A guardian's answer. The emergency contact is needed only to consent."""

    decision = RadioField(_l("Your answer"), choices=[
        ("consent", _l("I give consent for this placement")),
        ("refuse", _l("I do not give consent"))],
        validators=[InputRequired(message=_l("Choose whether you give consent."))])
    guardian_name = StringField(_l("Your full name"), validators=[
        DataRequired(message=_l("Enter your name.")), Length(max=120)])
    emergency_name = StringField(_l("Emergency contact: name"), validators=[Length(max=120)])
    emergency_phone = StringField(_l("Emergency contact: phone"), validators=[Length(max=40)],
                                  render_kw={"inputmode": "tel"})

    def validate_emergency_name(self, field) -> None:
        if self.decision.data == "consent" and not (field.data or "").strip():
            raise ValidationError(_l("Give an emergency contact's name."))

    def validate_emergency_phone(self, field) -> None:
        value = (field.data or "").strip()
        if self.decision.data == "consent" and not value:
            raise ValidationError(_l("Give an emergency contact's phone number."))
        if value and not Regexp(PHONE).regex.match(value):
            raise ValidationError(_l("Enter a phone number, like 555-123-4567."))


class LanguageForm(Form):
    lang = HiddenField(validators=[InputRequired()])


class ConfirmHoursForm(Form):
    """Only the CSRF token: which hours is in the link."""


class EvaluationForm(Form):
    comment = TextAreaField("Comments", validators=[Optional(), Length(max=4000)])

    def ratings(self, formdata) -> tuple[dict, dict]:
        """The 1-4 rating of each competency from the posted form, and the errors."""
        ratings, errors = {}, {}
        for key in NACE_COMPETENCIES:
            value = (formdata.get(f"rating_{key}") or "").strip()
            if value not in ("1", "2", "3", "4"):
                errors[key] = "Rate this competency from 1 to 4."
            else:
                ratings[key] = int(value)
        return ratings, errors


class HoursForm(Form):
    week = DateField("A day of the week", validators=[
        InputRequired(message="Choose a day of the week you worked.")],
        invalid_value_message="Enter a date like 2026-05-04.")
    hours = DecimalField("Hours that week", places=1, validators=[
        InputRequired(message="Enter the hours you worked that week."),
        NumberRange(min=0.5, max=80, message="From 0.5 to 80 hours.")],
        render_kw={"step": "0.5", "min": "0.5", "max": "80", "inputmode": "decimal"})
    note = StringField("What you did (optional)", validators=[Optional(), Length(max=500)])


class SupervisorForm(Form):
    supervisor_name = StringField("Supervisor's name", validators=[
        DataRequired(message="Enter the supervisor's name."), Length(max=120)])
    supervisor_email = EmailField("Supervisor's e-mail", validators=[
        DataRequired(message="Enter the supervisor's e-mail address."), Length(max=254),
        Email(message="Enter a valid e-mail address, like name@example.org.",
              check_deliverability=False)],
        description="They get links to confirm hours and to evaluate; no account needed.")


class SendFinalForm(Form):
    """Only the CSRF token."""


class ResendConsentForm(Form):
    guardian_email = EmailField("Parent's or guardian's e-mail", validators=[
        Optional(), Length(max=254),
        Email(message="Enter a valid e-mail address, like name@example.org.",
              check_deliverability=False)])


# The posting kinds as a guardian reads them (their own words, so the catalog has them).
KIND_LABELS = {"internship": _l("Internship"), "apprenticeship": _l("Apprenticeship"),
               "micro_internship": _l("Micro-internship"), "job_shadow": _l("Job shadow")}
