"""Carrying out a deletion request: the person and what identifies them go; their
evidence stays, anonymised, so the outcome counts of past classes do not change.

Everything happens in the caller's one transaction. Stored files are removed only
after it commits (the ``delete_erased_files`` job, through the outbox); a file left
behind by a crash is removed by the resume sweep, since no row names it any more.

Status moves go through the owning domain's services (applications withdrawn,
bookings and slots cancelled, each with its notices); the columns that hold
identity, documents and messages are cleared here, in one place, so what an
erasure touches can be read in one file.
"""

from __future__ import annotations

import re

import sqlalchemy as sa

from marketplace.blueprints.accounts.models import (
    AlumniProfile,
    ApiToken,
    StudentProfile,
    User,
    UserSession,
)
from marketplace.blueprints.accounts.services import end_sessions, revoke_api_tokens
from marketplace.blueprints.accounts.sso.models import ExternalIdentity
from marketplace.blueprints.applications.models import (
    OPEN_STATUSES,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Placement,
)
from marketplace.blueprints.applications.services import move_application, resume_key
from marketplace.blueprints.credentials.services import withdraw_all as withdraw_credentials
from marketplace.blueprints.events.models import (
    CheckInCode,
    Conversation,
    Event,
    EventRegistration,
    RegistrationStatus,
)
from marketplace.blueprints.events.services import cancel_registration
from marketplace.blueprints.mentoring.models import Booking, MentoringSlot, SlotStatus
from marketplace.blueprints.mentoring.services import cancel_slot, release_bookings
from marketplace.blueprints.notifications.models import EmailDelivery, Notification
from marketplace.blueprints.opportunities.models import SavedOpportunity
from marketplace.blueprints.outcomes.documents import document_key
from marketplace.blueprints.outcomes.models import (
    CareerPlan,
    DocumentSubmission,
    FirstDestination,
    OutcomeEvidence,
    OutcomeReview,
    SourceKind,
    StaffRecord,
)
from marketplace.blueprints.outcomes.reviews import DOCUMENT, PLAN
from marketplace.blueprints.privacy.models import DeletionRequest, DeletionStatus
from marketplace.blueprints.privacy.services.requests import decidable_request
from marketplace.core.audit import audit
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.outbox import enqueue_after_commit
from marketplace.core.policies import Role
from marketplace.core.storage import storage

# What an erased person is called wherever their name was shown: a student's history
# keeps its steps ("with a former host") without saying who.
FORMER_NAME = {Role.STUDENT: "a former student", Role.EMPLOYER: "a former host",
               Role.ALUMNI: "a former host", Role.STAFF: "a former member of staff"}

# Not an argon2 hash: nothing ever verifies against it.
UNUSABLE_PASSWORD = "!erased"

ERASED_DOMAIN = "erased.invalid"  # RFC 2606: .invalid never resolves, so never delivers


def placeholder_email(user_id: int) -> str:
    """Unique (the id) and never deliverable."""
    return f"erased-{user_id}@{ERASED_DOMAIN}"


def carry_out_deletion(request_id: int, by: User) -> DeletionRequest:
    """Erase the person behind a pending request. Locks the request; flushes; no commit.

    Identity (name, e-mail, password, sign-in, sessions, tokens, campus links), documents
    (resumes), messages (cover letters, notes, reflections, agendas, notifications, e-mail
    log rows) are removed; open applications are withdrawn and upcoming bookings and
    slots cancelled with notice to the other side; outcome evidence, attainment and the
    first destination stay under the anonymised account with the profile fields the
    outcome reports group by. Audit-logged. Not safe to rerun (the request is done).
    """
    request = decidable_request(request_id, by, DeletionStatus.CARRIED_OUT)
    user = request.user
    old = [text for text in (user.name, user.email, user.personal_email) if text]
    former = FORMER_NAME[user.role]

    # The name goes first, so notices the steps below send never carry it.
    user.name = former
    db.session.flush()
    withdrawn = _withdraw_applications(user)
    released = release_bookings(user, by) if user.role is Role.STUDENT else 0
    cancelled = _cancel_future_slots(user, by)

    keys = _erase_documents_and_messages(user, former)
    keys += _erase_plans_and_reviewed_documents(user)
    credentials = withdraw_credentials(user)
    _leave_events(user)
    _erase_messages_to(user)
    _erase_identity(user)
    _scrub_others_text(old, former, user)

    request.status = DeletionStatus.CARRIED_OUT
    request.decided_at = user.erased_at
    request.decided_by_id = by.id
    request.note = None
    request.files_to_delete = keys or None
    audit(by, "privacy.erased", subject_type="user", subject_id=user.id,
          request_id=request.id, role=user.role.value, applications_withdrawn=withdrawn,
          bookings_cancelled=released, slots_cancelled=cancelled, files=len(keys),
          credentials_withdrawn=credentials)
    if keys:
        enqueue_after_commit("delete_erased_files", request.id)
    db.session.flush()
    return request


def _erase_plans_and_reviewed_documents(student: User) -> list[str]:
    """The career plan's words and the documents sent for review go (the files by the
    job that removes the erased person's files; returned as keys). What staff decided
    stays, without their comments, so the evidence it recorded keeps its source."""
    db.session.execute(sa.update(CareerPlan).where(CareerPlan.student_id == student.id)
                       .values(goals="", roles="", next_steps=[]))
    documents = db.session.scalars(sa.select(DocumentSubmission).where(
        DocumentSubmission.student_id == student.id)).all()
    keys = [document_key(d.stored_name) for d in documents]
    for document in documents:
        document.filename = "document.pdf"
    plan_ids = sa.select(CareerPlan.id).where(CareerPlan.student_id == student.id)
    document_ids = [d.id for d in documents]
    db.session.execute(sa.update(OutcomeReview).where(sa.or_(
        sa.and_(OutcomeReview.subject == PLAN, OutcomeReview.subject_id.in_(plan_ids)),
        sa.and_(OutcomeReview.subject == DOCUMENT,
                OutcomeReview.subject_id.in_(document_ids)))).values(comment=None))
    return keys


def _leave_events(student: User) -> None:
    """Places at events still to come go to the next in line; what employers noted in
    conversations with the person goes, and nothing stays shared with them."""
    upcoming = db.session.scalars(sa.select(EventRegistration.event_id).join(Event).where(
        EventRegistration.student_id == student.id, Event.starts_at > utcnow(),
        EventRegistration.status.in_([RegistrationStatus.REGISTERED,
                                      RegistrationStatus.WAITLISTED]))).all()
    for event_id in upcoming:
        cancel_registration(event_id, student)
    db.session.execute(sa.update(Conversation).where(Conversation.student_id == student.id)
                       .values(note="", shared_at=None))
    db.session.execute(sa.update(CheckInCode).where(
        CheckInCode.student_id == student.id, CheckInCode.retired_at.is_(None))
        .values(retired_at=utcnow()))


def _withdraw_applications(student: User) -> int:
    """Open applications are withdrawn as the student would (the host is told); the
    steps already taken stay in the host's and the student's history."""
    ids = db.session.scalars(sa.select(Application.id).where(
        Application.student_id == student.id,
        Application.status.in_(list(OPEN_STATUSES)))).all()
    for application_id in ids:
        move_application(application_id, ApplicationStatus.WITHDRAWN, by=student)
    return len(ids)


def _cancel_future_slots(alum: User, by: User) -> int:
    """An alum's slots still to come are cancelled: each booked student is told, with the
    calendar cancellation. Sessions already held stay in the students' history."""
    ids = db.session.scalars(sa.select(MentoringSlot.id).where(
        MentoringSlot.alumni_id == alum.id, MentoringSlot.status == SlotStatus.OPEN,
        MentoringSlot.starts_at > utcnow()).order_by(MentoringSlot.id)).all()
    for slot_id in ids:
        cancel_slot(slot_id, by)
    return len(ids)


def _erase_documents_and_messages(user: User, former: str) -> list[str]:
    """Clear what the person wrote or uploaded; return the storage keys to remove."""
    applications = db.session.scalars(sa.select(Application).where(
        Application.student_id == user.id)).all()
    keys = [resume_key(a.resume_stored_name) for a in applications if a.resume_stored_name]
    for application in applications:
        application.cover_letter = ""
        application.resume_stored_name = None
        application.resume_filename = None
        application.resume_size = None
    if applications:
        ids = [a.id for a in applications]
        # Notes on the student's own applications are about them, whoever wrote them.
        db.session.execute(sa.update(ApplicationEvent).where(
            ApplicationEvent.application_id.in_(ids)).values(note=None))
    # What the person wrote on anyone else's record (a host's note to an applicant).
    db.session.execute(sa.update(ApplicationEvent).where(
        ApplicationEvent.actor_id == user.id).values(note=None))
    # A placement's comment is the host's evaluation of the student: it is the student's
    # record, kept when the host is erased and removed when the student is.
    db.session.execute(sa.update(Placement).where(Placement.student_id == user.id)
                       .values(reflection=None, comment=None))
    db.session.execute(sa.update(Booking).where(Booking.student_id == user.id)
                       .values(agenda="", reflection=None))
    # The alum's meeting link or phone number; the topic stays in students' history.
    db.session.execute(sa.update(MentoringSlot).where(MentoringSlot.alumni_id == user.id)
                       .values(location=""))
    db.session.execute(sa.delete(SavedOpportunity).where(SavedOpportunity.user_id == user.id))

    # Evidence stays for the counts; what it said about the work goes with the person.
    db.session.execute(sa.update(OutcomeEvidence).where(OutcomeEvidence.student_id == user.id)
                       .values(details=sa.null()))
    for record in db.session.scalars(sa.select(StaffRecord).where(
            StaffRecord.student_id == user.id)):
        # Unique per (student, outcome, date, description): the id keeps it so.
        record.description = f"Details removed ({record.id})"
    db.session.execute(sa.update(FirstDestination).where(FirstDestination.student_id == user.id)
                       .values(employer=None))
    # Students' evidence of a session with an erased alum names the alum.
    booking_ids = sa.select(Booking.id).join(MentoringSlot).where(
        MentoringSlot.alumni_id == user.id)
    for row in db.session.scalars(sa.select(OutcomeEvidence).where(
            OutcomeEvidence.source_kind == SourceKind.MENTORING,
            OutcomeEvidence.source_id.in_(booking_ids))):
        if row.details and "alum" in row.details:
            row.details = {**row.details, "alum": former}
    db.session.flush()
    return keys


def _erase_messages_to(user: User) -> None:
    """The person's notifications and every logged e-mail to them (by account: an address
    may belong to someone else now or later)."""
    mine = sa.select(Notification.id).where(Notification.user_id == user.id)
    db.session.execute(sa.delete(EmailDelivery).where(sa.or_(
        EmailDelivery.notification_id.in_(mine), EmailDelivery.user_id == user.id)))
    db.session.execute(sa.delete(Notification).where(Notification.user_id == user.id))


def _erase_identity(user: User) -> None:
    """Name (already replaced), addresses, password, sign-in, sessions, tokens, campus
    links, and every profile field the outcome reports do not group by."""
    end_sessions(user)
    revoke_api_tokens(user)
    db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id)
                       .values(name="API token"))
    # Devices and addresses seen: nothing to keep once every session has ended.
    db.session.execute(sa.delete(UserSession).where(UserSession.user_id == user.id))
    db.session.execute(sa.delete(ExternalIdentity).where(ExternalIdentity.user_id == user.id))
    now = utcnow()
    user.email = placeholder_email(user.id)
    user.personal_email = user.personal_email_pending = None
    user.password_hash = UNUSABLE_PASSWORD
    user.active = False
    user.erased_at = now
    user.email_verified_at = None
    user.last_login_at = None
    student = db.session.get(StudentProfile, user.id)
    if student is not None:
        # Kept: what the outcome reports group by (reports.GROUPS: class, major, clusters,
        # first-generation, Pell). The time zone is not among them.
        student.time_zone = "America/New_York"
    alum = db.session.get(AlumniProfile, user.id)
    if alum is not None:
        alum.graduation_year = alum.employer = alum.title = alum.cluster = None
        alum.time_zone = "America/New_York"
    db.session.flush()


def _replace(text: str | None, old: list[str], new: str) -> str | None:
    if not text:
        return text
    for value in old:
        text = re.sub(rf"(?<!\w){re.escape(value)}(?!\w)", new, text)
    return text


def _scrub_others_text(old: list[str], former: str, user: User) -> None:
    """Notices the product wrote to other people name the person ("Jo Doe applied"): the
    name and addresses become the placeholder there too."""
    for value in old:
        for notification in db.session.scalars(sa.select(Notification).where(
                Notification.user_id != user.id,
                sa.or_(Notification.title.contains(value, autoescape=True),
                       Notification.body.contains(value, autoescape=True)))):
            notification.title = _replace(notification.title, old, former)[:200]
            notification.body = _replace(notification.body, old, former)
        for delivery in db.session.scalars(sa.select(EmailDelivery).where(
                EmailDelivery.subject.contains(value, autoescape=True))):
            delivery.subject = _replace(delivery.subject, old, former)[:200]
    db.session.flush()


def delete_files(request: DeletionRequest) -> int:
    """Remove the stored files an erasure left to remove, and forget them. Flushes.
    Safe to rerun: a file already gone is skipped."""
    keys = list(request.files_to_delete or [])
    for key in keys:
        storage().delete(key)
    request.files_to_delete = None
    db.session.flush()
    return len(keys)
