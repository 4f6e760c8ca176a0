"""API: mentoring slots and bookings. The same services and rules as the HTML pages."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from flask import abort, current_app, jsonify, request
from flask_login import current_user

from marketplace.blueprints.accounts.policies import students_in_scope
from marketplace.blueprints.mentoring import services as mentoring
from marketplace.blueprints.mentoring.forms import parse_slot_filters
from marketplace.blueprints.mentoring.models import Booking, BookingStatus, MentoringSlot, SlotMode
from marketplace.blueprints.mentoring.services import SlotDetails
from marketplace.core.api import bp
from marketplace.core.api.openapi import LOCAL_OR_OFFSET_TIME, documented, schema
from marketplace.core.api.views import (
    PAGE_PARAMETERS,
    STALE_CURSOR,
    encode_cursor,
    json_body,
    page_arguments,
    page_of,
)
from marketplace.core.clock import in_zone, local_to_utc
from marketplace.core.errors import ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.inputs import MAX_ID
from marketplace.core.policies import SIGNED_IN, Role, public, role_required
from marketplace.core.reference import CAREER_CLUSTERS, is_valid_time_zone

SLOT = schema("MentoringSlot", {
    "type": "object",
    "required": ["id", "alumni", "starts_at", "duration_minutes", "time_zone", "capacity",
                 "remaining", "mode", "topic"],
    "properties": {
        "id": {"type": "integer"},
        "alumni": {"type": "object", "properties": {"id": {"type": "integer"},
                                                   "name": {"type": "string"}}},
        "starts_at": {"type": "string", "format": "date-time",
                      "description": "In the slot's time zone, with its offset."},
        "ends_at": {"type": "string", "format": "date-time"},
        "duration_minutes": {"type": "integer"}, "time_zone": {"type": "string"},
        "capacity": {"type": "integer"}, "remaining": {"type": "integer"},
        "mode": {"type": "string", "enum": [m.value for m in SlotMode]},
        "topic": {"type": "string"}, "career_cluster": {"type": ["string", "null"]},
        "status": {"type": "string", "enum": ["open", "cancelled"]},
        "series_id": {"type": ["string", "null"]},
    },
})


SLOT_PAGE = [
    {"name": "cursor", "in": "query", "required": False,
     "description": "next_cursor of the previous page (opaque; another value is a 400)",
     "schema": {"type": "string"}},
    {"name": "limit", "in": "query", "required": False, "description": "Slots per page",
     "schema": {"type": "integer", "minimum": 1, "maximum": 200, "default": 200}},
]

SLOT_LIST = schema("MentoringSlotList", {
    "type": "object", "required": ["items", "next_cursor"],
    "properties": {"items": {"type": "array", "items": SLOT},
                   "next_cursor": {"type": ["string", "null"]}}})


SLOT_INPUT = schema("MentoringSlotInput", {
    "type": "object",
    "required": ["starts_at", "duration_minutes", "time_zone", "topic"],
    "properties": {
        # Not "date-time": RFC 3339 requires the offset this field may leave out.
        "starts_at": {"type": "string", "pattern": LOCAL_OR_OFFSET_TIME, "description":
                      "ISO 8601, e.g. 2027-03-11T18:00:00-05:00. Without an offset it is "
                      "read in time_zone."},
        "duration_minutes": {"type": "integer", "minimum": 15, "maximum": 240},
        "time_zone": {"type": "string", "description": "IANA name, e.g. America/Chicago"},
        "capacity": {"type": "integer", "minimum": 1, "maximum": 50, "default": 1},
        "mode": {"type": "string", "enum": [m.value for m in SlotMode], "default": "video"},
        "topic": {"type": "string", "maxLength": 200},
        "location": {"type": "string", "maxLength": 300},
        "career_cluster": {"type": ["string", "null"]},
        "weekly_cap": {"type": ["integer", "null"], "minimum": 1, "maximum": 100},
        "repeat_weeks": {"type": "integer", "minimum": 1, "maximum": mentoring.MAX_SERIES_WEEKS,
                         "default": 1, "description": "A weekly series at the same local time"},
    },
})


SLOT_CREATED = schema("MentoringSlotsCreated", {
    "type": "object", "properties": {"items": {"type": "array", "items": SLOT}},
    "description": "The slot, or every slot of the weekly series."})


BOOKING = schema("Booking", {
    "type": "object", "required": ["id", "slot_id", "student_id", "status"],
    "properties": {
        "id": {"type": "integer"}, "slot_id": {"type": "integer"},
        "student_id": {"type": "integer"},
        "status": {"type": "string", "enum": [s.value for s in BookingStatus]},
        "agenda": {"type": "string"}, "starts_at": {"type": "string", "format": "date-time"},
    },
})


BOOKING_INPUT = schema("BookingInput", {
    "type": "object", "properties": {"agenda": {"type": "string", "maxLength": 2000}}})


SLOT_PARAMETERS = [
    {"name": "cluster", "in": "query", "required": False, "description": "Career cluster",
     "schema": {"type": "string", "enum": ["", *CAREER_CLUSTERS]}},
    {"name": "employer", "in": "query", "required": False,
     "description": "Part of the mentor's employer", "schema": {"type": "string"}},
    {"name": "mode", "in": "query", "required": False, "description": "How you meet",
     "schema": {"type": "string", "enum": ["", *(m.value for m in SlotMode)]}},
    *({"name": name, "in": "query", "required": False,
       "description": "A date in the viewer's time zone",
       "schema": {"type": "string", "anyOf": [{"format": "date"}, {"enum": [""]}]}}
      for name in ("date_from", "date_to")),
]


def slot_json(slot: MentoringSlot) -> dict:
    return {"id": slot.id, "alumni": {"id": slot.alumni_id, "name": slot.alumni.name},
            "starts_at": in_zone(slot.starts_at, slot.time_zone).isoformat(),
            "ends_at": in_zone(slot.ends_at, slot.time_zone).isoformat(),
            "duration_minutes": slot.duration_minutes, "time_zone": slot.time_zone,
            "capacity": slot.capacity, "remaining": slot.remaining, "mode": slot.mode.value,
            "topic": slot.topic, "career_cluster": slot.career_cluster,
            "status": slot.status.value, "series_id": slot.series_id}


def booking_json(booking: Booking) -> dict:
    return {"id": booking.id, "slot_id": booking.slot_id, "student_id": booking.student_id,
            "status": booking.status.value, "agenda": booking.agenda,
            "starts_at": booking.starts_at.isoformat()}


def _integer(body: dict, name: str, default=None, required: bool = False):
    value = body.get(name)
    if value is None:  # absent or null: the default
        value = default
    if value is None:
        if required:
            raise ValidationFailed("Please correct the slot details.", {name: "Required."})
        return None
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed("Please correct the slot details.",
                               {name: "Must be a whole number."})
    return value


def _text(body: dict, name: str, default: str = "") -> str:
    value = body.get(name, default)
    if value is None:
        return default
    if not isinstance(value, str):
        raise ValidationFailed("Please correct the slot details.", {name: "Must be text."})
    return value


def _starts_at(body: dict, zone: str) -> datetime:
    raw = body.get("starts_at")
    if not isinstance(raw, str) or not raw.strip():
        raise ValidationFailed("Please correct the slot details.",
                               {"starts_at": "Required: an ISO 8601 date and time."})
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationFailed("Please correct the slot details.", {
            "starts_at": "Not an ISO 8601 date and time, e.g. 2026-03-10T18:00:00-04:00."
        }) from None
    if value.tzinfo is None:
        return local_to_utc(value.date(), value.time(), zone)
    return value


@bp.route("/mentoring/slots", methods=["POST"])
@documented("/mentoring/slots", "post", "Offer a mentoring slot (or a weekly series)",
            request=SLOT_INPUT, response=SLOT_CREATED, status="201",
            errors=("400", "401", "403", "422"), roles="alumni")
@role_required(Role.ALUMNI)
def create_slot():
    body = json_body()
    zone = _text(body, "time_zone") or current_user.time_zone
    if not is_valid_time_zone(zone):
        raise ValidationFailed("Please correct the slot details.",
                               {"time_zone": "Not an IANA time zone, e.g. America/Chicago."})
    mode = _text(body, "mode", "video")
    try:
        mode = SlotMode(mode)
    except ValueError:
        raise ValidationFailed("Please correct the slot details.",
                               {"mode": "video, phone or in_person."}) from None
    details = SlotDetails(
        starts_at=_starts_at(body, zone),
        duration_minutes=_integer(body, "duration_minutes", required=True),
        time_zone=zone, topic=_text(body, "topic"),
        capacity=_integer(body, "capacity", 1), mode=mode, location=_text(body, "location"),
        career_cluster=_text(body, "career_cluster") or None,
        weekly_cap=_integer(body, "weekly_cap"),
        repeat_weeks=_integer(body, "repeat_weeks", 1))
    slots = mentoring.create_slots(current_user, details)
    db.session.commit()
    return jsonify({"items": [slot_json(slot) for slot in slots]}), 201


@bp.route("/mentoring/slots")
@documented("/mentoring/slots", "get", "Upcoming open slots with places left",
            response=SLOT_LIST, parameters=[*SLOT_PARAMETERS, *SLOT_PAGE], errors=("422",),
            roles="anyone", public=True)
@public
def list_slots():
    zone = (current_user.time_zone if current_user.is_authenticated
            else current_app.config["INSTITUTION_TIME_ZONE"])
    filters, errors = parse_slot_filters(request.args, zone)
    if errors:
        raise ValidationFailed("Some filters are not valid.", errors)
    limit, key = page_arguments(default=200, maximum=200)
    slots = mentoring.open_slots(filters, zone, limit + 1, key and _slot_key(key))
    more, slots = len(slots) > limit, slots[:limit]
    return jsonify({"items": [slot_json(slot) for slot in slots],
                    "next_cursor": encode_cursor(slots[-1].starts_at.isoformat(), slots[-1].id)
                    if more else None})


def _slot_key(key: list) -> tuple[datetime, int]:
    """(start, id) of the last slot of the previous page, from its cursor."""
    try:
        starts, slot_id = key
        after = (datetime.fromisoformat(starts), slot_id)
    except (ValueError, TypeError):
        abort(400, description=STALE_CURSOR)
    if after[0].tzinfo is None or type(slot_id) is not int or not 0 < slot_id <= MAX_ID:
        abort(400, description=STALE_CURSOR)
    return after


@bp.route("/mentoring/slots/<int:slot_id>/bookings", methods=["POST"])
@documented("/mentoring/slots/{slot_id}/bookings", "post", "Book a place in a slot",
            request=BOOKING_INPUT, request_required=False, response=BOOKING, status="201",
            errors=("400", "401", "403", "404", "409", "422"),
            roles="students (409 when the slot is full, past or cancelled, or overlaps "
            "another booking of theirs)")
@role_required(Role.STUDENT)
def create_booking(slot_id: int):
    body = json_body() if request.content_length else {}
    agenda = body.get("agenda", "")
    if agenda is None:
        agenda = ""
    if not isinstance(agenda, str):
        raise ValidationFailed("The agenda must be text.", {"agenda": "Must be text."})
    booking = mentoring.book(slot_id, current_user, agenda)
    db.session.commit()
    return jsonify(booking_json(booking)), 201


@bp.route("/bookings/<int:booking_id>/cancel", methods=["POST"])
@documented("/bookings/{booking_id}/cancel", "post", "Cancel a booking (until 12 hours before)",
            response=BOOKING, errors=("401", "404", "409"), roles="the student who booked")
@role_required(*SIGNED_IN)
def cancel_booking(booking_id: int):
    booking = mentoring.cancel_booking(booking_id, current_user)
    db.session.commit()
    return jsonify(booking_json(booking))


@bp.route("/bookings/<int:booking_id>/complete", methods=["POST"])
@documented("/bookings/{booking_id}/complete", "post", "Confirm a session was held",
            response=BOOKING, errors=("401", "404", "409"),
            roles="the alum who offered it, once it has started")
@role_required(*SIGNED_IN)
def complete_booking(booking_id: int):
    return _mark(booking_id, BookingStatus.COMPLETED)


@bp.route("/bookings/<int:booking_id>/no-show", methods=["POST"])
@documented("/bookings/{booking_id}/no-show", "post", "Record that the student did not come",
            response=BOOKING, errors=("401", "404", "409"),
            roles="the alum who offered it, once it has started")
@role_required(*SIGNED_IN)
def no_show_booking(booking_id: int):
    return _mark(booking_id, BookingStatus.NO_SHOW)


def _mark(booking_id: int, status: BookingStatus):
    booking = mentoring.mark_booking(booking_id, current_user, status)
    db.session.commit()
    return jsonify(booking_json(booking))


BOOKING_LIST = schema("BookingList", {
    "type": "object", "required": ["items", "next_cursor"],
    "properties": {"items": {"type": "array", "items": BOOKING},
                   "next_cursor": {"type": ["string", "null"]}},
})


@bp.route("/bookings")
@documented("/bookings", "get", "Bookings: a student's own, those on an alum's slots, all for "
            "staff; newest first", response=BOOKING_LIST, parameters=PAGE_PARAMETERS,
            errors=("401",))
@role_required(*SIGNED_IN)
def list_bookings():
    statement = sa.select(Booking)
    if current_user.role is Role.STUDENT:
        statement = statement.where(Booking.student_id == current_user.id)
    elif current_user.role is Role.ALUMNI:
        statement = statement.join(MentoringSlot).where(
            MentoringSlot.alumni_id == current_user.id)
    elif current_user.role is Role.STAFF:
        # The rule of can_view_booking: a school's staff, their school's students'.
        statement = statement.where(students_in_scope(current_user, Booking.student_id))
    else:
        statement = statement.where(sa.false())
    rows, next_cursor = page_of(statement, Booking.id)
    return jsonify({"items": [booking_json(b) for b in rows], "next_cursor": next_cursor})
