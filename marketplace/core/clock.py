"""marketplace.core.clock."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import current_app

from marketplace.core.errors import (
    ValidationFailed,
)


def local_to_utc(day: date, at: time, zone: str) -> datetime:
    """The instant of a wall-clock time in ``zone``.

    A time skipped by a daylight-saving change (2:30 on the spring-forward
    night) does not exist and is refused; a time that happens twice (1:30 on
    the fall-back night) means its first occurrence.
    """
    tz = ZoneInfo(zone)
    local = datetime.combine(day, at).replace(tzinfo=tz, fold=0)
    try:
        instant = local.astimezone(UTC)
    except OverflowError:
        raise ValidationFailed(f"{day.isoformat()} is out of range.",
                               {"starts_at": "Out of range."}) from None
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise ValidationFailed(
            f"{day:%B} {day.day} at {at:%H:%M} does not exist in {zone} (the clocks "
            "skip that hour). Pick another time.", {"starts_at": "This local time does not exist."})
    return instant


def start_of_day(day: date, zone: str) -> datetime:
    """The first instant of a local day (a few zones skip midnight on their change day)."""
    for hour in range(3):
        try:
            return local_to_utc(day, time(hour), zone)
        except ValidationFailed:
            continue
    raise ValidationFailed(f"{day.isoformat()} is out of range.", {"date": "Out of range."})


def in_zone(instant: datetime, zone: str) -> datetime:
    return instant.astimezone(ZoneInfo(zone))


def format_in_zone(instant: datetime, zone: str) -> str:
    """``Mar 10, 2026, 6:00 PM EDT (New York)``: the house format, the zone always named
    (for e-mails and calendar texts, read far from the person's own settings)."""
    return f"{format_when(instant, zone)} ({zone_city(zone)})"


def week_bounds(instant: datetime, zone: str) -> tuple[datetime, datetime]:
    """The Monday-to-Monday week containing ``instant``, in ``zone``, as UTC instants."""
    local = in_zone(instant, zone)
    monday = local.date() - timedelta(days=local.weekday())
    return start_of_day(monday, zone), start_of_day(monday + timedelta(days=7), zone)


def institution_today() -> date:
    """Today where the career center is: deadlines end at midnight there."""
    zone = ZoneInfo(current_app.config.get("INSTITUTION_TIME_ZONE", "America/New_York"))
    return datetime.now(zone).date()


# One way to write time, everywhere (templates, e-mails, calendar summaries):
# "Dec 27, 2026" and "Dec 27, 2026, 3:30 PM EST", in the viewer's time zone.

def zone_city(zone: str) -> str:
    """``America/New_York`` as people say it: "New York"."""
    return zone.rsplit("/", 1)[-1].replace("_", " ") if zone else ""


def viewer_zone() -> str:
    """The signed-in person's time zone, else the career center's."""
    from flask_login import current_user

    if current_user and getattr(current_user, "is_authenticated", False):
        zone = getattr(current_user, "time_zone", None)
        if zone:
            return zone
    return current_app.config.get("INSTITUTION_TIME_ZONE", "America/New_York")


def format_day(value: date | datetime | None, zone: str | None = None,
               weekday: bool = False) -> str:
    """``Dec 27, 2026`` (``Sun, Dec 27, 2026`` with ``weekday``); an instant is first moved
    into ``zone`` (the viewer's)."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = in_zone(_aware(value), zone or viewer_zone()).date()
    return f"{value:%a}, " * weekday + f"{value:%b} {value.day}, {value.year}"


def format_clock(value: datetime, zone: str | None = None) -> str:
    """``3:30 PM EST`` in ``zone`` (the viewer's)."""
    local = in_zone(_aware(value), zone or viewer_zone())
    return f"{local.strftime('%I').lstrip('0')}:{local:%M %p} {local.tzname()}"


def format_when(value: datetime | None, zone: str | None = None) -> str:
    """``Dec 27, 2026, 3:30 PM EST`` in ``zone`` (the viewer's)."""
    if value is None:
        return ""
    zone = zone or viewer_zone()
    return f"{format_day(value, zone)}, {format_clock(value, zone)}"


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)
