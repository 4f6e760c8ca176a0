"""marketplace.blueprints.mentoring.forms."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import date, datetime, timedelta

from wtforms import DateField, IntegerField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from marketplace.blueprints.mentoring.models import (
    SlotMode,
)
from marketplace.blueprints.mentoring.services import DURATIONS, MAX_SERIES_WEEKS, SlotFilters
from marketplace.core.db import utcnow
from marketplace.core.forms import Form, time_zone_field
from marketplace.core.inputs import MAX_ID
from marketplace.core.reference import CAREER_CLUSTERS, cluster_choices


class SlotForm(Form):
    day = DateField("Date", validators=[InputRequired(message="Enter the date.")],
                    default=lambda: date.today() + timedelta(days=7))
    start_time = TimeField("Start time", validators=[InputRequired(message="Enter the time.")],
                           description="In the time zone below.")
    time_zone = time_zone_field()
    duration_minutes = SelectField("Length", coerce=int, default=30, choices=[
        (minutes, f"{minutes} minutes") for minutes in DURATIONS])
    topic = StringField("Topic", validators=[
        DataRequired(message="Say what you can help with."), Length(max=200)],
        description="For example: “Résumé review for nursing” or “A day as a software tester”.")
    career_cluster = SelectField("Career cluster", choices=[("", "Any")] + cluster_choices())
    mode = SelectField("How you meet", choices=[(m.value, m.label) for m in SlotMode],
                       default=SlotMode.VIDEO.value)
    location = StringField("Video link, phone number or place", validators=[
        Optional(), Length(max=300)],
        description="Shown only to students who book.")
    capacity = IntegerField("Students per session", default=1, validators=[
        InputRequired(message="Enter a number."),
        NumberRange(1, 50, message="Between 1 and 50.")],
        description="1 for a one-to-one conversation; more for a group session.")
    repeat_weeks = IntegerField("Repeat weekly for", default=1, validators=[
        InputRequired(message="Enter a number of weeks."),
        NumberRange(1, MAX_SERIES_WEEKS, message=f"Between 1 and {MAX_SERIES_WEEKS} weeks.")],
        description="Weeks, at the same local time (1 for a single session).")
    weekly_cap = IntegerField("Most bookings per week (optional)", validators=[
        Optional(), NumberRange(1, 100, message="Between 1 and 100, or leave it empty.")])


class BookForm(Form):
    agenda = TextAreaField("What would you like to talk about? (optional)", validators=[
        Optional(), Length(max=2000, message="At most 2,000 characters.")])


class ReflectionForm(Form):
    reflection = TextAreaField("Your reflection", validators=[
        DataRequired(message="Write a few words first."),
        Length(max=4000, message="At most 4,000 characters.")],
        description="What did you learn? What will you do next?")


class ActionForm(Form):
    """Buttons that only need the CSRF token."""


def parse_slot_filters(args, zone: str) -> tuple[SlotFilters, dict[str, str]]:
    filters, errors = SlotFilters(), {}
    cluster = (args.get("cluster") or "").strip()
    if cluster:
        if cluster in CAREER_CLUSTERS:
            filters.cluster = cluster
        else:
            errors["cluster"] = "Unknown career cluster."
    employer = (args.get("employer") or "").strip()[:120]
    filters.employer = employer or None
    mode = (args.get("mode") or "").strip()
    if mode:
        try:
            filters.mode = SlotMode(mode)
        except ValueError:
            errors["mode"] = "Unknown mode."
    for key in ("date_from", "date_to"):
        value = (args.get(key) or "").strip()
        if value:
            try:
                day = date.fromisoformat(value)
            except ValueError:
                errors[key] = "Use a date like 2026-03-10."
                continue
            today = utcnow().date()
            if abs((day - today).days) > 3 * 366:
                errors[key] = "Choose a date within three years of today."
            else:
                setattr(filters, key, day)
    return filters, errors


def parse_mentor_cursor(args) -> tuple[tuple[datetime, int] | None, str | None]:
    """The (next open time, mentor id) a page of mentors continues after, from the
    ``cursor`` argument (made by ``core.api.views.encode_cursor``); a cursor we did not
    issue starts from the first page, with a message."""
    text = (args.get("cursor") or "").strip()
    if not text:
        return None, None
    try:
        starts, mentor_id = json.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        after = (datetime.fromisoformat(starts), mentor_id)
    except (ValueError, TypeError, UnicodeDecodeError, binascii.Error):
        after = None
    if (after is None or after[0].tzinfo is None or type(after[1]) is not int
            or not 0 < after[1] <= MAX_ID):
        return None, "This page link is no longer valid, so the list starts from the top."
    return after, None
