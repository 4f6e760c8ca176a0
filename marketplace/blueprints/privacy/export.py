"""Everything the product holds about one person, as one JSON document.

Read-only. Files appear as links to the routes that serve them to this person after
checking who asks, never as contents or storage keys; secrets (the password hash,
token and session digests) never appear. Every section is always present (an empty
list or null when it does not apply to the person's role), so a reader can tell "none"
from "not exported".
"""

from __future__ import annotations

from datetime import date, datetime

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import joinedload, selectinload

from marketplace.blueprints.accounts.models import ApiToken, User, UserSession
from marketplace.blueprints.accounts.sso.models import ExternalIdentity
from marketplace.blueprints.applications.models import Application, Placement, RecordAccess
from marketplace.blueprints.billing.models import Payment
from marketplace.blueprints.credentials.models import Credential, RecordShare
from marketplace.blueprints.events.models import Conversation, EventRegistration
from marketplace.blueprints.mentoring.models import Booking, MentoringSlot
from marketplace.blueprints.notifications.models import EmailDelivery, Notification
from marketplace.blueprints.opportunities.models import Opportunity, SavedOpportunity
from marketplace.blueprints.outcomes.models import (
    CareerPlan,
    DocumentSubmission,
    ExportJob,
    FirstDestination,
    OutcomeEvidence,
    OutcomeReview,
    StaffRecord,
    StudentAttainment,
)
from marketplace.blueprints.privacy.models import DeletionRequest
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.models import AuditEntry
from marketplace.core.reference import OUTCOMES
from marketplace.core.urls import path_for

FORMAT = "career-connections-personal-data"

SECTIONS = (
    "account", "profile", "clusters", "organization", "applications", "placements",
    "bookings", "mentoring_slots", "saved_opportunities", "postings", "notifications",
    "emails", "outcome_evidence", "attainment", "staff_records", "first_destination",
    "api_tokens", "sessions", "campus_sign_in", "record_access", "payments",
    "audit_entries", "exports", "deletion_requests", "credentials", "record_shares",
    "event_registrations", "event_conversations", "career_plan", "documents",
)


def _when(value: datetime | date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _link(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"] + path_for(endpoint, **values)


def _rows(statement) -> list:
    return db.session.scalars(statement).all()


def _who(actor: User | None, user: User) -> str:
    """Who did something on the person's record, as the person may know it."""
    if actor is None:
        return "the system"
    if actor.id == user.id:
        return "you"
    if actor.organization is not None:
        return f"{actor.name} ({actor.organization.name})"
    return f"{actor.name} ({actor.role.label.lower()})"


def personal_data(user: User) -> dict:
    """The person's whole record. Reads only."""
    document = {"format": FORMAT, "version": 1, "generated_at": _when(utcnow()),
                "person_id": user.id}
    document.update(_account(user))
    document.update(_applications(user))
    document.update(_mentoring(user))
    document.update(_marketplace(user))
    document.update(_outcomes(user))
    document.update(_credentials(user))
    document.update(_events(user))
    document.update(_plans_and_documents(user))
    document.update(_access(user))
    return document


def _plans_and_documents(user: User) -> dict:
    """The career plan as written and the documents sent for review, each with what staff
    decided and said (the files themselves are downloaded from the documents page)."""
    plan = db.session.scalar(sa.select(CareerPlan).where(CareerPlan.student_id == user.id))
    documents = _rows(sa.select(DocumentSubmission).where(
        DocumentSubmission.student_id == user.id).order_by(DocumentSubmission.id))

    def decisions(subject: str, subject_id: int) -> list:
        return [{"decision": r.decision.value, "comment": r.comment, "at": _when(r.created_at)}
                for r in _rows(sa.select(OutcomeReview).where(
                    OutcomeReview.subject == subject, OutcomeReview.subject_id == subject_id)
                    .order_by(OutcomeReview.id))]

    return {
        "career_plan": None if plan is None else {
            "goals": plan.goals, "cluster": plan.cluster, "roles": plan.roles,
            "next_steps": plan.next_steps, "status": plan.status.value,
            "submitted_at": _when(plan.submitted_at), "reviews": decisions("career_plan", plan.id)},
        "documents": [{"kind": d.kind.value, "filename": d.filename, "size": d.size,
                       "status": d.status.value, "submitted_at": _when(d.submitted_at),
                       "reviews": decisions("document", d.id)} for d in documents],
    }


def _events(user: User) -> dict:
    """Events the person registered for, and the conversations employers logged with them
    at fairs (with the employer's note: it is about them)."""
    registrations = _rows(sa.select(EventRegistration).where(
        EventRegistration.student_id == user.id).order_by(EventRegistration.id))
    conversations = _rows(sa.select(Conversation).where(Conversation.student_id == user.id)
                          .order_by(Conversation.id))
    return {
        "event_registrations": [{"event": r.event.title, "starts_at": _when(r.event.starts_at),
                                 "status": r.status.value, "checked_in_at":
                                 _when(r.checked_in_at), "walk_in": r.walk_in}
                                for r in registrations],
        "event_conversations": [{"event": c.event.title, "organization": c.organization.name,
                                 "note": c.note, "follow_up": c.follow_up,
                                 "profile_shared_at": _when(c.shared_at),
                                 "logged_at": _when(c.created_at)} for c in conversations],
    }


def _credentials(user: User) -> dict:
    """The credentials issued to the person (each as signed) and their record's links
    (when made, whether stopped; the links themselves are not kept)."""
    credentials = _rows(sa.select(Credential).where(Credential.student_id == user.id)
                        .order_by(Credential.id))
    shares = _rows(sa.select(RecordShare).where(RecordShare.student_id == user.id)
                   .order_by(RecordShare.id))
    return {
        "credentials": [{"outcome": c.outcome, "issued_at": _when(c.issued_at),
                         "status": c.status, "revoked_reason": c.revoked_reason,
                         "shared": c.shared, "jwt": c.jwt} for c in credentials],
        "record_shares": [{"created_at": _when(s.created_at),
                           "stopped_at": _when(s.revoked_at)} for s in shares],
    }


def _account(user: User) -> dict:
    student, alum = user.student_profile, user.alumni_profile
    profile = None
    if student is not None:
        profile = {"kind": "student", "graduation_year": student.graduation_year,
                   "major": student.major, "first_generation": student.first_generation,
                   "pell_eligible": student.pell_eligible, "time_zone": student.time_zone}
    elif alum is not None:
        profile = {"kind": "alumni", "graduation_year": alum.graduation_year,
                   "employer": alum.employer, "title": alum.title, "cluster": alum.cluster,
                   "time_zone": alum.time_zone}
    organization = user.organization
    return {
        "account": {"id": user.id, "email": user.email, "personal_email": user.personal_email,
                    "name": user.name, "role": user.role.value, "active": user.active,
                    "created_at": _when(user.created_at),
                    "last_login_at": _when(user.last_login_at),
                    "email_verified_at": _when(user.email_verified_at)},
        "profile": profile,
        "clusters": student.clusters if student is not None else [],
        "organization": organization and {
            "id": organization.id, "name": organization.name, "type": organization.type.value,
            "website": organization.website, "status": organization.status.value},
    }


def _resume(application: Application) -> dict | None:
    if not application.resume_stored_name:
        return None
    return {"filename": application.resume_filename, "size": application.resume_size,
            "download": _link("privacy.download_my_resume", application_id=application.id)}


def _applications(user: User) -> dict:
    applications = _rows(
        sa.select(Application).where(Application.student_id == user.id)
        .options(joinedload(Application.opportunity).joinedload(Opportunity.organization),
                 selectinload(Application.events)).order_by(Application.id))
    placements = _rows(sa.select(Placement).where(Placement.student_id == user.id)
                       .order_by(Placement.id))
    return {
        "applications": [{
            "id": a.id, "opportunity_id": a.opportunity_id, "title": a.opportunity.title,
            "organization": a.opportunity.organization.name, "status": a.status.value,
            "cover_letter": a.cover_letter, "resume": _resume(a),
            "created_at": _when(a.created_at), "updated_at": _when(a.updated_at),
            "events": [{"status": e.status.value, "at": _when(e.created_at),
                        "by": _who(e.actor, user), "note": e.note} for e in a.events],
        } for a in applications],
        "placements": [{
            "id": p.id, "application_id": p.application_id, "status": p.status.value,
            "hours": p.hours, "start_date": _when(p.start_date), "end_date": _when(p.end_date),
            "ratings": p.ratings, "host_comment": p.comment, "reflection": p.reflection,
            "completed_at": _when(p.completed_at), "created_at": _when(p.created_at),
        } for p in placements],
    }


def _mentoring(user: User) -> dict:
    bookings = _rows(sa.select(Booking).where(Booking.student_id == user.id)
                     .options(joinedload(Booking.slot).joinedload(MentoringSlot.alumni))
                     .order_by(Booking.id))
    slots = _rows(sa.select(MentoringSlot).where(MentoringSlot.alumni_id == user.id)
                  .options(selectinload(MentoringSlot.bookings)).order_by(MentoringSlot.id))
    return {
        "bookings": [{
            "id": b.id, "slot_id": b.slot_id, "mentor": b.slot.alumni.name,
            "topic": b.slot.topic, "status": b.status.value, "starts_at": _when(b.starts_at),
            "ends_at": _when(b.ends_at), "agenda": b.agenda, "reflection": b.reflection,
            "created_at": _when(b.created_at), "cancelled_at": _when(b.cancelled_at),
        } for b in bookings],
        # The alum's own slots; the students who booked them are theirs to keep private.
        "mentoring_slots": [{
            "id": s.id, "starts_at": _when(s.starts_at), "duration_minutes": s.duration_minutes,
            "time_zone": s.time_zone, "capacity": s.capacity, "mode": s.mode.value,
            "location": s.location, "topic": s.topic, "career_cluster": s.career_cluster,
            "status": s.status.value, "created_at": _when(s.created_at),
            "bookings": [{"status": b.status.value} for b in s.bookings],
        } for s in slots],
    }


def _marketplace(user: User) -> dict:
    saved = db.session.execute(
        sa.select(SavedOpportunity, Opportunity.title).join(
            Opportunity, Opportunity.id == SavedOpportunity.opportunity_id)
        .where(SavedOpportunity.user_id == user.id)
        .order_by(SavedOpportunity.created_at)).all()
    postings = _rows(sa.select(Opportunity).where(Opportunity.created_by_id == user.id)
                     .order_by(Opportunity.id))
    notifications = _rows(sa.select(Notification).where(Notification.user_id == user.id)
                          .order_by(Notification.id))
    # By the account, never by address: an address may have been someone else's before.
    emails = _rows(sa.select(EmailDelivery).where(EmailDelivery.user_id == user.id)
                   .order_by(EmailDelivery.id))
    payments = _rows(sa.select(Payment).where(Payment.created_by_id == user.id)
                     .order_by(Payment.id))
    return {
        "saved_opportunities": [{"opportunity_id": row.opportunity_id, "title": title,
                                 "saved_at": _when(row.created_at)} for row, title in saved],
        "postings": [{"id": o.id, "title": o.title, "status": o.status.value,
                      "created_at": _when(o.created_at)} for o in postings],
        "notifications": [{"id": n.id, "kind": n.kind, "title": n.title, "body": n.body,
                           "link": n.link, "created_at": _when(n.created_at),
                           "read_at": _when(n.read_at)} for n in notifications],
        "emails": [{"to": e.to_address, "subject": e.subject, "status": e.status.value,
                    "at": _when(e.created_at)} for e in emails],
        "payments": [{"id": p.id, "opportunity_id": p.opportunity_id, "item": p.item,
                      "amount_cents": p.amount_cents, "currency": p.currency,
                      "status": p.status.value, "receipt_url": p.receipt_url,
                      "created_at": _when(p.created_at)} for p in payments],
    }


def _outcomes(user: User) -> dict:
    evidence = _rows(sa.select(OutcomeEvidence).where(OutcomeEvidence.student_id == user.id)
                     .order_by(OutcomeEvidence.id))
    attainment = db.session.get(StudentAttainment, user.id)
    records = _rows(sa.select(StaffRecord).where(StaffRecord.student_id == user.id)
                    .order_by(StaffRecord.id))
    destination = db.session.scalar(sa.select(FirstDestination).where(
        FirstDestination.student_id == user.id))
    return {
        "outcome_evidence": [{"outcome": e.outcome, "source_kind": e.source_kind.value,
                              "source_id": e.source_id, "recorded_at": _when(e.recorded_at),
                              "occurred_at": _when(e.occurred_at), "details": e.details}
                             for e in evidence],
        "attainment": attainment and {key: _when(getattr(attainment, key)) for key in OUTCOMES},
        "staff_records": [{"outcome": r.outcome, "occurred_on": _when(r.occurred_on),
                           "description": r.description, "created_at": _when(r.created_at)}
                          for r in records],
        "first_destination": destination and {
            "category": destination.category.value, "employer": destination.employer,
            "recorded_on": _when(destination.recorded_on)},
    }


def _access(user: User) -> dict:
    tokens = _rows(sa.select(ApiToken).where(ApiToken.user_id == user.id).order_by(ApiToken.id))
    sessions = _rows(sa.select(UserSession).where(UserSession.user_id == user.id)
                     .order_by(UserSession.id))
    identities = _rows(sa.select(ExternalIdentity).where(ExternalIdentity.user_id == user.id)
                       .options(joinedload(ExternalIdentity.provider))
                       .order_by(ExternalIdentity.id))
    looked = _rows(sa.select(RecordAccess).where(RecordAccess.student_id == user.id)
                   .options(joinedload(RecordAccess.viewer).joinedload(User.organization))
                   .order_by(RecordAccess.id))
    audit = _rows(sa.select(AuditEntry).where(sa.or_(
        sa.and_(AuditEntry.subject_type == "user", AuditEntry.subject_id == user.id),
        AuditEntry.actor_id == user.id)).options(joinedload(AuditEntry.actor))
        .order_by(AuditEntry.id))
    exports = _rows(sa.select(ExportJob).where(ExportJob.created_by_id == user.id)
                    .order_by(ExportJob.id))
    requests = _rows(sa.select(DeletionRequest).where(DeletionRequest.user_id == user.id)
                     .order_by(DeletionRequest.id))
    return {
        "api_tokens": [{"name": t.name, "created_at": _when(t.created_at),
                        "last_used_at": _when(t.last_used_at), "expires_at": _when(t.expires_at)}
                       for t in tokens],
        "sessions": [{"device": s.user_agent, "created_at": _when(s.created_at),
                      "last_seen_at": _when(s.last_seen_at)} for s in sessions],
        "campus_sign_in": [{"provider": i.provider.display_name, "subject": i.subject,
                            "linked_at": _when(i.created_at),
                            "last_used_at": _when(i.last_used_at)} for i in identities],
        "record_access": [{"viewer": _who(r.viewer, user), "what": r.what,
                           "application_id": r.application_id, "at": _when(r.created_at)}
                          for r in looked],
        "audit_entries": [{"action": e.action, "subject_type": e.subject_type,
                           "subject_id": e.subject_id, "by": _who(e.actor, user),
                           "reason": e.reason, "at": _when(e.created_at)} for e in audit],
        "exports": [{"id": x.id, "kind": x.kind, "status": x.status.value,
                     "created_at": _when(x.created_at),
                     "download": _link("outcomes.download_export", export_id=x.id)
                     if x.filename else None} for x in exports],
        "deletion_requests": [{"id": r.id, "status": r.status.value, "note": r.note,
                               "requested_at": _when(r.requested_at),
                               "decided_at": _when(r.decided_at),
                               "decline_reason": r.decline_reason} for r in requests],
    }
