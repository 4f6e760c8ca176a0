"""Events for tests: made directly, with times relative to now."""

from __future__ import annotations

from datetime import timedelta

from marketplace.blueprints.events.models import Event, EventKind, EventStatus
from marketplace.core.db import utcnow
from marketplace.core.extensions import db


def make_event(capacity: int = 10, starts_in: timedelta = timedelta(days=3),
               kind: EventKind = EventKind.WORKSHOP, status: EventStatus = EventStatus.PUBLISHED,
               hours: int = 2, **values) -> Event:
    start = (utcnow() + starts_in).replace(microsecond=0)
    values = {"title": "Résumé workshop", "place": "Room 101", "audience_years": [],
              "audience_clusters": [], **values}
    event = Event(kind=kind, starts_at=start, ends_at=start + timedelta(hours=hours),
                  time_zone="America/New_York", capacity=capacity, registered_count=0,
                  waitlist_counter=0, status=status, **values)
    db.session.add(event)
    db.session.flush()
    return event
