"""marketplace.blueprints.opportunities.forms."""

from __future__ import annotations

from wtforms import (
    BooleanField,
    DateField,
    DecimalField,
    IntegerField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
)
from wtforms.validators import (
    DataRequired,
    InputRequired,
    Length,
    NumberRange,
    Optional,
    ValidationError,
)

from marketplace.blueprints.opportunities.models import OpportunityKind, WorkMode
from marketplace.core.forms import Form
from marketplace.core.reference import cluster_choices


class OpportunityForm(Form):
    title = StringField("Title", validators=[
        DataRequired(message="Give the posting a title."), Length(max=200)])
    kind = SelectField("Kind", choices=[(k.value, k.label) for k in OpportunityKind])
    career_cluster = SelectField("Career cluster", choices=cluster_choices())
    description = TextAreaField(
        "Description", validators=[DataRequired(message="Describe the work."),
                                   Length(max=20_000)],
        description="What the student will do and learn, who they work with, and how to "
                    "prepare. Markdown works: **bold**, lists, links.")
    work_mode = SelectField("Where", choices=[("onsite", "On site"), ("hybrid", "Hybrid"),
                                              ("remote", "Remote")])
    location = StringField("Location", validators=[Length(max=200)],
                           description="City and state, or the campus building.")
    paid = BooleanField("This is paid", default=True)
    pay_min = DecimalField("Pay from (US$)", places=2, validators=[
        Optional(), NumberRange(min=0, max=1_000_000, message="Enter an amount from 0.")])
    pay_max = DecimalField("Pay up to (US$)", places=2, validators=[
        Optional(), NumberRange(min=0, max=1_000_000, message="Enter an amount from 0.")])
    pay_period = SelectField("Per", choices=[("hour", "hour"), ("week", "week"),
                                             ("month", "month"), ("total", "in total")],
                             default="hour")
    hours_per_week = IntegerField("Hours per week", validators=[
        Optional(), NumberRange(min=1, max=80, message="Enter 1 to 80 hours.")])
    start_date = DateField("Start date", validators=[Optional()])
    end_date = DateField("End date", validators=[Optional()])
    application_deadline = DateField(
        "Application deadline", validators=[Optional()],
        description="Applications close at the end of this day. Needed before you submit.")
    positions = IntegerField("Positions", default=1, validators=[
        InputRequired(message="How many students can you take?"),
        NumberRange(min=1, max=500, message="Enter 1 to 500 positions.")])
    skills = StringField("Skills", validators=[Optional(), Length(max=600)],
                         description="Separate skills with commas, e.g. Excel, patient care.")

    def validate_skills(self, field):
        skills = self.skill_list()
        if len(skills) > 20:
            raise ValidationError("List at most 20 skills.")
        if any(len(skill) > 40 for skill in skills):
            raise ValidationError("Keep each skill under 40 characters.")

    def validate_location(self, field):
        if self.work_mode.data != "remote" and not (field.data or "").strip():
            raise ValidationError("Say where the work happens (or choose Remote).")

    def skill_list(self) -> list[str]:
        return [s.strip() for s in (self.skills.data or "").split(",") if s.strip()]

    def values(self) -> dict:
        return {
            "title": self.title.data.strip(), "kind": OpportunityKind(self.kind.data),
            "career_cluster": self.career_cluster.data, "description": self.description.data,
            "work_mode": WorkMode(self.work_mode.data),
            "location": (self.location.data or "").strip(), "paid": bool(self.paid.data),
            "pay_min": self.pay_min.data, "pay_max": self.pay_max.data,
            "pay_period": self.pay_period.data if self.paid.data else None,
            "hours_per_week": self.hours_per_week.data, "start_date": self.start_date.data,
            "end_date": self.end_date.data,
            "application_deadline": self.application_deadline.data,
            "positions": self.positions.data, "skills": self.skill_list(),
        }


class ActionForm(Form):
    """A button that changes state: only the CSRF token."""


class SaveForm(Form):
    """Save or unsave a posting: only the CSRF token."""


class DecisionForm(Form):
    reason = TextAreaField("Reason (sent to the employer)", validators=[
        Optional(), Length(max=2000)])


class BulkApproveForm(Form):
    opportunity_ids = SelectMultipleField("Postings", coerce=int, validate_choice=False)
