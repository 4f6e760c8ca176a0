"""One way to write time: the same helpers for every page, e-mail and calendar text."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from marketplace.core import clock

WINTER = datetime(2026, 12, 27, 20, 30, tzinfo=UTC)  # 3:30 PM in New York (EST)
SUMMER = datetime(2026, 7, 4, 16, 5, tzinfo=UTC)  # 12:05 PM in New York (EDT)


@pytest.mark.parametrize(("zone", "city"), [
    ("America/New_York", "New York"), ("America/Argentina/Buenos_Aires", "Buenos Aires"),
    ("UTC", "UTC"), ("Pacific/Honolulu", "Honolulu")])
def test_a_zone_is_named_by_its_city(zone, city):
    assert clock.zone_city(zone) == city


def test_days_times_and_instants_in_the_house_format(app):
    with app.test_request_context():
        assert clock.format_day(date(2026, 12, 27)) == "Dec 27, 2026"
        assert clock.format_day(date(2026, 12, 27), weekday=True) == "Sun, Dec 27, 2026"
        assert clock.format_when(WINTER, "America/New_York") == "Dec 27, 2026, 3:30 PM EST"
        assert clock.format_when(SUMMER, "America/New_York") == "Jul 4, 2026, 12:05 PM EDT"
        assert clock.format_clock(WINTER, "Europe/Berlin") == "9:30 PM CET"
        # An instant is a day where the viewer is: 20:30 UTC is already the 28th in Tokyo.
        assert clock.format_day(WINTER, "Asia/Tokyo") == "Dec 28, 2026"
        assert clock.format_in_zone(WINTER, "America/Chicago") == \
            "Dec 27, 2026, 2:30 PM CST (Chicago)"
        assert clock.format_when(None) == "" and clock.format_day(None) == ""


def test_templates_write_times_in_the_viewers_zone(app, login_as):
    from tests.factories import StudentFactory

    student = StudentFactory()
    student.student_profile.time_zone = "America/Los_Angeles"
    login_as(student)
    with app.test_request_context():
        from flask_login import login_user

        login_user(student)
        rendered = app.jinja_env.from_string("{{ t|when }} · {{ t|day }} · {{ z|city }}").render(
            t=WINTER, z="America/Los_Angeles")
    assert rendered == "Dec 27, 2026, 12:30 PM PST · Dec 27, 2026 · Los Angeles"


def test_no_template_formats_time_by_hand():
    from pathlib import Path

    templates = Path(__file__).resolve().parents[2] / "marketplace" / "templates"
    by_hand = [f"{path.relative_to(templates)}" for path in templates.rglob("*")
               if path.is_file() and "strftime" in path.read_text()]
    assert by_hand == []
