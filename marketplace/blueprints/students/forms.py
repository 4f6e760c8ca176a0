from __future__ import annotations

from wtforms import StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..auth.forms import StudentDetailsForm
from ..fields import Form


class StudentProfileForm(StudentDetailsForm):
    name = StringField("Full name", validators=[
        DataRequired(message="Enter your name."), Length(max=120)])


class ApplicationActionForm(Form):
    """Accept, decline or withdraw: only the CSRF token."""


class ReflectionForm(Form):
    reflection = TextAreaField(
        "What did you learn?", validators=[DataRequired(message="Write a few words first."),
                                           Length(max=4000)],
        description="A few sentences in your own words. Career staff may use it, without your "
                    "name, to show what placements teach.")
