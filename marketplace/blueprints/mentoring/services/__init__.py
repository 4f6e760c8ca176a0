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
from marketplace.blueprints.mentoring.services.calendar import (
    CalendarLinks,
    calendar_event,
    calendar_links,
    invitation,
    invitation_for,
    web_link,
)
from marketplace.blueprints.mentoring.services.mentors import (
    MENTORS_PER_PAGE,
    MentorCard,
    find_mentor,
    mentor_times,
    open_mentors,
    sessions_with,
    times_by_day,
)
from marketplace.blueprints.mentoring.services.slots import (
    DURATIONS,
    MAX_SERIES_WEEKS,
    SlotDetails,
    SlotFilters,
    cancel_slot,
    create_slots,
    no_show_counts,
    open_slot_conditions,
    open_slots,
    series_starts,
    validate_slot,
)

__all__ = [
    "CANCEL_DEADLINE",
    "DURATIONS",
    "LIVE",
    "MAX_SERIES_WEEKS",
    "MENTORS_PER_PAGE",
    "REMINDER_BEFORE",
    "CalendarLinks",
    "MentorCard",
    "SlotDetails",
    "SlotFilters",
    "add_booking_reflection",
    "book",
    "calendar_event",
    "calendar_links",
    "cancel_booking",
    "cancel_slot",
    "create_slots",
    "find_mentor",
    "invitation",
    "invitation_for",
    "mark_booking",
    "mentor_times",
    "no_show_counts",
    "open_mentors",
    "open_slot_conditions",
    "open_slots",
    "release_bookings",
    "send_due_reminders",
    "series_starts",
    "sessions_with",
    "times_by_day",
    "validate_slot",
    "web_link",
]
