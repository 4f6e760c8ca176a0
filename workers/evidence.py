"""Turning completed work into outcome evidence."""

from __future__ import annotations

from datetime import UTC, datetime, time

from marketplace.extensions import db
from marketplace.models import Booking, BookingStatus, Placement, PlacementStatus, SourceKind
from marketplace.services.notifications import notify
from marketplace.services.outcomes import record_evidence

from .registry import job


@job(queue="high", timeout=60, retry_intervals=(10, 60, 300))
def record_placement_evidence(placement_id: int) -> None:
    """A completed placement is evidence of Experiential Learning and of Connections.

    Records one row of each (unique per placement) and tells the student once.
    Safe to rerun: a second run adds nothing and sends nothing.
    """
    placement = db.session.get(Placement, placement_id)
    if placement is None or placement.status is not PlacementStatus.COMPLETED:
        return
    details = {"opportunity": placement.opportunity.title,
               "organization": placement.opportunity.organization.name,
               "hours": placement.hours}
    occurred = (datetime.combine(placement.end_date, time(12), tzinfo=UTC)
                if placement.end_date else placement.completed_at)
    added = [record_evidence(placement.student_id, outcome, SourceKind.PLACEMENT, placement.id,
                             details, occurred_at=occurred)
             for outcome in ("experiential_learning", "connections")]
    if any(added):
        notify(placement.student, "evidence_recorded",
               f"Your placement at {details['organization']} counts toward your career outcomes",
               "Experiential Learning and Connections are now on your record.",
               link="/me/outcomes")


@job(queue="high", timeout=60, retry_intervals=(10, 60, 300))
def record_mentoring_evidence(booking_id: int) -> None:
    """A session the alum confirmed is evidence of Connections: one row per booking.

    Safe to rerun: a second run adds nothing and sends nothing.
    """
    booking = db.session.get(Booking, booking_id)
    if booking is None or booking.status is not BookingStatus.COMPLETED:
        return
    slot = booking.slot
    details = {"alum": slot.alumni.name, "topic": slot.topic,
               "minutes": slot.duration_minutes}
    if record_evidence(booking.student_id, "connections", SourceKind.MENTORING, booking.id,
                       details, occurred_at=booking.starts_at):
        notify(booking.student, "evidence_recorded",
               f"Your mentoring session with {slot.alumni.name} counts toward Connections",
               "It is now on your career outcomes record.", link="/me/outcomes")
