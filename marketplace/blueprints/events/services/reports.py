"""Per-event report, the event's calendar file and its "Add to calendar" links."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC

import sqlalchemy as sa
from flask import current_app

from marketplace.blueprints.accounts.models import StudentProfile
from marketplace.blueprints.accounts.policies import students_in_scope
from marketplace.blueprints.events.models import (
    Conversation,
    Event,
    EventRegistration,
    EventStatus,
    RegistrationStatus,
)
from marketplace.blueprints.mentoring.services.calendar import (
    CalendarEvent,
    CalendarLinks,
    links_for,
)
from marketplace.core.db import utcnow
from marketplace.core.extensions import db

COLUMNS = (RegistrationStatus.REGISTERED, RegistrationStatus.WAITLISTED,
           RegistrationStatus.ATTENDED, RegistrationStatus.NO_SHOW,
           RegistrationStatus.CANCELLED)


@dataclass
class EventReport:
    totals: dict[RegistrationStatus, int]
    conversations: int
    students_met: int
    follow_ups: int
    # (class year or None, {status: count}), the latest class first.
    by_year: list[tuple[int | None, dict[RegistrationStatus, int]]] = field(default_factory=list)
    # (first-generation: True / False / None, {status: count})
    by_first_generation: list[tuple[bool | None, dict[RegistrationStatus, int]]] = field(
        default_factory=list)


def event_report(event: Event, viewer=None) -> EventReport:
    """Counts by registration status, overall, by class year and by first-generation,
    and the conversations employers logged; three grouped queries. With a ``viewer``
    (staff), only the students they may see count (a school's staff: their school's)."""
    def grouped(column):
        rows = db.session.execute(
            sa.select(column, EventRegistration.status, sa.func.count(EventRegistration.id))
            .select_from(EventRegistration)
            .outerjoin(StudentProfile, StudentProfile.user_id == EventRegistration.student_id)
            .where(EventRegistration.event_id == event.id,
                   students_in_scope(viewer, EventRegistration.student_id))
            .group_by(column, EventRegistration.status)).all()
        groups: dict = {}
        for key, status, count in rows:
            groups.setdefault(key, dict.fromkeys(COLUMNS, 0))[status] = count
        return groups

    years = grouped(StudentProfile.graduation_year)
    first = grouped(StudentProfile.first_generation)
    totals = dict.fromkeys(COLUMNS, 0)
    for counts in years.values():
        for status, count in counts.items():
            totals[status] += count
    conversations, met, follow_ups = db.session.execute(
        sa.select(sa.func.count(Conversation.id),
                  sa.func.count(sa.distinct(Conversation.student_id)),
                  sa.func.coalesce(sa.func.sum(sa.case((Conversation.follow_up, 1), else_=0)),
                                   0))
        .where(Conversation.event_id == event.id,
               students_in_scope(viewer, Conversation.student_id))).one()
    return EventReport(
        totals=totals, conversations=conversations, students_met=met, follow_ups=follow_ups,
        by_year=sorted(years.items(), key=lambda item: (item[0] is None, -(item[0] or 0))),
        by_first_generation=sorted(first.items(), key=lambda item: {True: 0, False: 1,
                                                                    None: 2}[item[0]]))


def calendar_event(event: Event) -> CalendarEvent:
    where = ", ".join(part for part in (event.place, event.video_link) if part)
    return CalendarEvent(summary=event.title,
                         description=f"{event.kind.label} through Career Connections.",
                         location=where, starts_at=event.starts_at.astimezone(UTC),
                         ends_at=event.ends_at.astimezone(UTC))


def calendar_links(event: Event) -> CalendarLinks:
    """"Add to Google Calendar" and "Add to Outlook" addresses, as mentoring makes them."""
    return links_for(calendar_event(event))


def event_ics(event: Event) -> bytes:
    """The event as an iCalendar file (PUBLISH) in its own zone, with its VTIMEZONE. The UID
    is stable, and SEQUENCE grows with each change, so a calendar replaces the event."""
    from zoneinfo import ZoneInfo

    from icalendar import Calendar
    from icalendar import Event as IcsEvent

    calendar = Calendar()
    calendar.add("prodid", "-//Career Connections//Events//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    details = calendar_event(event)
    entry = IcsEvent()
    host = current_app.config["BASE_URL"].split("://", 1)[-1].split("/")[0].split(":")[0]
    entry.add("uid", f"event-{event.id}@{host or 'career-connections'}")
    entry.add("sequence", event.sequence)
    entry.add("dtstamp", utcnow())
    zone = ZoneInfo(event.time_zone)
    entry.add("dtstart", details.starts_at.astimezone(zone))
    entry.add("dtend", details.ends_at.astimezone(zone))
    entry.add("summary", details.summary)
    entry.add("description", details.description)
    if details.location:
        entry.add("location", details.location)
    entry.add("status", "CANCELLED" if event.status is EventStatus.CANCELLED else "CONFIRMED")
    calendar.add_component(entry)
    calendar.add_missing_timezones()
    return calendar.to_ical()
