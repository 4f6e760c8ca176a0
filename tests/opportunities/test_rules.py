"""The posting rules the API applies (the HTML form keeps the same limits)."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from marketplace.blueprints.opportunities import rules
from marketplace.blueprints.opportunities.models import OpportunityKind, WorkMode
from marketplace.core.errors import ValidationFailed

GOOD = {"title": "  Lab assistant ", "kind": "internship", "career_cluster": "digital_technology",
        "description": "Help in the lab.", "work_mode": "hybrid", "location": "Dayton, OH",
        "paid": True, "pay_min": 18.5, "pay_max": 22, "pay_period": "hour",
        "hours_per_week": 20, "start_date": "2027-01-11", "end_date": None,
        "application_deadline": "2026-12-20", "positions": 2,
        "skills": ["Excel", "patient care, teamwork"]}


def test_a_good_posting_becomes_typed_values():
    values = rules.posting_values(GOOD)
    assert values["title"] == "Lab assistant"
    assert values["kind"] is OpportunityKind.INTERNSHIP and values["work_mode"] is WorkMode.HYBRID
    assert values["pay_min"] == Decimal("18.5") and values["start_date"] == date(2027, 1, 11)
    assert values["skills"] == ["Excel", "patient care", "teamwork"]


@pytest.mark.parametrize("field, value", [
    ("title", "   "), ("title", "x" * 201), ("kind", "gig"), ("career_cluster", "astrology"),
    ("work_mode", "moon"), ("pay_min", -1), ("pay_max", 10_000_000), ("hours_per_week", 81),
    ("start_date", "12/01/2026"), ("positions", 0), ("positions", None),
    ("skills", [f"skill {n}" for n in range(21)]), ("skills", ["x" * 41]),
    ("description", ""), ("pay_period", "fortnight"),
])
def test_each_rule_names_its_field(field, value):
    with pytest.raises(ValidationFailed) as caught:
        rules.posting_values({**GOOD, field: value})
    assert list(caught.value.fields) == [field]


def test_location_is_needed_unless_remote():
    with pytest.raises(ValidationFailed) as caught:
        rules.posting_values({**GOOD, "location": ""})
    assert "location" in caught.value.fields
    assert rules.posting_values({**GOOD, "location": "", "work_mode": "remote"})["location"] == ""


def test_null_for_a_choice_with_a_default_is_the_default():
    values = rules.posting_values({**GOOD, "pay_period": None, "work_mode": None,
                                   "location": "Troy, NY"})
    assert values["pay_period"] == "hour" and values["work_mode"] is WorkMode.ONSITE
