"""Turning completed work into outcome evidence."""

from __future__ import annotations

from datetime import UTC, datetime, time

import sqlalchemy as sa

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    Placement,
    PlacementStatus,
)
from marketplace.blueprints.mentoring.models import Booking, BookingStatus
from marketplace.blueprints.notifications.services import notify
from marketplace.blueprints.outcomes import reviews
from marketplace.blueprints.outcomes.exports import build, purge_old_exports
from marketplace.blueprints.outcomes.models import (
    OutcomeEvidence,
    OutcomeReview,
    ReviewStatus,
    SourceKind,
)
from marketplace.blueprints.outcomes.rules import rule_for_recording, rule_key
from marketplace.blueprints.outcomes.services import evidence_withdrawn, record_evidence
from marketplace.core.db import lock_row
from marketplace.core.extensions import db
from marketplace.core.jobs import job, periodic
from marketplace.core.reference import NACE_COMPETENCIES, OUTCOMES


@job(queue="high", timeout=60, retry_intervals=(10, 60, 300))
def record_placement_evidence(placement_id: int) -> None:
    """A completed placement is evidence of Experiential Learning and of Connections, and
    its evaluation of Skills & Competencies when the ratings meet that rule.

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
                             details, occurred_at=occurred,
                             rule_version_id=rule_for_recording(
                                 rule_key(outcome, SourceKind.PLACEMENT)).id)
             for outcome in ("experiential_learning", "connections")]
    # The host's evaluation comes with the completion: Skills & Competencies by its rule.
    record_evaluation(placement, occurred)
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
    rule = rule_for_recording(rule_key("connections", SourceKind.MENTORING))
    if record_evidence(booking.student_id, "connections", SourceKind.MENTORING, booking.id,
                       details, occurred_at=booking.starts_at, rule_version_id=rule.id):
        notify(booking.student, "evidence_recorded",
               f"Your mentoring session with {slot.alumni.name} counts toward Connections",
               "It is now on your career outcomes record.", link="outcomes.my_outcomes")


# Retries stretch over about forty minutes: long enough to outlast a file store that is
# restarting or failing over, after which the outbox row waits for staff in the console.
@job(queue="low", timeout=600, retry_intervals=(30, 120, 600, 1800))
def build_export(export_id: int) -> None:
    """Build one CSV export into the store, reporting progress on its row. Safe to rerun."""
    build(export_id)


@periodic(every=3600, queue="low", timeout=300)
def purge_exports() -> int:
    """Exports hold student data: keep them a week."""
    return purge_old_exports()


# --- Outcomes from real work: evaluations, job search, reviewed plans and documents ---


def record_evaluation(placement: Placement, occurred: datetime | None) -> bool:
    """Skills & Competencies when the host's ratings meet the rule in force. Flushes.

    One row per placement (its id is the source id); safe to rerun.
    """
    rule = rule_for_recording(rule_key("skills_competencies", SourceKind.EVALUATION))
    ratings = placement.ratings or {}
    strong = sorted(key for key, value in ratings.items()
                    if type(value) is int and value >= rule.params["min_rating"])
    if len(strong) < rule.params["min_competencies"]:
        return False
    details = {"organization": placement.opportunity.organization.name,
               "competencies": [NACE_COMPETENCIES.get(key, key) for key in strong]}
    added = record_evidence(placement.student_id, "skills_competencies", SourceKind.EVALUATION,
                            placement.id, details, occurred_at=occurred,
                            rule_version_id=rule.id)
    if added:
        notify(placement.student, "evidence_recorded",
               "Your host's evaluation counts toward Skills & Competencies",
               f"{details['organization']} rated you well in {len(strong)} competencies.",
               link="outcomes.my_outcomes")
    return added


@job(queue="high", timeout=60, retry_intervals=(10, 60, 300))
def record_job_search_evidence(student_id: int) -> None:
    """Job Search once the student's applications meet the rule in force (by default
    five applications, one of which reached interviewing). One row per student (the
    student's id is the source id); safe to rerun, a second run adds nothing."""
    rule = rule_for_recording(rule_key("job_search", SourceKind.JOB_SEARCH))
    reached = sa.or_(
        Application.status.in_([ApplicationStatus.INTERVIEWING, ApplicationStatus.OFFERED,
                                ApplicationStatus.HIRED, ApplicationStatus.OFFER_DECLINED]),
        sa.exists(sa.select(ApplicationEvent.id).where(
            ApplicationEvent.application_id == Application.id,
            ApplicationEvent.status == ApplicationStatus.INTERVIEWING)))
    applications, interviewing = db.session.execute(
        sa.select(sa.func.count(Application.id),
                  sa.func.count(sa.case((reached, Application.id))))
        .where(Application.student_id == student_id)).one()
    if (applications < rule.params["min_applications"]
            or interviewing < rule.params["min_interviewing"]):
        return
    student = db.session.get(User, student_id)
    if student is None:
        return
    if record_evidence(student_id, "job_search", SourceKind.JOB_SEARCH, student_id,
                       {"applications": applications, "interviewing": interviewing},
                       rule_version_id=rule.id):
        notify(student, "evidence_recorded", "Your job search counts toward Job Search",
               f"{applications} applications, {interviewing} reaching interviews.",
               link="outcomes.my_outcomes")


@job(queue="high", timeout=60, retry_intervals=(10, 60, 300))
def record_review_evidence(review_id: int) -> None:
    """Career Design (a signed-off plan) or Articulation (an approved document): one row
    per approval (its review id is the source id). Safe to rerun; an approval already
    withdrawn when the job runs records nothing."""
    review = db.session.get(OutcomeReview, review_id)
    if review is None or review.decision is not ReviewStatus.APPROVED:
        return
    # The plan or document locked first, as a withdrawal locks it: a withdrawal decided
    # while this runs waits, and its reversing job then finds the row recorded here.
    subject = lock_row(reviews.SUBJECTS[review.subject], review.subject_id)
    if subject is None:
        return
    if db.session.scalar(sa.select(OutcomeReview.id).where(
            OutcomeReview.withdraws_id == review.id)) is not None:
        return
    outcome, kind = reviews.EVIDENCE_OF[review.subject]
    rule = rule_for_recording(rule_key(outcome, kind))
    if review.subject == reviews.PLAN:
        details = {"plan_id": subject.id, "cluster": subject.cluster, "roles": subject.roles,
                   "reviewer": review.reviewer.name}
        title = "Your career plan is signed off"
    else:
        details = {"document_id": subject.id, "kind": subject.kind.value,
                   "filename": subject.filename, "reviewer": review.reviewer.name}
        title = f"Your {subject.kind.label.lower()} is approved"
    if record_evidence(subject.student_id, outcome, kind, review.id, details,
                       occurred_at=review.created_at, rule_version_id=rule.id):
        notify(subject.student, "evidence_recorded", title,
               f"It counts toward {OUTCOMES[outcome]}." + (
                   f" {review.comment}" if review.comment else ""),
               link="outcomes.my_outcomes")


@job(queue="high", timeout=60, retry_intervals=(10, 60, 300))
def reverse_review_evidence(withdrawal_id: int) -> None:
    """A withdrawn approval: add a reversing row for the evidence it recorded (the ledger
    is append-only) and tell the student why. Safe to rerun: one reversal per row."""
    withdrawal = db.session.get(OutcomeReview, withdrawal_id)
    if (withdrawal is None or withdrawal.decision is not ReviewStatus.APPROVAL_WITHDRAWN
            or withdrawal.withdraws_id is None):
        return
    outcome, kind = reviews.EVIDENCE_OF[withdrawal.subject]
    rows = db.session.scalars(sa.select(OutcomeEvidence).where(
        OutcomeEvidence.source_kind == kind, OutcomeEvidence.reverses_id.is_(None),
        OutcomeEvidence.source_id == withdrawal.withdraws_id)).all()
    added = [reviews.reverse_evidence(row, withdrawal.id, withdrawal.comment,
                                      {"by": withdrawal.reviewer.name}) for row in rows]
    for row in rows:
        evidence_withdrawn.results(row, withdrawal.comment)
    if any(added):
        student = rows[0].student
        what = "career plan" if withdrawal.subject == reviews.PLAN else "document"
        notify(student, "evidence_reversed",
               f"Career staff withdrew the approval of your {what}",
               f"It no longer counts toward {OUTCOMES[outcome]}. Why: {withdrawal.comment}",
               link="outcomes.my_outcomes")


# --- The annual report's PDF (outcomes.annual) ---

from marketplace.blueprints.outcomes import annual  # noqa: E402 - kept with its job


@job(queue="low", timeout=300, retry_intervals=(30, 120, 600, 1800))
def build_annual_report(export_id: int) -> None:
    """Render a class's annual report as PDF (WeasyPrint) into the store and mark its
    row done. Safe to rerun: a finished report is left alone."""
    annual.build_pdf(export_id)
