"""Mentoring reminders."""

from __future__ import annotations

from marketplace.blueprints.mentoring.services import send_due_reminders
from marketplace.core.jobs import periodic


@periodic(every=300, queue="default", timeout=240)
def send_booking_reminders() -> int:
    """Remind both sides a day before each session, once per booking."""
    return send_due_reminders()
