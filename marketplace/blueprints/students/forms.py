from __future__ import annotations

from wtforms import IntegerField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, Optional

from ..fields import (
    Form,
    TriStateField,
    clusters_field,
    graduation_year_validators,
    time_zone_field,
)


class StudentProfileForm(Form):
    name = StringField("Full name", validators=[
        DataRequired(message="Enter your name."), Length(max=120)])
    graduation_year = IntegerField(
        "Expected graduation year",
        validators=[InputRequired(message="Enter your expected graduation year."),
                    *graduation_year_validators(student=True)])
    major = StringField("Major or program", validators=[Optional(), Length(max=120)])
    clusters = clusters_field()
    first_generation = TriStateField(
        "Are you the first in your family to go to college?",
        description="Optional. Used only in anonymous reports.")
    pell_eligible = TriStateField("Are you eligible for a Pell grant?",
                                  description="Optional. Used only in anonymous reports.")
    time_zone = time_zone_field()
