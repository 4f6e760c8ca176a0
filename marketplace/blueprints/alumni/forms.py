from __future__ import annotations

from wtforms import StringField
from wtforms.validators import DataRequired, Length

from ..auth.forms import AlumniDetailsForm


class AlumniProfileForm(AlumniDetailsForm):
    name = StringField("Full name", validators=[
        DataRequired(message="Enter your name."), Length(max=120)])
