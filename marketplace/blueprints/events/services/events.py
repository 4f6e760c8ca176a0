"""Events: what staff create and change, and what each person may list."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

import sqlalchemy as sa

from marketplace.blueprints.accounts.models import Organization, OrganizationStatus, User
from marketplace.blueprints.events.models import (
    MAX_CAPACITY,
    Event,
    EventKind,
    EventStatus,
)
from marketplace.blueprints.events.services.registrations import fill_places, tell_registrants
from marketplace.blueprints.mentoring.services import web_link
from marketplace.core.clock import format_in_zone
from marketplace.core.db import lock_row, utcnow
from marketplace.core.errors import NotFound, PermissionDenied, ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.inputs import MAX_ID
from marketplace.core.policies import Role
from marketplace.core.reference import CAREER_CLUSTERS, is_valid_time_zone

TITLE_MAX = 200
DESCRIPTION_MAX = 20_000
PLACE_MAX = 300
LINK_MAX = 500
LONGEST = timedelta(days=3)  # a fair over a long weekend at most
YEARS = (2000, 2100)


@dataclass
class EventDetails:
    """What staff fill in; times are aware instants, ``time_zone`` the zone planned in."""

    kind: EventKind
    title: str
    starts_at: datetime
    ends_at: datetime
    time_zone: str
    capacity: int
    description: str = ""
    place: str = ""
    video_link: str = ""
    registration_deadline: datetime | None = None
    audience_years: list[int] = field(default_factory=list)
    audience_clusters: list[str] = field(default_factory=list)
    status: EventStatus = EventStatus.DRAFT
    host_organization_id: int | None = None


def validate_event(details: EventDetails, existing: Event | None = None) -> dict[str, str]:
    """Every rule an event's fields follow, as {field: message}; empty when all hold."""
    errors: dict[str, str] = {}
    details.title = (details.title or "").strip()
    details.place = (details.place or "").strip()
    details.video_link = (details.video_link or "").strip()
    if not details.title:
        errors["title"] = "Give the event a title."
    elif len(details.title) > TITLE_MAX:
        errors["title"] = f"At most {TITLE_MAX} characters."
    if len(details.description or "") > DESCRIPTION_MAX:
        errors["description"] = f"At most {DESCRIPTION_MAX:,} characters."
    if len(details.place) > PLACE_MAX:
        errors["place"] = f"At most {PLACE_MAX} characters."
    if len(details.video_link) > LINK_MAX:
        errors["video_link"] = f"At most {LINK_MAX} characters."
    elif details.video_link and web_link(details.video_link) != (details.video_link, ""):
        errors["video_link"] = "A web address starting with https://, without spaces."
    if not details.place and not details.video_link:
        errors["place"] = "Say where it happens: a place, a video link, or both."
    if not is_valid_time_zone(details.time_zone or ""):
        errors["time_zone"] = "Choose a time zone from the list."
    if details.starts_at.tzinfo is None or details.ends_at.tzinfo is None:
        errors["starts_at"] = "Give the time with its offset or time zone."
    else:
        if details.ends_at <= details.starts_at:
            errors["ends_at"] = "The end must come after the start."
        elif details.ends_at - details.starts_at > LONGEST:
            errors["ends_at"] = "An event lasts at most three days."
        moved = existing is None or existing.starts_at != details.starts_at
        if moved and details.starts_at <= utcnow():
            errors["starts_at"] = "Choose a start in the future."
        elif details.starts_at > utcnow() + timedelta(days=731):
            errors["starts_at"] = "Choose a start within the next two years."
        deadline = details.registration_deadline
        if deadline is not None:
            if deadline.tzinfo is None:
                errors["registration_deadline"] = "Give the time with its offset or time zone."
            elif deadline > details.starts_at:
                errors["registration_deadline"] = "The deadline must be before the start."
            elif deadline < details.starts_at - timedelta(days=366):
                errors["registration_deadline"] = "Close registration within a year of the start."
    if isinstance(details.capacity, bool) or not isinstance(details.capacity, int) \
            or not 1 <= details.capacity <= MAX_CAPACITY:
        errors["capacity"] = f"A whole number from 1 to {MAX_CAPACITY:,}."
    elif existing is not None and details.capacity < existing.registered_count:
        errors["capacity"] = (f"{existing.registered_count} students already hold places: "
                              "the capacity cannot go below that.")
    years = details.audience_years or []
    if any(isinstance(y, bool) or not isinstance(y, int) or not YEARS[0] <= y <= YEARS[1]
           for y in years):
        errors["audience_years"] = "Graduation years, such as 2027."
    if any(c not in CAREER_CLUSTERS for c in details.audience_clusters or []):
        errors["audience_clusters"] = "Unknown career cluster."
    host_id = details.host_organization_id
    if host_id is not None and (isinstance(host_id, bool) or not isinstance(host_id, int)
                                or not 0 < host_id <= MAX_ID):
        errors["host_organization_id"] = "Choose a verified organization."
    elif host_id is not None:
        host = db.session.get(Organization, host_id)
        if host is None or host.status is not OrganizationStatus.VERIFIED:
            errors["host_organization_id"] = "Choose a verified organization."
    if details.status not in (EventStatus.DRAFT, EventStatus.PUBLISHED):
        errors["status"] = "draft or published."
    return errors


def _apply(event: Event, details: EventDetails) -> None:
    event.kind = details.kind
    event.title = details.title
    event.description = (details.description or "").strip()
    event.place = details.place
    event.video_link = details.video_link
    event.starts_at = details.starts_at
    event.ends_at = details.ends_at
    event.time_zone = details.time_zone
    event.capacity = details.capacity
    event.registration_deadline = details.registration_deadline
    event.audience_years = sorted(set(details.audience_years or []))
    event.audience_clusters = sorted(set(details.audience_clusters or []))
    event.status = details.status
    event.host_organization_id = details.host_organization_id
    event.updated_at = utcnow()


def create_event(details: EventDetails, by: User) -> Event:
    """Staff add an event (a draft or published at once). Raises ValidationFailed. Flushes."""
    if by.role is not Role.STAFF:
        raise PermissionDenied("Only career staff create events.")
    errors = validate_event(details)
    if errors:
        raise ValidationFailed("Please correct the event details.", errors)
    event = Event(created_by_id=by.id, registered_count=0, waitlist_counter=0)
    _apply(event, details)
    db.session.add(event)
    db.session.flush()
    return event


def update_event(event_id: int, details: EventDetails, by: User) -> Event:
    """Staff change an event. More capacity promotes the waitlist in order; a new time or
    place tells everyone holding a place. Locks the event row. Flushes."""
    if by.role is not Role.STAFF:
        raise PermissionDenied("Only career staff change events.")
    event = lock_row(Event, event_id)
    if event is None:
        raise NotFound("No such event.")
    if event.status is EventStatus.CANCELLED:
        raise ValidationFailed("A cancelled event cannot be changed.",
                               {"status": "The event is cancelled."})
    if event.status is EventStatus.PUBLISHED and details.status is EventStatus.DRAFT \
            and event.registered_count:
        raise ValidationFailed("Students have registered: cancel the event instead.",
                               {"status": "Students have registered."})
    errors = validate_event(details, existing=event)
    if errors:
        raise ValidationFailed("Please correct the event details.", errors)
    moved = (event.starts_at, event.ends_at, event.place, event.video_link) != (
        details.starts_at, details.ends_at, details.place, details.video_link)
    _apply(event, details)
    if moved:
        event.sequence += 1
    db.session.flush()
    if moved:
        tell_registrants(event, "event_changed", f"Changed: {event.title}",
                         lambda zone: f"Now {format_in_zone(event.starts_at, zone)}"
                         + (f", {event.place}" if event.place else "") + ".")
    fill_places(event)
    db.session.flush()
    return event


def cancel_event(event_id: int, by: User) -> Event:
    """Staff cancel an event; everyone registered or waiting is told. Flushes."""
    if by.role is not Role.STAFF:
        raise PermissionDenied("Only career staff cancel events.")
    event = lock_row(Event, event_id)
    if event is None:
        raise NotFound("No such event.")
    if event.status is not EventStatus.CANCELLED:
        tell_registrants(event, "event_cancelled", f"Cancelled: {event.title}",
                         lambda zone: f"The event on {format_in_zone(event.starts_at, zone)} "
                         "will not take place.", waiting_too=True)
        event.status = EventStatus.CANCELLED
        event.sequence += 1
        event.updated_at = utcnow()
        db.session.flush()
    return event


@dataclass
class EventFilters:
    kind: EventKind | None = None
    upcoming: bool = True
    starts_from: datetime | None = None
    starts_before: datetime | None = None


def visible_events(user, filters: EventFilters) -> sa.Select:
    """The events ``user`` may list: staff every event, others the published ones
    (a cancelled one too, so those registered see it was cancelled)."""
    statement = sa.select(Event)
    if not (getattr(user, "is_authenticated", False) and user.role is Role.STAFF):
        statement = statement.where(Event.status != EventStatus.DRAFT)
    if filters.kind is not None:
        statement = statement.where(Event.kind == filters.kind)
    if filters.upcoming:
        statement = statement.where(Event.ends_at > utcnow())
    if filters.starts_from is not None:
        statement = statement.where(Event.starts_at >= filters.starts_from)
    if filters.starts_before is not None:
        statement = statement.where(Event.starts_at < filters.starts_before)
    return statement
