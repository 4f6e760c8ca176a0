from __future__ import annotations

from wtforms import (
    EmailField,
    HiddenField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from ...models import Role
from ..auth.forms import EMAIL_VALIDATORS, new_password_field
from ..fields import Form


class CreateUserForm(Form):
    name = StringField("Full name", validators=[
        DataRequired(message="Enter the person's name."), Length(max=120)])
    email = EmailField("E-mail", validators=EMAIL_VALIDATORS)
    role = SelectField("Role", choices=[(r.value, r.label) for r in Role], default="staff")
    organization = StringField(
        "Organization (employers only)", validators=[Optional(), Length(max=200)],
        description="An existing organization's exact name, or a new one (created verified).")
    password = new_password_field("Temporary password")

    def validate_organization(self, field):
        if self.role.data == Role.EMPLOYER.value and not (field.data or "").strip():
            raise ValidationError("An employer needs an organization.")


class RetryJobForm(Form):
    job_id = HiddenField(validators=[DataRequired(), Length(max=200)])


class DecisionForm(Form):
    reason = TextAreaField("Reason (sent to the employer)", validators=[
        Optional(), Length(max=2000)])


class BulkApproveForm(Form):
    opportunity_ids = SelectMultipleField("Postings", coerce=int, validate_choice=False)


class OrganizationDecisionForm(Form):
    reason = StringField("Reason", validators=[Optional(), Length(max=500)])
