"""Forms of the events pages. The rules themselves live in ``services.validate_event``;
these parse what people type and keep it when a rule says no."""

from __future__ import annotations

import re
from datetime import date, timedelta

from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    SelectField,
    StringField,
    TextAreaField,
    TimeField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from marketplace.blueprints.events.models import MAX_CAPACITY, EventKind
from marketplace.core.forms import Form, clusters_field, time_zone_field


def _class_years(form, field) -> None:
    text = (field.data or "").strip()
    if not text:
        return
    parts = [part for part in re.split(r"[,\s]+", text) if part]
    if not all(re.fullmatch(r"20\d\d", part) for part in parts):
        raise ValidationError("Graduation years separated by commas, such as 2027, 2028.")


class EventForm(Form):
    kind = SelectField("Kind of event", choices=[(k.value, k.label) for k in EventKind],
                       default=EventKind.WORKSHOP.value)
    title = StringField("Title", validators=[DataRequired(message="Give the event a title."),
                                             Length(max=200, message="At most 200 characters.")])
    description = TextAreaField("Description", validators=[
        Optional(), Length(max=20000, message="At most 20,000 characters.")],
        description="Markdown: **bold**, lists, links.")
    place = StringField("Place", validators=[Optional(), Length(
        max=300, message="At most 300 characters.")],
        description="A room and building, or an address. Leave empty for a video event.")
    video_link = StringField("Video link", validators=[Optional(), Length(
        max=500, message="At most 500 characters.")],
        description="https://… Shown to everyone on the event page.")
    day = DateField("Date", validators=[InputRequired(message="Enter the date.")],
                    default=lambda: date.today() + timedelta(days=14))
    start_time = TimeField("Starts", validators=[InputRequired(message="Enter the start time.")])
    end_time = TimeField("Ends", validators=[InputRequired(message="Enter the end time.")],
                         description="On the same day (a fair over several days: one event "
                                     "per day).")
    time_zone = time_zone_field()
    capacity = IntegerField("Places", default=50, validators=[
        InputRequired(message="Enter a number."),
        NumberRange(1, MAX_CAPACITY, message=f"Between 1 and {MAX_CAPACITY:,}.")])
    deadline_day = DateField("Registration closes on (optional)", validators=[Optional()],
                             description="Leave empty to take registrations until the start.")
    deadline_time = TimeField("at", validators=[Optional()])
    class_years = StringField("For the classes of (optional)", validators=[
        Optional(), Length(max=100), _class_years],
        description="Graduation years, such as 2027, 2028. Empty: every student.")
    clusters = clusters_field("For students interested in (optional)")
    published = BooleanField("Published (students can see it and register)")

    def years(self) -> list[int]:
        return sorted({int(part) for part in re.split(r"[,\s]+", self.class_years.data or "")
                       if part})


class ActionForm(Form):
    """Buttons that only need the CSRF token."""


class CodeForm(Form):
    code = StringField("Check-in code", validators=[
        DataRequired(message="Type or scan the student's code."),
        Length(max=64, message="A code has 8 letters and digits.")],
        description="8 letters and digits, like K7QM-3XPD.")


class ConversationForm(Form):
    code = StringField("Student's code", validators=[
        DataRequired(message="Type or scan the student's code."),
        Length(max=64, message="A code has 8 letters and digits.")])
    note = TextAreaField("Note (optional)", validators=[
        Optional(), Length(max=2000, message="At most 2,000 characters.")],
        description="What you talked about; only your organization sees it.")
    follow_up = BooleanField("Follow up with this student")


class FairRegistrationForm(Form):
    representatives = IntegerField("Representatives attending", default=2, validators=[
        InputRequired(message="Enter a number."),
        NumberRange(1, 20, message="Between 1 and 20.")])
    recruiting_for = StringField("What you recruit for (optional)", validators=[
        Optional(), Length(max=500, message="At most 500 characters.")],
        description="Shown to students on the fair page, e.g. “Nursing internships, "
                    "summer 2027”.")


class DecisionForm(Form):
    table_label = StringField("Table (optional)", validators=[
        Optional(), Length(max=40, message="At most 40 characters.")])
