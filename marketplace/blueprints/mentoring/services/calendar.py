"""Calendar invitations (.ics) for bookings, REQUEST and CANCEL."""

from __future__ import annotations

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
    event.add("dtstart", slot.starts_at.astimezone(zone))
    event.add("dtend", slot.ends_at.astimezone(zone))
    event.add("summary", f"Mentoring: {slot.topic}")
    description = f"{slot.mode.label} with {slot.alumni.name}, booked through Career Connections."
    if booking.agenda:
        description += f"\n\nAgenda: {booking.agenda}"
    event.add("description", description)
    if slot.location and not cancelled and booking.status is BookingStatus.BOOKED:
        event.add("location", slot.location)  # only while the place is held
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
