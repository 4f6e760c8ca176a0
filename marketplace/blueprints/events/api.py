"""API: events, registrations, check-in codes, check-ins, employers at fairs and their
conversations. The same services and rules as the HTML pages."""

from __future__ import annotations

from datetime import UTC, datetime

import sqlalchemy as sa
from flask import abort, jsonify, request
from flask_login import current_user

from marketplace.blueprints.events import services as events
from marketplace.blueprints.events.models import (
    Conversation,
    Event,
    EventKind,
    EventRegistration,
    EventStatus,
    FairEmployer,
    FairStatus,
    RegistrationStatus,
)
from marketplace.blueprints.events.policies import can_view_event
from marketplace.core.api import bp
from marketplace.core.api.openapi import LOCAL_OR_OFFSET_TIME, OPERATIONS, documented, schema
from marketplace.core.api.views import json_body, page_of
from marketplace.core.clock import in_zone, local_to_utc
from marketplace.core.errors import ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.inputs import MAX_ID
from marketplace.core.policies import Role, public, role_required
from marketplace.core.reference import CAREER_CLUSTERS, is_valid_time_zone

TIME = {"type": "string", "pattern": LOCAL_OR_OFFSET_TIME,
        "description": "ISO 8601, e.g. 2027-03-11T18:00:00-05:00. Without an offset it is "
                       "read in time_zone."}

EVENT = schema("Event", {
    "type": "object",
    "required": ["id", "title", "kind", "status", "starts_at", "ends_at", "time_zone",
                 "capacity", "registered", "waitlisted"],
    "properties": {
        "id": {"type": "integer"}, "title": {"type": "string"},
        "kind": {"type": "string", "enum": [k.value for k in EventKind]},
        "status": {"type": "string", "enum": [s.value for s in EventStatus]},
        "description": {"type": "string"},
        "place": {"type": "string"}, "video_link": {"type": "string"},
        "starts_at": {"type": "string", "format": "date-time",
                      "description": "In the event's time zone, with its offset."},
        "ends_at": {"type": "string", "format": "date-time"},
        "time_zone": {"type": "string"},
        "registration_deadline": {"type": ["string", "null"], "format": "date-time"},
        "capacity": {"type": "integer"}, "registered": {"type": "integer"},
        "waitlisted": {"type": "integer"}, "remaining": {"type": "integer"},
        "audience": {"type": "object", "properties": {
            "class_years": {"type": "array", "items": {"type": "integer"}},
            "clusters": {"type": "array", "items": {"type": "string"}}}},
        "host_organization": {"type": ["object", "null"]},
        "my_registration": {"type": ["string", "null"], "enum": ["registered", "waitlisted",
                                                                   None],
                            "description": "For a student: a place, a place in line, or "
                                           "neither (attended counts as registered)."},
        "my_status": {"type": ["string", "null"],
                      "enum": [*(s.value for s in RegistrationStatus), None]},
        "waitlist_position": {"type": ["integer", "null"],
                              "description": "For a waitlisted student: 1 is next."},
    },
})

EVENT_LIST = schema("EventList", {
    "type": "object", "required": ["items", "next_cursor"],
    "properties": {"items": {"type": "array", "items": EVENT},
                   "next_cursor": {"type": ["string", "null"]}}})

_EVENT_FIELDS = {
    "title": {"type": "string", "maxLength": 200},
    "kind": {"type": "string", "enum": [k.value for k in EventKind]},
    "description": {"type": "string", "maxLength": 20000, "description": "Markdown"},
    "place": {"type": "string", "maxLength": 300},
    "video_link": {"type": "string", "maxLength": 500},
    "starts_at": TIME, "ends_at": TIME,
    "time_zone": {"type": "string", "description": "IANA name, e.g. America/Chicago"},
    "capacity": {"type": "integer", "minimum": 1, "maximum": 5000},
    "registration_deadline": {**TIME, "type": ["string", "null"]},
    "class_years": {"type": "array", "items": {"type": "integer", "minimum": 2000,
                                               "maximum": 2100}, "maxItems": 20},
    "clusters": {"type": "array", "items": {"type": "string", "enum": list(CAREER_CLUSTERS)},
                 "maxItems": 14},
    "status": {"type": "string", "enum": ["draft", "published"], "default": "draft"},
    "host_organization_id": {"type": ["integer", "null"], "minimum": 1, "maximum": MAX_ID},
}

EVENT_INPUT = schema("EventInput", {
    "type": "object", "properties": _EVENT_FIELDS,
    "required": ["title", "kind", "starts_at", "ends_at", "time_zone", "capacity"]})

EVENT_PATCH = schema("EventPatch", {"type": "object", "properties": _EVENT_FIELDS})

REGISTRATION = schema("EventRegistration", {
    "type": "object", "required": ["id", "event_id", "student_id", "status"],
    "properties": {
        "id": {"type": "integer"}, "event_id": {"type": "integer"},
        "student_id": {"type": "integer"},
        "status": {"type": "string", "enum": [s.value for s in RegistrationStatus]},
        "waitlist_position": {"type": ["integer", "null"],
                              "description": "1 is next in line; null with a place"},
        "walk_in": {"type": "boolean"},
        "checked_in_at": {"type": ["string", "null"], "format": "date-time"},
    },
})

CODE = schema("CheckInCode", {
    "type": "object", "required": ["code", "display", "created_at"],
    "properties": {"code": {"type": "string"},
                   "display": {"type": "string", "description": "As shown: K7QM-3XPD"},
                   "created_at": {"type": "string", "format": "date-time"}}})

CODE_INPUT = schema("CodeInput", {
    "type": "object", "required": ["code"],
    "properties": {"code": {"type": "string", "maxLength": 64,
                            "description": "A student's check-in code, as typed or scanned"}}})

CHECKIN = schema("CheckInResult", {
    "type": "object", "required": ["status", "message", "walk_in", "student", "registration"],
    "properties": {
        "status": {"type": "string", "enum": ["checked_in", "already_checked_in"]},
        "message": {"type": "string"}, "walk_in": {"type": "boolean"},
        "student": {"type": "object", "properties": {"id": {"type": "integer"},
                                                     "name": {"type": "string"}}},
        "registration": REGISTRATION}})

CONVERSATION_INPUT = schema("ConversationInput", {
    "type": "object", "required": ["code"],
    "properties": {"code": {"type": "string", "maxLength": 64},
                   "note": {"type": "string", "maxLength": 2000},
                   "follow_up": {"type": "boolean"}}})

CONVERSATION = schema("EventConversation", {
    "type": "object",
    "required": ["id", "event_id", "student", "organization", "note", "follow_up", "shared"],
    "properties": {
        "id": {"type": "integer"}, "event_id": {"type": "integer"},
        "student": {"type": "object", "properties": {"id": {"type": "integer"},
                                                     "name": {"type": "string"}}},
        "organization": {"type": "object", "properties": {"id": {"type": "integer"},
                                                          "name": {"type": "string"}}},
        "note": {"type": "string"}, "follow_up": {"type": "boolean"},
        "shared": {"type": "boolean",
                   "description": "The student shared their profile with the organization"},
        "created_at": {"type": "string", "format": "date-time"}}})

SHARE_INPUT = schema("ShareInput", {
    "type": "object", "properties": {"share": {"type": "boolean", "default": True}}})

FAIR_INPUT = schema("FairRegistrationInput", {
    "type": "object", "required": ["representatives"],
    "properties": {"representatives": {"type": "integer", "minimum": 1, "maximum": 20},
                   "recruiting_for": {"type": "string", "maxLength": 500}}})

FAIR_DECISION = schema("FairDecisionInput", {
    "type": "object", "properties": {"table_label": {"type": "string", "maxLength": 40}}})

FAIR = schema("FairEmployer", {
    "type": "object", "required": ["event_id", "organization", "status", "representatives"],
    "properties": {
        "event_id": {"type": "integer"},
        "organization": {"type": "object", "properties": {"id": {"type": "integer"},
                                                          "name": {"type": "string"}}},
        "status": {"type": "string", "enum": [s.value for s in FairStatus]},
        "representatives": {"type": "integer"}, "recruiting_for": {"type": "string"},
        "table_label": {"type": "string"}}})

LIST_PARAMETERS = [
    {"name": "kind", "in": "query", "required": False, "description": "Kind of event",
     "schema": {"type": "string", "enum": ["", *(k.value for k in EventKind)]}},
    {"name": "past", "in": "query", "required": False,
     "description": "1: events that have ended too (default: upcoming only)",
     "schema": {"type": "string", "enum": ["", "0", "1"]}},
    {"name": "cursor", "in": "query", "required": False,
     "description": "next_cursor of the previous page (opaque; another value is a 400)",
     "schema": {"type": "string"}},
    {"name": "limit", "in": "query", "required": False, "description": "Events per page",
     "schema": {"type": "integer", "minimum": 1, "maximum": 100, "default": 50}},
]


def waitlisted_counts(event_ids: list[int]) -> dict[int, int]:
    if not event_ids:
        return {}
    return dict(db.session.execute(
        sa.select(EventRegistration.event_id, sa.func.count(EventRegistration.id))
        .where(EventRegistration.event_id.in_(event_ids),
               EventRegistration.status == RegistrationStatus.WAITLISTED)
        .group_by(EventRegistration.event_id)).all())


def my_registrations(event_ids: list[int]) -> dict[int, EventRegistration]:
    if not event_ids or not (current_user.is_authenticated
                             and current_user.role is Role.STUDENT):
        return {}
    return {r.event_id: r for r in db.session.scalars(sa.select(EventRegistration).where(
        EventRegistration.event_id.in_(event_ids),
        EventRegistration.student_id == current_user.id))}


def event_json(event: Event, waitlisted: int, mine: EventRegistration | None = None) -> dict:
    zone = event.time_zone
    body = {
        "id": event.id, "title": event.title, "kind": event.kind.value,
        "status": event.status.value, "description": event.description,
        "place": event.place, "video_link": event.video_link,
        "starts_at": in_zone(event.starts_at, zone).isoformat(),
        "ends_at": in_zone(event.ends_at, zone).isoformat(), "time_zone": zone,
        "registration_deadline": in_zone(event.registration_deadline, zone).isoformat()
        if event.registration_deadline else None,
        "capacity": event.capacity, "registered": event.registered_count,
        "waitlisted": waitlisted, "remaining": event.remaining,
        "audience": {"class_years": list(event.audience_years or []),
                     "clusters": list(event.audience_clusters or [])},
        "host_organization": {"id": event.host_organization.id,
                              "name": event.host_organization.name}
        if event.host_organization else None,
    }
    if current_user.is_authenticated and current_user.role is Role.STUDENT:
        status = mine.status if mine else None
        body["my_status"] = status.value if status else None
        body["my_registration"] = (
            "waitlisted" if status is RegistrationStatus.WAITLISTED else
            "registered" if status in (RegistrationStatus.REGISTERED,
                                       RegistrationStatus.ATTENDED) else None)
        body["waitlist_position"] = events.waitlist_rank(mine) if mine else None
    return body


def registration_json(registration: EventRegistration) -> dict:
    return {"id": registration.id, "event_id": registration.event_id,
            "student_id": registration.student_id, "status": registration.status.value,
            "waitlist_position": events.waitlist_rank(registration),
            "walk_in": registration.walk_in,
            "checked_in_at": registration.checked_in_at.isoformat()
            if registration.checked_in_at else None}


def conversation_json(conversation: Conversation) -> dict:
    return {"id": conversation.id, "event_id": conversation.event_id,
            "student": {"id": conversation.student_id, "name": conversation.student.name},
            "organization": {"id": conversation.organization_id,
                             "name": conversation.organization.name},
            "note": conversation.note, "follow_up": conversation.follow_up,
            "shared": conversation.shared_at is not None,
            "created_at": conversation.created_at.isoformat()}


def fair_json(fair: FairEmployer) -> dict:
    return {"event_id": fair.event_id,
            "organization": {"id": fair.organization_id, "name": fair.organization.name},
            "status": fair.status.value, "representatives": fair.representatives,
            "recruiting_for": fair.recruiting_for, "table_label": fair.table_label}


def _time(body: dict, name: str, zone: str, required: bool) -> datetime | None:
    raw = body.get(name)
    if raw is None or (isinstance(raw, str) and not raw.strip() and not required):
        if required:
            raise ValidationFailed("Please correct the event details.", {name: "Required."})
        return None
    if not isinstance(raw, str):
        raise ValidationFailed("Please correct the event details.",
                               {name: "An ISO 8601 date and time."})
    try:
        value = datetime.fromisoformat(raw.strip())
    except ValueError:
        raise ValidationFailed("Please correct the event details.", {
            name: "Not an ISO 8601 date and time, e.g. 2027-03-10T18:00:00-04:00."}) from None
    if value.tzinfo is None:
        if not is_valid_time_zone(zone):
            raise ValidationFailed("Please correct the event details.",
                                   {"time_zone": "Not an IANA time zone."})
        try:
            return local_to_utc(value.date(), value.time(), zone)
        except ValidationFailed as error:
            raise ValidationFailed(error.message, {name: "This local time does not exist."}) \
                from None
    try:
        value.astimezone(UTC)  # the year 1 or 9999 with an offset leaves the calendar
    except (OverflowError, ValueError):
        raise ValidationFailed("Please correct the event details.", {name: "Out of range."}) \
            from None
    return value


def _details(body: dict, current: Event | None = None) -> events.EventDetails:
    """Event details from a request body, the current event's values filling what a PATCH
    leaves out."""
    def get(name, default):
        value = body.get(name, default) if name in body else default
        return default if value is None and name not in ("registration_deadline",
                                                         "host_organization_id") else value

    zone = get("time_zone", current.time_zone if current else "")
    if not isinstance(zone, str) or not is_valid_time_zone(zone):
        raise ValidationFailed("Please correct the event details.",
                               {"time_zone": "Not an IANA time zone, e.g. America/Chicago."})
    kind = get("kind", current.kind.value if current else None)
    try:
        kind = EventKind(kind)
    except ValueError:
        raise ValidationFailed("Please correct the event details.",
                               {"kind": "workshop, info_session or career_fair."}) from None
    status = get("status", current.status.value if current else "draft")
    try:
        status = EventStatus(status)
    except ValueError:
        raise ValidationFailed("Please correct the event details.",
                               {"status": "draft or published."}) from None
    times = {}
    for name in ("starts_at", "ends_at"):
        times[name] = (_time(body, name, zone, required=True) if name in body or not current
                       else getattr(current, name))
    deadline = (_time(body, "registration_deadline", zone, required=False)
                if "registration_deadline" in body
                else current.registration_deadline if current else None)
    texts = {}
    for name in ("title", "description", "place", "video_link"):
        value = get(name, getattr(current, name) if current else "")
        if not isinstance(value, str):
            raise ValidationFailed("Please correct the event details.", {name: "Must be text."})
        texts[name] = value
    capacity = get("capacity", current.capacity if current else None)
    years = get("class_years", list(current.audience_years or []) if current else [])
    clusters = get("clusters", list(current.audience_clusters or []) if current else [])
    if not isinstance(years, list) or not isinstance(clusters, list):
        raise ValidationFailed("Please correct the event details.",
                               {"class_years": "A list of graduation years."})
    host = (body.get("host_organization_id") if "host_organization_id" in body
            else current.host_organization_id if current else None)
    return events.EventDetails(
        kind=kind, title=texts["title"], description=texts["description"],
        place=texts["place"], video_link=texts["video_link"], starts_at=times["starts_at"],
        ends_at=times["ends_at"], time_zone=zone, capacity=capacity,
        registration_deadline=deadline, audience_years=years, audience_clusters=clusters,
        status=status, host_organization_id=host)


def _load_event(event_id: int) -> Event:
    event = db.session.get(Event, event_id)
    if event is None or not can_view_event(current_user, event):
        abort(404)
    return event


def _one(event: Event) -> dict:
    mine = my_registrations([event.id]).get(event.id)
    return event_json(event, waitlisted_counts([event.id]).get(event.id, 0), mine)


@bp.route("/events", methods=["POST"])
@documented("/events", "post", "Create an event (a draft unless status is published)",
            request=EVENT_INPUT, response=EVENT, status="201",
            errors=("400", "401", "403", "422"), roles="staff")
@role_required(Role.STAFF)
def create_event():
    event = events.create_event(_details(json_body()), current_user)
    db.session.commit()
    return jsonify(_one(event)), 201


@bp.route("/events")
@documented("/events", "get", "Events, soonest first: published ones (all, for staff)",
            response=EVENT_LIST, parameters=LIST_PARAMETERS, errors=("400", "422"),
            roles="anyone", public=True)
@public
def list_events():
    kind = request.args.get("kind") or None
    try:
        kind = EventKind(kind) if kind else None
    except ValueError:
        raise ValidationFailed("Some filters are not valid.", {"kind": "Unknown kind."}) \
            from None
    past = request.args.get("past", "")
    if past not in ("", "0", "1"):
        raise ValidationFailed("Some filters are not valid.", {"past": "0 or 1."})
    statement = events.visible_events(current_user, events.EventFilters(
        kind=kind, upcoming=past != "1"))
    rows, next_cursor = page_of(statement, Event.id, newest_first=False)
    rows.sort(key=lambda event: (event.starts_at, event.id))
    ids = [event.id for event in rows]
    waiting, mine = waitlisted_counts(ids), my_registrations(ids)
    return jsonify({"items": [event_json(event, waiting.get(event.id, 0), mine.get(event.id))
                              for event in rows], "next_cursor": next_cursor})


@bp.route("/events/<int:event_id>")
@documented("/events/{event_id}", "get", "One event", response=EVENT, errors=("404",),
            roles="anyone (drafts: staff)", public=True)
@public
def get_event(event_id: int):
    return jsonify(_one(_load_event(event_id)))


@bp.route("/events/<int:event_id>", methods=["PATCH"])
@documented("/events/{event_id}", "patch", "Change an event; more capacity promotes the "
            "waitlist in order", request=EVENT_PATCH, response=EVENT,
            errors=("400", "401", "403", "404", "422"), roles="staff")
@role_required(Role.STAFF)
def patch_event(event_id: int):
    body = json_body()
    event = _load_event(event_id)
    event = events.update_event(event.id, _details(body, event), current_user)
    db.session.commit()
    return jsonify(_one(event))


@bp.route("/events/<int:event_id>/registrations", methods=["POST"])
@documented("/events/{event_id}/registrations", "post",
            "Register: 201 with a place, 202 on the waitlist (200: already registered)",
            response=REGISTRATION, status="201", errors=("401", "403", "404", "409", "422"),
            roles="students (409 when registration has closed, the event is cancelled or "
                  "the student's registrations are paused; 422 outside the audience)")
@role_required(Role.STUDENT)
def register_for_event(event_id: int):
    registration, created = events.register(event_id, current_user)
    db.session.commit()
    status = (200 if not created else
              202 if registration.status is RegistrationStatus.WAITLISTED else 201)
    return jsonify(registration_json(registration)), status


def also_answers(path: str, method: str, status: str, description: str, response: dict) -> None:
    """Document a second success answer of an operation (``documented`` names one)."""
    OPERATIONS[(path, method)]["responses"][status] = {
        "description": description, "content": {"application/json": {"schema": response}}}


also_answers("/events/{event_id}/registrations", "post", "202", "Accepted: on the waitlist",
             REGISTRATION)
also_answers("/events/{event_id}/registrations", "post", "200", "Already registered",
             REGISTRATION)


@bp.route("/events/<int:event_id>/registrations/mine", methods=["DELETE"])
@documented("/events/{event_id}/registrations/mine", "delete",
            "Cancel my registration (the next in line gets the place)", response=REGISTRATION,
            errors=("401", "403", "404", "409"), roles="students, until the event starts")
@role_required(Role.STUDENT)
def cancel_my_registration(event_id: int):
    registration = events.cancel_registration(event_id, current_user)
    db.session.commit()
    return jsonify(registration_json(registration))


@bp.route("/events/<int:event_id>/checkins", methods=["POST"])
@documented("/events/{event_id}/checkins", "post",
            "Check a student in by their code (twice counts once; walk-ins take a free place)",
            request=CODE_INPUT, response=CHECKIN,
            errors=("400", "401", "403", "404", "409", "422"),
            roles="staff (422 for a code that is unknown or replaced; 409 when the student "
                  "has no place and the event is full)")
@role_required(Role.STAFF)
def check_in(event_id: int):
    body = json_body()
    result = events.check_in(event_id, body.get("code"), current_user)
    db.session.commit()
    return jsonify({"status": "already_checked_in" if result.already else "checked_in",
                    "message": result.message, "walk_in": result.walk_in,
                    "student": {"id": result.student.id, "name": result.student.name},
                    "registration": registration_json(result.registration)})


@bp.route("/events/<int:event_id>/conversations", methods=["POST"])
@documented("/events/{event_id}/conversations", "post",
            "Log a conversation with a student at a fair (201; 200 when it updates the one "
            "already logged)", request=CONVERSATION_INPUT, response=CONVERSATION,
            status="201", errors=("400", "401", "403", "404", "409", "422"),
            roles="employers whose organization staff approved for the fair")
@role_required(Role.EMPLOYER)
def log_conversation(event_id: int):
    body = json_body()
    conversation, created = events.log_conversation(
        event_id, body.get("code"), current_user, note=body.get("note"),
        follow_up=body.get("follow_up"))
    db.session.commit()
    return jsonify(conversation_json(conversation)), 201 if created else 200


also_answers("/events/{event_id}/conversations", "post", "200", "Updated the conversation "
             "already logged", CONVERSATION)


@bp.route("/conversations/<int:conversation_id>/share", methods=["POST"])
@documented("/conversations/{conversation_id}/share", "post",
            "Share (or stop sharing) my profile with an organization I met",
            request=SHARE_INPUT, request_required=False, response=CONVERSATION,
            errors=("400", "401", "403", "404", "422"), roles="the student")
@role_required(Role.STUDENT)
def share_profile(conversation_id: int):
    body = json_body() if request.content_length else {}
    share = body.get("share", True)
    conversation = events.share_profile(conversation_id, current_user,
                                        share=share is not False)
    db.session.commit()
    return jsonify(conversation_json(conversation))


@bp.route("/events/<int:event_id>/employers", methods=["POST"])
@documented("/events/{event_id}/employers", "post",
            "Register my organization for a career fair (pending until staff approve)",
            request=FAIR_INPUT, response=FAIR, status="201",
            errors=("400", "401", "403", "404", "409", "422"),
            roles="employers of a verified organization")
@role_required(Role.EMPLOYER)
def register_organization(event_id: int):
    body = json_body()
    fair = events.register_organization(event_id, current_user, body.get("representatives"),
                                        body.get("recruiting_for") or "")
    db.session.commit()
    return jsonify(fair_json(fair)), 201


def _decide(event_id: int, organization_id: int, to: FairStatus):
    body = json_body() if request.content_length else {}
    fair = events.decide_organization(event_id, organization_id, current_user, to,
                                      body.get("table_label") or "")
    db.session.commit()
    return jsonify(fair_json(fair))


@bp.route("/events/<int:event_id>/employers/<int:organization_id>/approve", methods=["POST"])
@documented("/events/{event_id}/employers/{organization_id}/approve", "post",
            "Approve an organization for a fair (optionally with its table)",
            request=FAIR_DECISION, request_required=False, response=FAIR,
            errors=("400", "401", "403", "404", "409", "422"), roles="staff")
@role_required(Role.STAFF)
def approve_organization(event_id: int, organization_id: int):
    return _decide(event_id, organization_id, FairStatus.APPROVED)


@bp.route("/events/<int:event_id>/employers/<int:organization_id>/refuse", methods=["POST"])
@documented("/events/{event_id}/employers/{organization_id}/refuse", "post",
            "Refuse an organization's registration for a fair", request=FAIR_DECISION,
            request_required=False, response=FAIR,
            errors=("400", "401", "403", "404", "409", "422"), roles="staff")
@role_required(Role.STAFF)
def refuse_organization(event_id: int, organization_id: int):
    return _decide(event_id, organization_id, FairStatus.REFUSED)


def code_json(code) -> dict:
    return {"code": code.code, "display": events.display_code(code.code),
            "created_at": code.created_at.isoformat()}


@bp.route("/me/code")
@documented("/me/code", "get", "My check-in code (issued on first ask)", response=CODE,
            errors=("401", "403"), roles="students")
@role_required(Role.STUDENT)
def my_code():
    code = events.current_code(current_user)
    db.session.commit()
    return jsonify(code_json(code))


@bp.route("/me/code/rotate", methods=["POST"])
@documented("/me/code/rotate", "post", "Replace my check-in code with a new one",
            response=CODE, errors=("401", "403"), roles="students")
@role_required(Role.STUDENT)
def rotate_my_code():
    code = events.rotate_code(current_user)
    db.session.commit()
    return jsonify(code_json(code))
