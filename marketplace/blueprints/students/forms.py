from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..auth.forms import StudentDetailsForm
from ..fields import Form


class StudentProfileForm(StudentDetailsForm):
    name = StringField("Full name", validators=[
        DataRequired(message="Enter your name."), Length(max=120)])


class ApplicationActionForm(Form):
    """Accept, decline or withdraw: only the CSRF token."""
