"""Calendar invitations (.ics) for bookings, REQUEST and CANCEL; the same event as
"Add to Google Calendar" and "Add to Outlook" links; meeting links that are web links."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from urllib.parse import quote, urlencode, urlsplit
from zoneinfo import ZoneInfo

from flask import current_app

from marketplace.blueprints.mentoring.models import (
    Booking,
    BookingStatus,
)
from marketplace.blueprints.notifications.models import Notification
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.mail import Attachment


@dataclass
class CalendarEvent:
    """What a calendar shows for a booking: one source for the .ics and the links."""

    summary: str
    description: str
    location: str
    starts_at: datetime
    ends_at: datetime


def calendar_event(booking: Booking, cancelled: bool = False) -> CalendarEvent:
    """The booking's title, description, place (only while the place is held) and UTC times."""
    slot = booking.slot
    description = f"{slot.mode.label} with {slot.alumni.name}, booked through Career Connections."
    if booking.agenda:
        description += f"\n\nAgenda: {booking.agenda}"
    held = not cancelled and booking.status is BookingStatus.BOOKED
    return CalendarEvent(summary=f"Mentoring: {slot.topic}", description=description,
                         location=slot.location if held else "",
                         starts_at=slot.starts_at.astimezone(UTC),
                         ends_at=slot.ends_at.astimezone(UTC))


GOOGLE_CALENDAR = "https://calendar.google.com/calendar/render"
OUTLOOK_CALENDAR = "https://outlook.live.com/calendar/0/deeplink/compose"


@dataclass
class CalendarLinks:
    google: str
    outlook: str


def calendar_links(booking: Booking) -> CalendarLinks:
    """"Add to Google Calendar" and "Add to Outlook" addresses for a booked session, with
    the .ics event's text and its times in UTC (``Z``), every value percent-encoded."""
    return links_for(calendar_event(booking))


def links_for(event: CalendarEvent) -> CalendarLinks:
    """"Add to Google Calendar" and "Add to Outlook" addresses for any calendar event (a
    booking, an event at the career center)."""

    def address(base: str, values: dict[str, str]) -> str:
        return f"{base}?{urlencode(values, quote_via=quote, safe='/')}"

    google = {"action": "TEMPLATE", "text": event.summary,
              "dates": f"{event.starts_at:%Y%m%dT%H%M%SZ}/{event.ends_at:%Y%m%dT%H%M%SZ}",
              "details": event.description, "location": event.location}
    outlook = {"path": "/calendar/action/compose", "rru": "addevent",
               "subject": event.summary, "startdt": f"{event.starts_at:%Y-%m-%dT%H:%M:%SZ}",
               "enddt": f"{event.ends_at:%Y-%m-%dT%H:%M:%SZ}", "body": event.description,
               "location": event.location}
    return CalendarLinks(google=address(GOOGLE_CALENDAR, google),
                         outlook=address(OUTLOOK_CALENDAR, outlook))


def web_link(location: str) -> tuple[str, str] | None:
    """(address, the rest) when ``location`` starts with an http(s) address, as in
    "https://zoom.us/j/123 passcode 42"; None for anything else (a phone number, a room,
    a ``javascript:`` text), which pages show as plain text."""
    first, _, rest = (location or "").strip().partition(" ")
    try:
        parts = urlsplit(first)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        return None
    if any(character.isspace() or ord(character) < 32 for character in first):
        return None
    return first, rest.strip()


def invitation(booking: Booking, cancelled: bool | None = None,
               for_organizer: bool = False) -> bytes:
    """The booking as an iCalendar invitation (REQUEST), or its CANCEL.

    The UID is stable per booking, so a calendar replaces the event on an update
    and removes it on a cancellation. The alum organizes the event: their own copy
    is published to their calendar (PUBLISH, iTIP), never sent to them as a request
    to attend their own session.
    """
    from icalendar import Calendar, Event, vCalAddress, vText

    slot = booking.slot
    if cancelled is None:
        cancelled = booking.status is BookingStatus.CANCELLED
    calendar = Calendar()
    calendar.add("prodid", "-//Career Connections//Mentoring//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH" if for_organizer else "CANCEL" if cancelled else "REQUEST")
    event = Event()
    host = current_app.config["BASE_URL"].split("://", 1)[-1].split("/")[0].split(":")[0]
    event.add("uid", f"booking-{booking.id}@{host or 'career-connections'}")
    event.add("sequence", booking.sequence)
    event.add("dtstamp", utcnow())
    zone = ZoneInfo(slot.time_zone)
    details = calendar_event(booking, cancelled=cancelled)
    event.add("dtstart", details.starts_at.astimezone(zone))
    event.add("dtend", details.ends_at.astimezone(zone))
    event.add("summary", details.summary)
    event.add("description", details.description)
    if details.location:
        event.add("location", details.location)  # only while the place is held
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    organizer = vCalAddress(f"mailto:{slot.alumni.email}")
    organizer.params["cn"] = vText(slot.alumni.name)
    event.add("organizer", organizer)
    attendee = vCalAddress(f"mailto:{booking.student.email}")
    attendee.params["cn"] = vText(booking.student.name)
    attendee.params["role"] = vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = vText("ACCEPTED")
    event.add("attendee", attendee)
    calendar.add_component(event)
    calendar.add_missing_timezones()
    return calendar.to_ical()


def invitation_for(notification: Notification):
    """The .ics attachment a mentoring notification carries, if any."""

    if notification.booking_id is None:
        return None
    booking = db.session.get(Booking, notification.booking_id)
    if booking is None:
        return None
    cancelled = notification.kind == "booking_cancelled"
    if not cancelled and booking.status is not BookingStatus.BOOKED:
        return None  # sent late, after a cancellation: never put the event back
    organizer = notification.user_id == booking.slot.alumni_id
    method = "PUBLISH" if organizer else "CANCEL" if cancelled else "REQUEST"
    return Attachment(filename="cancel.ics" if cancelled else "invite.ics",
                      content=invitation(booking, cancelled=cancelled,
                                         for_organizer=organizer),
                      maintype="text", subtype="calendar", params={"method": method})
