from __future__ import annotations

from wtforms import IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, Optional

from ...reference import cluster_choices
from ..fields import Form, graduation_year_validators, time_zone_field


class AlumniProfileForm(Form):
    name = StringField("Full name", validators=[
        DataRequired(message="Enter your name."), Length(max=120)])
    graduation_year = IntegerField(
        "Graduation year", validators=[Optional(), *graduation_year_validators(student=False)])
    employer = StringField("Current employer", validators=[Optional(), Length(max=200)])
    title = StringField("Job title", validators=[Optional(), Length(max=200)])
    cluster = SelectField("Career cluster you work in",
                          choices=[("", "Choose one")] + cluster_choices(),
                          validators=[Optional()])
    time_zone = time_zone_field()
