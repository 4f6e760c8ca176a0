"""Applying, moving through the pipeline, placements, and logging who looked."""

from __future__ import annotations

import csv
import io
import re
import unicodedata
import uuid
from datetime import timedelta
from typing import BinaryIO

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from werkzeug.datastructures import FileStorage

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.applications.hooks import placement_needs_consent
from marketplace.blueprints.applications.models import (
    EMPLOYER_MOVES,
    PLACEMENT_MOVES,
    STUDENT_MOVES,
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Placement,
    PlacementStatus,
    RecordAccess,
)
from marketplace.blueprints.applications.policies import (
    can_complete_placement,
    can_view_application,
)
from marketplace.blueprints.notifications.services import notify
from marketplace.blueprints.opportunities.models import Opportunity
from marketplace.blueprints.opportunities.policies import (
    can_manage_opportunity,
    can_view_opportunity,
)
from marketplace.core.audit import audit
from marketplace.core.clock import institution_today
from marketplace.core.db import lock_row, utcnow
from marketplace.core.errors import (
    Conflict,
    InvalidTransition,
    NotFound,
    PermissionDenied,
    ValidationFailed,
)
from marketplace.core.extensions import db
from marketplace.core.outbox import enqueue_after_commit
from marketplace.core.policies import Role
from marketplace.core.reference import NACE_COMPETENCIES
from marketplace.core.storage import (
    StorageUnavailable,
    discard_unless_committed,
    storage,
    stored_files,
    sweep_unreferenced,
)
from marketplace.core.text import CSV_BOM, csv_safe, reflection_text

MAX_RESUME_BYTES = 5 * 1024 * 1024


MAX_COVER_LETTER = 10_000


def resume_key(stored_name: str) -> str:
    """Where a resume lives in the store (``marketplace.core.storage``)."""
    return f"resumes/{stored_name}"


def display_name(filename: str | None) -> str:
    """The student's file name, safe to show: no path, no control characters, bounded."""
    name = (filename or "resume.pdf").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in unicodedata.normalize("NFC", name)
                   if unicodedata.category(ch)[0] != "C")
    name = re.sub(r"\s+", " ", name).strip(" .") or "resume"
    # The file is a PDF whatever it was called: never hand out another extension.
    stem = name[:-4] if name.lower().endswith(".pdf") else name
    return (stem.strip(" .") or "resume")[:190] + ".pdf"


UPLOAD_FAILED = "We could not save your file just now; please try again."


def store_resume(upload: FileStorage) -> tuple[str, str, int]:
    """Check an uploaded resume by its content and keep it under a generated name.

    Returns (stored name, display name, size). Raises ValidationFailed for an
    empty, oversized or non-PDF file, StorageUnavailable when the store does not
    answer; nothing is written then. The file goes again should the transaction
    that is to name it not commit.
    """
    data = upload.stream.read(MAX_RESUME_BYTES + 1)
    if not data:
        raise ValidationFailed("The resume file is empty.", {"resume": "The file is empty."})
    if len(data) > MAX_RESUME_BYTES:
        raise ValidationFailed("Resumes can be at most 5 MB.", {"resume": "At most 5 MB."})
    if not data.startswith(b"%PDF-") or b"%%EOF" not in data[-2048:]:
        raise ValidationFailed("The resume must be a PDF file (save or export it as PDF).",
                               {"resume": "Not a PDF file."})
    # A generated name: the key carries nothing of the student or their file name.
    stored = f"{uuid.uuid4().hex}.pdf"
    try:
        storage().put(resume_key(stored), data)
    except StorageUnavailable as error:
        raise StorageUnavailable(UPLOAD_FAILED, {"resume": UPLOAD_FAILED}) from error
    discard_unless_committed(resume_key(stored))
    return stored, display_name(upload.filename), len(data)


@stored_files("resumes")
def referenced_resumes(names: list[str]) -> set[str]:
    """Of these stored resume names, the ones an application refers to."""
    return set(db.session.scalars(sa.select(Application.resume_stored_name).where(
        Application.resume_stored_name.in_(names))))


def sweep_unreferenced_resumes(older_than: timedelta = timedelta(hours=1)) -> int:
    """Delete stored resumes no application refers to: left by a request that failed after
    writing its file (its commit failed, its process died). Only files older than an
    hour, so an application still being saved keeps its file. Returns how many.
    (The hourly ``sweep_stored_files`` job does this for every area of the store.)"""
    return sweep_unreferenced("resumes", older_than)


def open_resume(application: Application) -> BinaryIO | None:
    """The application's resume for reading, or None when it has none (or lost it)."""
    if not application.resume_stored_name:
        return None
    try:
        return storage().open(resume_key(application.resume_stored_name))
    except FileNotFoundError:
        return None


def apply(opportunity: Opportunity, student: User, cover_letter: str,
          resume: FileStorage | None = None) -> Application:
    """Apply to a public posting before its deadline. One application per posting.

    Stores the resume first and removes it again if the application cannot be
    saved, so nothing is left half-written. Notifies the posting's contact. Flushes.
    """
    if student.role is not Role.STUDENT:
        raise PermissionDenied("Only students apply.")
    # Public, and open to every school or to the student's (issue 19).
    if not can_view_opportunity(student, opportunity):
        raise NotFound("No such posting.")
    if opportunity.application_deadline and opportunity.application_deadline < \
            institution_today():
        raise Conflict("The deadline for this posting has passed.")
    cover_letter = (cover_letter or "").strip()
    if len(cover_letter) > MAX_COVER_LETTER:
        raise ValidationFailed("The cover letter is too long.",
                               {"cover_letter": f"At most {MAX_COVER_LETTER} characters."})
    stored = None
    application = Application(opportunity=opportunity, student=student,
                              cover_letter=cover_letter)
    if resume is not None and resume.filename:
        stored, application.resume_filename, application.resume_size = store_resume(resume)
        application.resume_stored_name = stored
    try:
        with db.session.begin_nested():
            db.session.add(application)
            db.session.flush()
    except IntegrityError:
        if stored:
            storage().delete(resume_key(stored))
        raise Conflict("You have already applied to this posting.") from None
    except Exception:
        if stored:  # nothing half-written: the file goes with the row that failed
            storage().delete(resume_key(stored))
        raise
    application.events.append(ApplicationEvent(status=ApplicationStatus.SUBMITTED,
                                               actor_id=student.id))
    # Outcomes decides whether the search now counts as Job Search evidence.
    enqueue_after_commit("record_job_search_evidence", student.id)
    if opportunity.created_by:
        notify(opportunity.created_by, "application_received",
               f"New applicant for “{opportunity.title}”",
               f"{student.name} applied.",
               link="applications.list_applicants", opportunity_id=opportunity.id)
    db.session.flush()
    return application


def allowed_moves(application: Application, user: User) -> frozenset[ApplicationStatus]:
    """The steps ``user`` may take now: the student's own, or the hiring organization's."""
    if user.role is Role.STUDENT and user.id == application.student_id:
        return STUDENT_MOVES.get(application.status, frozenset())
    if user.role is Role.EMPLOYER and can_manage_opportunity(user, application.opportunity):
        return EMPLOYER_MOVES.get(application.status, frozenset())
    return frozenset()


def offers_and_hires(opportunity_id: int) -> int:
    return db.session.scalar(sa.select(sa.func.count(Application.id)).where(
        Application.opportunity_id == opportunity_id,
        Application.status.in_([ApplicationStatus.OFFERED, ApplicationStatus.HIRED])))


def move_application(application_id: int, status: ApplicationStatus, by: User,
                     note: str | None = None, confirm_over_positions: bool = False
                     ) -> Application:
    """Move an application one step (SPEC's table); ``hired`` creates the placement.

    An offer beyond the posting's positions (counting offers out and hires)
    needs ``confirm_over_positions``. The row is locked first, so two
    concurrent accepts of one offer make one placement: the second finds the
    application already hired. Flushes.
    """
    application = lock_row(Application, application_id)
    if application is None or not can_view_application(by, application):
        raise NotFound("No such application.")
    if by.role is Role.STAFF:
        raise PermissionDenied("Career staff see applications but do not move them; the "
                               "employer and the student do.")
    if status not in allowed_moves(application, by):
        raise InvalidTransition(
            f"This application is {application.status.label.lower()}; it cannot become "
            f"{status.label.lower()} now.")
    if status is ApplicationStatus.OFFERED and not confirm_over_positions:
        # Two offers at once must not both see a free position: hold the posting
        # (PostgreSQL; SQLite's write lock already covers the whole database).
        db.session.execute(sa.select(Opportunity.id).where(
            Opportunity.id == application.opportunity_id).with_for_update())
        taken = offers_and_hires(application.opportunity_id)
        if taken >= application.opportunity.positions:
            raise Conflict(
                f"This posting has {application.opportunity.positions} position"
                f"{'s' if application.opportunity.positions != 1 else ''} and {taken} offer"
                f"{'s' if taken != 1 else ''} or hire{'s' if taken != 1 else ''} already. "
                "Confirm to make another offer anyway.",
                {"confirm_over_positions": "Confirm to offer beyond the positions."})
    application.status = status
    application.events.append(ApplicationEvent(status=status, actor_id=by.id,
                                               note=(note or "").strip()[:2000] or None))
    if status is ApplicationStatus.HIRED:
        placement = Placement(application=application, student_id=application.student_id,
                              opportunity_id=application.opportunity_id)
        db.session.add(placement)
        db.session.flush()
        # A minor's placement starts waiting for consent (schools answers, and writes
        # the request in this transaction): it never exists as active without it.
        if any(placement_needs_consent.results(placement)):
            placement.status = PlacementStatus.AWAITING_CONSENT
    _tell_the_other_side(application, status, by, note)
    if status in (ApplicationStatus.INTERVIEWING, ApplicationStatus.OFFERED,
                  ApplicationStatus.HIRED):
        enqueue_after_commit("record_job_search_evidence", application.student_id)
    db.session.flush()
    return application


def _tell_the_other_side(application: Application, status: ApplicationStatus, by: User,
                         note: str | None) -> None:
    title = application.opportunity.title
    if by.id == application.student_id:
        contact = application.opportunity.created_by
        if contact:
            notify(contact, "application_update",
                   f"{application.student.name}: {status.label.lower()} for “{title}”",
                   link="applications.list_applicants",
                   opportunity_id=application.opportunity_id)
    else:
        messages = {
            ApplicationStatus.REVIEWING: "is being reviewed",
            ApplicationStatus.INTERVIEWING: "moved to interviews",
            ApplicationStatus.OFFERED: "has an offer for you",
            ApplicationStatus.DECLINED: "was not selected",
        }
        notify(application.student, "application_update",
               f"Your application for “{title}” {messages.get(status, status.label.lower())}",
               note or "", link="applications.show_own_application",
               application_id=application.id)


def record_access(viewer: User, application: Application, what: str) -> None:
    """Log a view or download of a student's record by anyone but the student. Flushes."""
    if viewer.id == application.student_id:
        return
    db.session.add(RecordAccess(viewer_id=viewer.id, student_id=application.student_id,
                                application_id=application.id, what=what))
    db.session.flush()


def record_profile_access(viewer: User, student: User) -> None:
    """Log a look at a student's whole page of records (applications, placements,
    bookings, evidence) as a view with no application: ``what`` is "profile". Flushes."""
    if viewer.id == student.id:
        return
    db.session.add(RecordAccess(viewer_id=viewer.id, student_id=student.id,
                                application_id=None, what="profile"))
    db.session.flush()


def record_list_access(viewer: User, applications: list[Application]) -> None:
    """Log one reading of a list of students' applications: one entry for the request,
    with the ids (the staff access log shows it), not one row per application."""
    ids = [a.id for a in applications if a.student_id != viewer.id]
    if ids:
        audit(viewer, "applications.listed", subject_type="user", subject_id=viewer.id,
              application_ids=ids)


def complete_placement(placement_id: int, by: User, hours: float, start_date=None,
                       end_date=None, ratings: dict | None = None,
                       comment: str | None = None, early_reason: str | None = None
                       ) -> Placement:
    """The host confirms the work was done; evidence follows through the outbox. Flushes.

    Locks the placement; a placement already completed or cancelled is a conflict.
    Work cannot be done before its first day (the given start, else the posting's):
    only staff may confirm it earlier, with a reason that goes to the audit log.
    """
    placement = lock_row(Placement, placement_id)
    if placement is None or not can_complete_placement(by, placement):
        raise NotFound("No such placement.")
    errors = {}
    if not isinstance(hours, int | float) or isinstance(hours, bool) or not 0.5 <= hours <= 2000:
        errors["hours"] = "Enter the hours worked (0.5 to 2000)."
    ratings = ratings or {}
    bad = [key for key, value in ratings.items()
           if key not in NACE_COMPETENCIES or type(value) is not int or not 1 <= value <= 4]
    if bad:
        errors["ratings"] = "Rate competencies from 1 to 4: " + ", ".join(map(str, bad[:8]))
    if start_date and end_date and end_date < start_date:
        errors["end_date"] = "The end date is before the start date."
    first_day = start_date or placement.start_date or placement.opportunity.start_date
    early_reason = (early_reason or "").strip()[:2000]
    early = first_day is not None and first_day > institution_today()
    if early and not (by.role is Role.STAFF and early_reason):
        errors["start_date"] = (
            f"The placement starts {first_day:%b %d, %Y}: confirm it once the work is done."
            + (" Staff may confirm it early with a reason." if by.role is Role.STAFF else ""))
    if errors:
        raise ValidationFailed("Please correct the completion details.", errors)
    _mark_completed(placement, by.id, hours, start_date, end_date, ratings, comment)
    if early:
        audit(by, "placement.completed_early", placement, reason=early_reason,
              first_day=first_day.isoformat())
    db.session.flush()
    return placement


def _mark_completed(placement: Placement, by_id: int | None, hours: float, start_date,
                    end_date, ratings: dict | None, comment: str | None) -> None:
    """The one way a placement becomes completed: only an active one, and its evidence
    follows through the outbox (``record_placement_evidence``)."""
    if placement.status is PlacementStatus.AWAITING_CONSENT:
        raise Conflict("This placement is waiting for a parent's or guardian's consent; it "
                       "cannot be completed before it has started.")
    if placement.status is not PlacementStatus.ACTIVE:
        raise Conflict(f"This placement is already {placement.status.value}.")
    placement.status = PlacementStatus.COMPLETED
    placement.hours = float(hours)
    if by_id is not None:  # the host's form gives the dates; the supervisor's does not
        placement.start_date, placement.end_date = start_date, end_date
    placement.ratings = ratings or None
    placement.comment = (comment or "").strip()[:4000] or None
    placement.completed_at = utcnow()
    placement.completed_by_id = by_id
    enqueue_after_commit("record_placement_evidence", placement.id)


def complete_placement_by_supervisor(placement_id: int, hours: float, ratings: dict,
                                     comment: str | None) -> Placement:
    """The host's supervisor (no account; schools checked their signed link) gave the
    final evaluation: the placement completes as the host's confirmation completes it,
    with the same evidence job. Locks the placement; raises Conflict unless active.
    Flushes."""
    placement = lock_row(Placement, placement_id)
    if placement is None:
        raise NotFound("No such placement.")
    bad = [key for key, value in (ratings or {}).items()
           if key not in NACE_COMPETENCIES or type(value) is not int or not 1 <= value <= 4]
    if bad or not isinstance(hours, int | float) or isinstance(hours, bool) \
            or not 0.5 <= hours <= 2000:
        raise ValidationFailed("Please correct the evaluation.",
                               {"ratings" if bad else "hours": "Out of range."})
    _mark_completed(placement, None, hours, None, None, ratings, comment)
    db.session.flush()
    return placement


def move_placement(placement_id: int, status: PlacementStatus, reason: str) -> Placement:
    """Start a placement that waited for consent, or cancel one (consent refused), by
    the transition table. Locks the placement first, so a consent and a completion or a
    second consent at the same moment are applied one after the other; an illegal move
    raises InvalidTransition. ``reason`` goes to the audit log. Flushes."""
    placement = lock_row(Placement, placement_id)
    if placement is None:
        raise NotFound("No such placement.")
    if status not in PLACEMENT_MOVES.get(placement.status, frozenset()) \
            or status is PlacementStatus.COMPLETED:
        raise InvalidTransition(f"This placement is {placement.status.label.lower()}; it "
                                f"cannot become {status.label.lower()} now.")
    placement.status = status
    audit(None, f"placement.{status.value}", placement, reason=reason[:200])
    db.session.flush()
    return placement


def set_supervisor(placement_id: int, by: User, name: str, email: str) -> Placement:
    """The host names the placement's supervisor (name and e-mail; no account needed).
    Only the hosting organization, while the placement is not over. Flushes."""
    placement = lock_row(Placement, placement_id)
    if placement is None or not can_manage_opportunity(by, placement.opportunity):
        raise NotFound("No such placement.")
    if placement.status not in (PlacementStatus.AWAITING_CONSENT, PlacementStatus.ACTIVE):
        raise Conflict(f"This placement is {placement.status.value}; its supervisor stays.")
    placement.supervisor_name = name.strip()[:120]
    placement.supervisor_email = email.strip().lower()[:254]
    db.session.flush()
    return placement


def add_reflection(placement: Placement, student: User, text: str) -> None:
    """The student's own words on what they learned. Flushes."""
    if placement.student_id != student.id:
        raise NotFound("No such placement.")
    if placement.status is not PlacementStatus.COMPLETED:
        raise Conflict("You can add a reflection once the host confirms the placement.")
    placement.reflection = reflection_text(text)
    db.session.flush()


def decline_many(application_ids: list[int], by: User, note: str | None) -> tuple[int, list[str]]:
    """Decline several applications with one message, committing each one on its own so
    one that moved meanwhile does not stop the others. Returns (declined, problems)."""
    declined, problems = 0, []
    for application_id in application_ids[:500]:
        try:
            move_application(application_id, ApplicationStatus.DECLINED, by, note)
            db.session.commit()
            declined += 1
        except (Conflict, NotFound) as error:
            db.session.rollback()
            problems.append(error.message)
    return declined, problems


def applicants_csv(opportunity: Opportunity, by: User) -> str:
    """The posting's applicants as CSV (the employer's own data); each export is logged."""
    applications = db.session.scalars(
        sa.select(Application).where(Application.opportunity_id == opportunity.id)
        .order_by(Application.created_at)).all()
    buffer = io.StringIO(CSV_BOM)
    buffer.seek(0, io.SEEK_END)
    writer = csv.writer(buffer)
    writer.writerow(["application_id", "name", "email", "status", "applied_at",
                     "resume_file", "cover_letter"])
    for application in applications:
        writer.writerow([application.id, csv_safe(application.student.name),
                         csv_safe(application.student.email), application.status.value,
                         application.created_at.isoformat(),
                         csv_safe(application.resume_filename or ""),
                         csv_safe(application.cover_letter)])
        record_access(by, application, "export")
    return buffer.getvalue()
