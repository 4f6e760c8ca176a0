"""Employers at fairs: registering an organization, staff decisions, conversations logged
by a representative, profiles students share, and the contacts an employer exports."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace.blueprints.accounts.models import OrganizationStatus, StudentProfile, User
from marketplace.blueprints.events.models import (
    Conversation,
    Event,
    EventStatus,
    FairEmployer,
    FairStatus,
)
from marketplace.blueprints.events.services.checkin import DOORS_OPEN, student_for_code
from marketplace.blueprints.notifications.services import notify
from marketplace.core.db import lock_row, utcnow
from marketplace.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed
from marketplace.core.extensions import db
from marketplace.core.outbox import enqueue_after_commit
from marketplace.core.policies import Role
from marketplace.core.reference import CAREER_CLUSTERS
from marketplace.core.text import CSV_BOM, csv_safe

NOTE_MAX = 2000
RECRUITING_MAX = 500
TABLE_MAX = 40
MAX_REPRESENTATIVES = 20
# Representatives may log conversations from their notes for a week after the fair.
LOGGING_AFTER = timedelta(days=7)

TRANSITIONS = {
    FairStatus.PENDING: {FairStatus.APPROVED, FairStatus.REFUSED},
    FairStatus.APPROVED: {FairStatus.REFUSED},
    FairStatus.REFUSED: {FairStatus.APPROVED},
}


def fair_registration(event_id: int, organization_id: int | None) -> FairEmployer | None:
    if organization_id is None:
        return None
    return db.session.scalar(sa.select(FairEmployer).where(
        FairEmployer.event_id == event_id, FairEmployer.organization_id == organization_id))


def register_organization(event_id: int, by: User, representatives: int,
                          recruiting_for: str = "") -> FairEmployer:
    """An employer registers its organization for a fair; staff decide. Flushes."""
    if by.role is not Role.EMPLOYER or by.organization is None:
        raise PermissionDenied("Only employers register their organization for a fair.")
    if by.organization.status is not OrganizationStatus.VERIFIED:
        raise PermissionDenied("Your organization must be verified by the career center "
                               "before it can attend a fair.")
    errors = {}
    if isinstance(representatives, bool) or not isinstance(representatives, int) \
            or not 1 <= representatives <= MAX_REPRESENTATIVES:
        errors["representatives"] = f"A whole number from 1 to {MAX_REPRESENTATIVES}."
    recruiting_for = (recruiting_for or "").strip()
    if len(recruiting_for) > RECRUITING_MAX:
        errors["recruiting_for"] = f"At most {RECRUITING_MAX} characters."
    if errors:
        raise ValidationFailed("Please correct the registration.", errors)
    event = db.session.get(Event, event_id)
    if event is None or event.status is EventStatus.DRAFT:
        raise NotFound("No such event.")
    if not event.is_fair:
        raise Conflict("Organizations register for career fairs only.")
    if event.status is EventStatus.CANCELLED or event.ends_at <= utcnow():
        raise Conflict("This fair is cancelled or over.")
    if fair_registration(event.id, by.organization_id) is not None:
        raise Conflict("Your organization is already registered for this fair.")
    fair = FairEmployer(event_id=event.id, organization_id=by.organization_id,
                        representatives=representatives, recruiting_for=recruiting_for,
                        registered_by_id=by.id, status=FairStatus.PENDING)
    try:
        with db.session.begin_nested():
            db.session.add(fair)
    except IntegrityError:
        raise Conflict("Your organization is already registered for this fair.") from None
    return fair


def decide_organization(event_id: int, organization_id: int, by: User, to: FairStatus,
                        table_label: str = "") -> FairEmployer:
    """Staff approve or refuse an organization at a fair (and give it a table). Locks the
    registration row; an illegal move is a Conflict naming the current state. Flushes."""
    if by.role is not Role.STAFF:
        raise PermissionDenied("Only career staff decide on fair registrations.")
    table_label = (table_label or "").strip()
    if len(table_label) > TABLE_MAX:
        raise ValidationFailed("Please correct the table.",
                               {"table_label": f"At most {TABLE_MAX} characters."})
    found = fair_registration(event_id, organization_id)
    if found is None:
        raise NotFound("This organization has not registered for this fair.")
    fair = lock_row(FairEmployer, found.id)
    if to not in TRANSITIONS[fair.status]:
        raise Conflict(f"This registration is already {fair.status.label.lower()}.")
    fair.status = to
    fair.decided_at = utcnow()
    fair.decided_by_id = by.id
    if table_label:
        fair.table_label = table_label
    db.session.flush()
    if fair.registered_by_id:
        contact = db.session.get(User, fair.registered_by_id)
        approved = to is FairStatus.APPROVED
        notify(contact, "fair_registration_decided",
               f"{'Approved' if approved else 'Not approved'}: {fair.event.title}",
               ("Your organization is confirmed for the fair"
                + (f", at table {fair.table_label}" if fair.table_label else "") + ". "
                "Scan students' codes there to log your conversations.") if approved else
               "The career center could not confirm your organization for this fair.",
               link="events.show_event", event_id=fair.event_id)
    return fair


def can_log(event: Event, user: User) -> bool:
    """An employer whose verified organization is approved for this fair."""
    if user.role is not Role.EMPLOYER or user.organization is None:
        return False
    if user.organization.status is not OrganizationStatus.VERIFIED:
        return False
    fair = fair_registration(event.id, user.organization_id)
    return fair is not None and fair.status is FairStatus.APPROVED


def log_conversation(event_id: int, code_text: str | None, by: User, note: str | None = None,
                     follow_up: bool | None = None) -> tuple[Conversation, bool]:
    """A representative logs a conversation with the student whose code they scanned.

    One conversation per (student, organization, event): logging again updates the note
    and the follow-up flag. The first one records Connections evidence through the outbox
    (``record_event_evidence``). Returns (conversation, created). Flushes.
    """
    event = db.session.get(Event, event_id)
    if event is None or event.status is EventStatus.DRAFT:
        raise NotFound("No such event.")
    if not can_log(event, by):
        raise PermissionDenied("Only organizations approved for this fair log "
                               "conversations at it.")
    now = utcnow()
    if event.status is EventStatus.CANCELLED or not (
            event.starts_at - DOORS_OPEN <= now <= event.ends_at + LOGGING_AFTER):
        raise Conflict("Conversations are logged from the day before the fair until a "
                       "week after it.")
    if note is not None and not isinstance(note, str):
        raise ValidationFailed("The note must be text.", {"note": "Must be text."})
    note = (note or "").strip() if note is not None else None
    if note and len(note) > NOTE_MAX:
        raise ValidationFailed(f"Keep the note under {NOTE_MAX:,} characters.",
                               {"note": f"At most {NOTE_MAX:,} characters."})
    student = student_for_code(code_text)
    organization_id = by.organization_id
    existing = _conversation(event.id, student.id, organization_id)
    created = False
    if existing is None:
        conversation = Conversation(event_id=event.id, student_id=student.id,
                                    organization_id=organization_id, representative_id=by.id,
                                    note=note or "", follow_up=bool(follow_up))
        try:
            with db.session.begin_nested():
                db.session.add(conversation)
            created = True
        except IntegrityError:  # a colleague logged the same student a moment ago
            existing = _conversation(event.id, student.id, organization_id)
    if not created:
        conversation = existing
        if note is not None:
            conversation.note = note
        if follow_up is not None:
            conversation.follow_up = bool(follow_up)
        conversation.updated_at = now
    db.session.flush()
    if created:
        enqueue_after_commit("record_event_evidence", conversation.id)
        notify(student, "event_conversation",
               f"You met {by.organization.name} at {event.title}",
               "Share your profile with them from the event page if you would like them "
               "to follow up.", link="events.show_event", event_id=event.id)
    return conversation, created


def _conversation(event_id: int, student_id: int, organization_id: int) -> Conversation | None:
    return db.session.scalar(sa.select(Conversation).where(
        Conversation.event_id == event_id, Conversation.student_id == student_id,
        Conversation.organization_id == organization_id))


def share_profile(conversation_id: int, student: User, share: bool = True) -> Conversation:
    """The student shares (or stops sharing) their profile with an organization they met.
    Flushes."""
    conversation = db.session.get(Conversation, conversation_id)
    if conversation is None or conversation.student_id != student.id:
        raise NotFound("No such conversation.")
    if share and conversation.shared_at is None:
        conversation.shared_at = utcnow()
    elif not share:
        conversation.shared_at = None
    db.session.flush()
    return conversation


def contacts_csv(event: Event, organization_id: int) -> str:
    """The organization's fair contacts as CSV: only students who shared their profile.
    Every text cell is formula-safe."""
    rows = db.session.execute(
        sa.select(Conversation, User, StudentProfile)
        .join(User, User.id == Conversation.student_id)
        .outerjoin(StudentProfile, StudentProfile.user_id == User.id)
        .where(Conversation.event_id == event.id,
               Conversation.organization_id == organization_id,
               Conversation.shared_at.is_not(None))
        .order_by(Conversation.created_at, Conversation.id)).all()
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["name", "email", "graduation_year", "major", "career_clusters",
                     "met_at", "follow_up", "note"])
    for conversation, user, profile in rows:
        clusters = "; ".join(CAREER_CLUSTERS.get(key, key) for key in
                             (profile.clusters if profile else []))
        writer.writerow([csv_safe(value) if isinstance(value, str) else value for value in (
            user.name, user.email, profile.graduation_year if profile else "",
            (profile.major or "") if profile else "", clusters,
            conversation.created_at.isoformat(timespec="minutes"),
            "yes" if conversation.follow_up else "no", conversation.note)])
    return CSV_BOM + out.getvalue()
