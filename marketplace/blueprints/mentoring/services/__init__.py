"""Mentoring: slots, bookings that never overbook, invitations, reminders.

Booking rules hold under concurrent requests because the database enforces
them: the slot's ``booked_count`` is raised by one conditional UPDATE and a
CHECK constraint refuses any count above capacity; the student's and the
alum's account rows are locked (``FOR UPDATE`` on PostgreSQL, the write lock
taken at ``BEGIN IMMEDIATE`` on SQLite) before the overlap and weekly-cap
checks, so two bookings by one student, or two bookings of one alum's week,
are decided one after the other; a partial unique index keeps one live
booking per student per slot.
"""

from marketplace.blueprints.mentoring.services.bookings import (
    CANCEL_DEADLINE,
    LIVE,
    REMINDER_BEFORE,
    add_booking_reflection,
    book,
    cancel_booking,
    mark_booking,
    release_bookings,
    send_due_reminders,
)
from marketplace.blueprints.mentoring.services.calendar import invitation, invitation_for
from marketplace.blueprints.mentoring.services.slots import (
    DURATIONS,
    MAX_SERIES_WEEKS,
    SlotDetails,
    SlotFilters,
    cancel_slot,
    create_slots,
    no_show_counts,
    open_slots,
    series_starts,
    validate_slot,
)

__all__ = [
    "CANCEL_DEADLINE",
    "DURATIONS",
    "LIVE",
    "MAX_SERIES_WEEKS",
    "REMINDER_BEFORE",
    "SlotDetails",
    "SlotFilters",
    "add_booking_reflection",
    "book",
    "cancel_booking",
    "cancel_slot",
    "create_slots",
    "invitation",
    "invitation_for",
    "mark_booking",
    "no_show_counts",
    "open_slots",
    "release_bookings",
    "send_due_reminders",
    "series_starts",
    "validate_slot",
]
