"""The rules a posting's fields follow: limits shared by the HTML form and the API, and
the check of a whole posting given as plain values (the API's JSON)."""

from __future__ import annotations

import math
from datetime import date
from decimal import Decimal, InvalidOperation

from marketplace.blueprints.opportunities.models import OpportunityKind, WorkMode
from marketplace.core.errors import ValidationFailed
from marketplace.core.reference import CAREER_CLUSTERS

TITLE_MAX = 200
LOCATION_MAX = 200
DESCRIPTION_MAX = 20_000
PAY_MAX = 1_000_000
HOURS_PER_WEEK = (1, 80)
POSITIONS = (1, 500)
SKILLS_TEXT_MAX = 600
SKILLS_MAX = 20
SKILL_LENGTH_MAX = 40
PAY_PERIODS = ("hour", "week", "month", "total")


def skill_list(text: str | None) -> list[str]:
    """Skills typed as one comma-separated line, as a list."""
    return [skill.strip() for skill in (text or "").split(",") if skill.strip()]


def skills_error(skills: list[str]) -> str | None:
    if len(skills) > SKILLS_MAX:
        return f"List at most {SKILLS_MAX} skills."
    if any(len(skill) > SKILL_LENGTH_MAX for skill in skills):
        return f"Keep each skill under {SKILL_LENGTH_MAX} characters."
    return None


def _text(data: dict, field: str, errors: dict, *, required: str | None = None,
          maximum: int) -> str:
    value = (data.get(field) or "")
    if required and not value.strip():
        errors[field] = required
    elif len(value) > maximum:
        errors[field] = f"At most {maximum:,} characters."
    return value


def _choice(data: dict, field: str, choices, errors: dict, default=None):
    value = data.get(field)
    if value is None:  # absent or null: the default, as the form's select has
        value = default
    if value not in choices:
        errors[field] = "Choose one of: " + ", ".join(str(c) for c in choices) + "."
    return value


def _amount(data: dict, field: str, errors: dict) -> Decimal | None:
    value = data.get(field)
    if value is None:
        return None
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        amount = None
    if amount is None or not math.isfinite(amount) or not 0 <= amount <= PAY_MAX:
        errors[field] = "Enter an amount from 0."
        return None
    return amount


def _whole(data: dict, field: str, bounds: tuple[int, int], message: str, errors: dict):
    value = data.get(field)
    if value is not None and not bounds[0] <= value <= bounds[1]:
        errors[field] = message
    return value


def _date(data: dict, field: str, errors: dict) -> date | None:
    value = data.get(field)
    if value is None:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        errors[field] = "Use a date like 2027-01-31."
        return None


def posting_values(data: dict) -> dict:
    """Check a whole posting given as plain values (text, numbers, ISO dates, a list of
    skills; ``work_mode`` for where) and return the typed values the services take.
    Raises ValidationFailed naming every field that breaks a rule."""
    errors: dict[str, str] = {}
    values = {
        "title": _text(data, "title", errors, required="Give the posting a title.",
                       maximum=TITLE_MAX).strip(),
        "kind": _choice(data, "kind", [k.value for k in OpportunityKind], errors),
        "career_cluster": _choice(data, "career_cluster", list(CAREER_CLUSTERS), errors),
        "description": _text(data, "description", errors, required="Describe the work.",
                             maximum=DESCRIPTION_MAX),
        "work_mode": _choice(data, "work_mode", [m.value for m in WorkMode], errors,
                             default="onsite"),
        "location": _text(data, "location", errors, maximum=LOCATION_MAX).strip(),
        "paid": bool(data.get("paid", False)),
        "pay_min": _amount(data, "pay_min", errors),
        "pay_max": _amount(data, "pay_max", errors),
        "pay_period": _choice(data, "pay_period", PAY_PERIODS, errors, default="hour"),
        "hours_per_week": _whole(data, "hours_per_week", HOURS_PER_WEEK,
                                 "Enter 1 to 80 hours.", errors),
        "start_date": _date(data, "start_date", errors),
        "end_date": _date(data, "end_date", errors),
        "application_deadline": _date(data, "application_deadline", errors),
        "positions": _whole(data, "positions", POSITIONS, "Enter 1 to 500 positions.", errors),
    }
    if values["positions"] is None:
        errors["positions"] = "How many students can you take?"
    if values["work_mode"] != "remote" and not values["location"] and "location" not in errors:
        errors["location"] = "Say where the work happens (or choose Remote)."
    skills_text = ", ".join(data.get("skills") or [])
    values["skills"] = skill_list(skills_text)
    if len(skills_text) > SKILLS_TEXT_MAX:
        errors["skills"] = f"At most {SKILLS_TEXT_MAX} characters in all."
    elif problem := skills_error(values["skills"]):
        errors["skills"] = problem
    if errors:
        raise ValidationFailed("Some fields are not valid.", errors)
    values["kind"] = OpportunityKind(values["kind"])
    values["work_mode"] = WorkMode(values["work_mode"])
    if not values["paid"]:
        values["pay_period"] = None
    return values
