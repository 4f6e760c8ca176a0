from __future__ import annotations

from wtforms import SelectField, StringField
from wtforms.validators import DataRequired, Length

from ...models import OrganizationType
from ..fields import Form, website_validators


class OrganizationForm(Form):
    contact_name = StringField("Your name", validators=[
        DataRequired(message="Enter your name."), Length(max=120)])
    name = StringField("Organization name", validators=[
        DataRequired(message="Enter the organization's name."), Length(max=200)])
    type = SelectField("Type of organization",
                       choices=[(t.value, t.value.capitalize()) for t in OrganizationType])
    website = StringField("Website", validators=website_validators())
