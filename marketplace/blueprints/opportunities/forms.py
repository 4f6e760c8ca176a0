"""marketplace.blueprints.opportunities.forms."""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict
from wtforms import (
    BooleanField,
    DateField,
    IntegerField,
    RadioField,
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

from marketplace.blueprints.opportunities import rules
from marketplace.blueprints.opportunities.audience import school_names
from marketplace.blueprints.opportunities.browse import (
    CONTROL,
    FALSE_VALUES,
    MAX_PAGE_SIZE,
    MAX_QUERY_LENGTH,
    PAGE_SIZE,
    SORTS,
    TRUE_VALUES,
    BrowseFilters,
    decode_cursor,
)
from marketplace.blueprints.opportunities.models import (
    OpportunityKind,
    WorkMode,
)
from marketplace.blueprints.opportunities.search import WORD
from marketplace.core.errors import ValidationFailed
from marketplace.core.forms import FiniteDecimalField, Form, MultiCheckboxField
from marketplace.core.reference import CAREER_CLUSTERS, cluster_choices


class SkillsField(StringField):
    """Skills typed as one comma-separated line. A posting's list shows as that line, so a
    form saved unchanged keeps the same skills."""

    def process_data(self, value):
        self.data = ", ".join(value) if isinstance(value, list | tuple) else value


class OpportunityForm(Form):
    title = StringField("Title", validators=[
        DataRequired(message="Give the posting a title."), Length(max=rules.TITLE_MAX)])
    kind = SelectField("Kind", choices=[(k.value, k.label) for k in OpportunityKind])
    career_cluster = SelectField("Career cluster", choices=cluster_choices())
    description = TextAreaField(
        "Description", validators=[DataRequired(message="Describe the work."),
                                   Length(max=rules.DESCRIPTION_MAX)],
        description="What the student will do and learn, who they work with, and how to "
                    "prepare. Markdown works: **bold**, lists, links.")
    work_mode = SelectField("Where", choices=[("onsite", "On site"), ("hybrid", "Hybrid"),
                                              ("remote", "Remote")])
    location = StringField("Location", validators=[Length(max=rules.LOCATION_MAX)],
                           description="City and state, or the campus building.")
    paid = BooleanField("This is paid", default=True)
    pay_min = FiniteDecimalField("Pay from (US$)", places=2, validators=[
        Optional(), NumberRange(min=0, max=rules.PAY_MAX, message="Enter an amount from 0.")])
    pay_max = FiniteDecimalField("Pay up to (US$)", places=2, validators=[
        Optional(), NumberRange(min=0, max=rules.PAY_MAX, message="Enter an amount from 0.")])
    pay_period = SelectField("Per", choices=[("hour", "hour"), ("week", "week"),
                                             ("month", "month"), ("total", "in total")],
                             default="hour")
    hours_per_week = IntegerField("Hours per week", validators=[
        Optional(), NumberRange(*rules.HOURS_PER_WEEK, message="Enter 1 to 80 hours.")])
    start_date = DateField("Start date", validators=[Optional()])
    end_date = DateField("End date", validators=[Optional()])
    application_deadline = DateField(
        "Application deadline", validators=[Optional()],
        description="Applications close at the end of this day. Needed before you submit.")
    positions = IntegerField("Positions", default=1, validators=[
        InputRequired(message="How many students can you take?"),
        NumberRange(*rules.POSITIONS, message="Enter 1 to 500 positions.")])
    skills = SkillsField("Skills", validators=[Optional(), Length(max=rules.SKILLS_TEXT_MAX)],
                         description="Separate skills with commas, e.g. Excel, patient care.")
    # In a district only (the form shows them when there are schools to choose).
    audience = RadioField("Open to", default="all", choices=[
        ("all", "Students of every school"), ("some", "Students of these schools only")])
    schools = MultiCheckboxField("Schools", coerce=int, validate_choice=False,
                                 description="Their students see the posting and may apply; "
                                             "other students and visitors do not see it.")

    def __init__(self, *args, obj=None, **kwargs):
        super().__init__(*args, obj=obj, **kwargs)
        self.school_names = school_names()
        self.schools.choices = list(self.school_names.items())
        if obj is not None and not self.is_submitted():
            self.schools.data = obj.school_ids
            self.audience.data = "some" if obj.school_ids else "all"

    def validate_schools(self, field):
        if self.audience.data != "some" or field.process_errors:
            return  # ticks count only for "these schools"; a number that is not one: said
        if not field.data:
            raise ValidationError("Tick at least one school, or open the posting to every "
                                  "school.")
        if any(school_id not in self.school_names for school_id in field.data):
            raise ValidationError("Choose the schools from the list.")

    def validate_skills(self, field):
        problem = rules.skills_error(self.skill_list())
        if problem:
            raise ValidationError(problem)

    def validate_location(self, field):
        if self.work_mode.data != "remote" and not (field.data or "").strip():
            raise ValidationError("Say where the work happens (or choose Remote).")

    def skill_list(self) -> list[str]:
        return rules.skill_list(self.skills.data)

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
        } | self.audience_values()

    def audience_values(self) -> dict:
        """The posting's schools, when the form offered the choice (a district) and it was
        sent: a field not sent is not changed."""
        if not (self.school_names and self.audience.raw_data):
            return {}
        return {"school_ids": list(self.schools.data or []) if self.audience.data == "some"
                else []}


class ActionForm(Form):
    """A button that changes state: only the CSRF token."""


class SaveForm(Form):
    """Save or unsave a posting: only the CSRF token."""


class DecisionForm(Form):
    reason = TextAreaField("Reason (sent to the employer)", validators=[
        Optional(), Length(max=2000)])


class BulkApproveForm(Form):
    opportunity_ids = SelectMultipleField("Postings", coerce=int, validate_choice=False)


def parse_filters(args: MultiDict, student_id: int | None = None, school_id: int | None = None,
                  every_school: bool = False) -> BrowseFilters:
    """Read and check browse arguments; every problem is reported by field.

    ``student_id``: the signed-in student, whose best match without words puts their
    career clusters first (for anyone else it is the newest). ``school_id`` and
    ``every_school``: whose postings the reader sees (``browse.reader_filters`` gives all
    three)."""
    errors: dict[str, str] = {}
    q = " ".join(CONTROL.sub(" ", args.get("q") or "").split())
    if len(q) > MAX_QUERY_LENGTH:
        errors["q"] = f"Search for at most {MAX_QUERY_LENGTH} characters."
    if not WORD.search(q):
        q = ""  # nothing searchable (only punctuation): show everything
    kind = args.get("kind") or ""
    if kind and kind not in {k.value for k in OpportunityKind}:
        errors["kind"] = "Unknown kind of opportunity."
    cluster = args.get("cluster") or ""
    if cluster and cluster not in CAREER_CLUSTERS:
        errors["cluster"] = "Unknown career cluster."
    remote = args.get("remote") or ""
    if remote and remote not in {m.value for m in WorkMode}:
        errors["remote"] = "Choose onsite, hybrid or remote."
    paid_text = args.get("paid") or ""  # exactly the documented words
    paid = True if paid_text in TRUE_VALUES else False if paid_text in FALSE_VALUES else None
    if paid_text and paid is None:
        errors["paid"] = "Use true or false."
    location = " ".join(CONTROL.sub(" ", args.get("location") or "").split())
    if len(location) > 100:
        errors["location"] = "Search a place in at most 100 characters."
    sort = args.get("sort") or ("relevance" if q or student_id else "newest")
    if sort not in SORTS:
        errors["sort"] = "Sort by relevance, newest or deadline."
    elif sort == "relevance" and not q and not student_id:
        sort = "newest"
    limit_text = args.get("limit", str(PAGE_SIZE))
    if not re.fullmatch(r"[0-9]{1,4}", limit_text) or not 1 <= int(limit_text) <= MAX_PAGE_SIZE:
        errors["limit"] = f"Ask for 1 to {MAX_PAGE_SIZE} postings per page."
        limit_text = str(PAGE_SIZE)
    cursor = None
    if args.get("cursor") and "sort" not in errors:
        cursor = decode_cursor(args["cursor"], sort)
        # Best match's cursor holds a rank with words, (clusters first, date) without.
        if cursor is not None and sort == "relevance" and isinstance(cursor[0], tuple) == bool(q):
            cursor = None
        if cursor is None:
            errors["cursor"] = "This page link is no longer valid; start from the first page."
    if errors:
        raise ValidationFailed("Some search options are not valid.", errors)
    return BrowseFilters(q, kind, cluster, remote, paid, location, sort, cursor,
                         int(limit_text), student_id, school_id=school_id,
                         every_school=every_school)
