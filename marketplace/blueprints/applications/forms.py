"""marketplace.blueprints.applications.forms."""

from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import (
    BooleanField,
    DateField,
    SelectField,
    SelectMultipleField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
)

from marketplace.core.forms import FiniteDecimalField, Form
from marketplace.core.reference import NACE_COMPETENCIES


class MoveApplicationForm(Form):
    status = SelectField("Move to", choices=[
        ("reviewing", "Reviewing"), ("interviewing", "Interviewing"), ("offered", "Offer"),
        ("declined", "Decline")])
    note = TextAreaField("Message to the student (optional)",
                         validators=[Optional(), Length(max=2000)])
    confirm_over_positions = BooleanField("Offer even though every position is taken")


class BulkDeclineForm(Form):
    application_ids = SelectMultipleField("Applicants", coerce=int, validate_choice=False)
    note = TextAreaField("Message to the declined students (optional)",
                         validators=[Optional(), Length(max=2000)])


RATING_CHOICES = [("", "Not rated"), ("1", "1 · Emerging"), ("2", "2 · Developing"),
                  ("3", "3 · Proficient"), ("4", "4 · Advanced")]


class CompletePlacementForm(Form):
    hours = FiniteDecimalField("Hours worked", places=1, validators=[
        InputRequired(message="Enter the hours worked."),
        NumberRange(min=0.5, max=2000, message="Enter 0.5 to 2000 hours.")])
    start_date = DateField("First day", validators=[Optional()])
    end_date = DateField("Last day", validators=[Optional()])
    comment = TextAreaField("Comment for the student and the career center",
                            validators=[Optional(), Length(max=4000)])
    early_reason = TextAreaField(
        "Staff only: why confirm it before its first day", validators=[Optional(),
                                                                        Length(max=2000)])

    def ratings(self) -> dict[str, int]:
        return {key: int(self[f"rating_{key}"].data) for key in NACE_COMPETENCIES
                if self[f"rating_{key}"].data}


for _key, _label in NACE_COMPETENCIES.items():
    setattr(CompletePlacementForm, f"rating_{_key}",
            SelectField(_label, choices=RATING_CHOICES, default=""))


class ApplicationForm(Form):
    cover_letter = TextAreaField(
        "Cover letter", validators=[DataRequired(message="Write a few lines about why you are "
                                                         "interested."), Length(max=10_000)],
        description="Why this opportunity, and what you would bring. A few paragraphs is plenty.")
    resume = FileField("Resume (PDF, at most 5 MB)",
                       validators=[FileRequired(message="Attach your resume as a PDF.")])


class ApplicationActionForm(Form):
    """Accept, decline or withdraw: only the CSRF token."""


class ReflectionForm(Form):
    reflection = TextAreaField(
        "What did you learn?", validators=[DataRequired(message="Write a few words first."),
                                           Length(max=4000)],
        description="A few sentences in your own words. Career staff may use it, without your "
                    "name, to show what placements teach.")
