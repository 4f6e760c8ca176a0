"""Turning completed work into outcome evidence."""

from __future__ import annotations

from datetime import UTC, datetime, time

from marketplace.blueprints.applications.models import Placement, PlacementStatus
from marketplace.blueprints.mentoring.models import Booking, BookingStatus
from marketplace.blueprints.notifications.services import notify
from marketplace.blueprints.outcomes.exports import build, purge_old_exports
from marketplace.blueprints.outcomes.models import SourceKind
from marketplace.blueprints.outcomes.services import record_evidence
from marketplace.core.extensions import db
from marketplace.core.jobs import job, periodic


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
               link="outcomes.my_outcomes")


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
               "It is now on your career outcomes record.", link="outcomes.my_outcomes")


@job(queue="low", timeout=600, retry_intervals=(30, 120))
def build_export(export_id: int) -> None:
    """Build one CSV export, reporting progress on its row. Safe to rerun."""
    build(export_id)


@periodic(every=3600, queue="low", timeout=300)
def purge_exports() -> int:
    """Exports hold student data: keep them a week."""
    return purge_old_exports()
