"""Career plans, the staff review of plans and documents, and reversing evidence.

A student writes a plan (goals, a target cluster and roles, three dated next steps);
staff sign it off or ask for changes with a comment. Submitted documents go through the
same decisions. An approval is evidence (recorded by a job through the outbox); a
withdrawn approval adds a reversing row to the ledger, never deletes one.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta

import sqlalchemy as sa

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.notifications.services import notify
from marketplace.blueprints.outcomes.models import (
    REVIEW_MOVES,
    CareerPlan,
    DocumentSubmission,
    OutcomeEvidence,
    OutcomeReview,
    ReviewStatus,
    SourceKind,
    StudentAttainment,
)
from marketplace.blueprints.outcomes.policies import can_review, can_view_plan
from marketplace.blueprints.outcomes.services import counts_as_evidence
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
from marketplace.core.extensions import db, insert_or_ignore
from marketplace.core.outbox import enqueue_after_commit
from marketplace.core.policies import Role
from marketplace.core.reference import CAREER_CLUSTERS

STEPS = 3
MAX_GOALS = 4000
MAX_ROLES = 300
MAX_STEP = 300
MAX_COMMENT = 2000

PLAN, DOCUMENT = "career_plan", "document"
SUBJECTS = {PLAN: CareerPlan, DOCUMENT: DocumentSubmission}
# The outcome and source kind an approval of each subject is evidence of.
EVIDENCE_OF = {PLAN: ("career_design", SourceKind.CAREER_PLAN),
               DOCUMENT: ("articulation", SourceKind.DOCUMENT_REVIEW)}


def _text(value, field: str, label: str, errors: dict, minimum: int, maximum: int) -> str:
    if value is None:
        value = ""
    if not isinstance(value, str):
        errors[field] = f"{label} must be text."
        return ""
    value = value.strip()
    if len(value) < minimum:
        errors[field] = (f"Write your {label.lower()}." if not value else
                         f"Write at least {minimum} characters.")
    elif len(value) > maximum:
        errors[field] = f"Keep it under {maximum} characters (now {len(value)})."
    return value


def parse_plan(values: dict, today: date | None = None) -> dict:
    """Check a plan's fields: ``goals``, ``cluster``, ``roles`` and ``step_1..3`` with
    ``due_1..3`` (dates as ``date`` or ``YYYY-MM-DD``). One clear message per field."""
    today = today or institution_today()
    errors: dict[str, str] = {}
    goals = _text(values.get("goals"), "goals", "Goals", errors, 10, MAX_GOALS)
    roles = _text(values.get("roles"), "roles", "Target roles", errors, 2, MAX_ROLES)
    cluster = values.get("cluster")
    if not isinstance(cluster, str) or cluster not in CAREER_CLUSTERS:
        errors["cluster"] = "Choose a career cluster."
    steps = []
    for n in range(1, STEPS + 1):
        step = _text(values.get(f"step_{n}"), f"step_{n}", f"Next step {n}", errors, 3,
                     MAX_STEP)
        due = values.get(f"due_{n}")
        if isinstance(due, str):
            try:
                due = date.fromisoformat(due.strip()) if due.strip() else None
            except ValueError:
                errors[f"due_{n}"] = "Use a date like 2027-03-31."
                due = None
        if isinstance(due, datetime) or (due is not None and not isinstance(due, date)):
            errors[f"due_{n}"] = "Use a date like 2027-03-31."
        elif due is None:
            errors.setdefault(f"due_{n}", f"Give next step {n} a date.")
        elif due < today:
            errors[f"due_{n}"] = "Choose a date from today on."
        elif due > today + timedelta(days=5 * 366):
            errors[f"due_{n}"] = "Choose a date within five years."
        steps.append({"step": step, "due": due.isoformat() if isinstance(due, date) else ""})
    if errors:
        raise ValidationFailed("Please correct your career plan.", errors)
    return {"goals": goals, "roles": roles, "cluster": cluster, "next_steps": steps}


def plan_of(student_id: int) -> CareerPlan | None:
    return db.session.scalar(sa.select(CareerPlan).where(CareerPlan.student_id == student_id))


def submit_plan(student: User, values: dict) -> CareerPlan:
    """Write or rewrite the student's plan and put it in the staff queue. Flushes.

    A plan waiting for review is updated in place (it keeps its place in the queue); one
    sent back or whose approval was withdrawn goes to the back of the queue again; a
    signed-off plan is a Conflict (staff withdraw the sign-off first).
    """
    if student.role is not Role.STUDENT:
        raise PermissionDenied("Only students write career plans.")
    fields = parse_plan(values)
    plan = plan_of(student.id)
    if plan is not None:
        plan = lock_row(CareerPlan, plan.id)
    if plan is None:
        plan = CareerPlan(student_id=student.id, **fields)
        try:
            with db.session.begin_nested():  # the same first plan sent twice at once
                db.session.add(plan)
        except sa.exc.IntegrityError:
            raise Conflict("Your plan was just saved from another window: open it again "
                           "to see it.") from None
    elif plan.status is ReviewStatus.APPROVED:
        raise Conflict("Your plan is signed off. Talk to career staff if it should change.")
    else:
        for name, value in fields.items():
            setattr(plan, name, value)
        if plan.status is not ReviewStatus.SUBMITTED:
            plan.status, plan.submitted_at = ReviewStatus.SUBMITTED, utcnow()
    db.session.flush()
    return plan


def load_subject(subject: str, subject_id: int, user: User):
    """The plan or document, if ``user`` may see it (else NotFound: no hint it exists)."""
    model = SUBJECTS.get(subject)
    row = db.session.get(model, subject_id) if model else None
    if row is None or not can_view_plan(user, row):
        raise NotFound("No such career plan." if subject == PLAN else "No such document.")
    return row


def decide(subject: str, subject_id: int, decision: ReviewStatus, comment: str | None,
           by: User) -> OutcomeReview:
    """Staff decide on a plan or a document: approve, ask for changes, or withdraw an
    approval. Flushes.

    The row is locked, so two decisions at once make one move and a Conflict. An
    approval queues ``record_review_evidence``; a withdrawal queues
    ``reverse_review_evidence`` (a reversing row; nothing is deleted). Changes requested
    and withdrawals need a comment: the student is told why.
    """
    if not can_review(by):
        raise PermissionDenied("Only career staff review plans and documents.")
    if subject not in SUBJECTS:
        raise NotFound("No such review.")
    comment = (comment or "").strip()
    if decision is not ReviewStatus.APPROVED and not comment:
        raise ValidationFailed("Tell the student what to change or why.",
                               {"comment": "Write a comment for the student."})
    if len(comment) > MAX_COMMENT:
        raise ValidationFailed(f"Keep the comment under {MAX_COMMENT} characters.",
                               {"comment": f"At most {MAX_COMMENT} characters."})
    row = lock_row(SUBJECTS[subject], subject_id)
    if row is None or not can_view_plan(by, row):  # another school's student: not there
        raise NotFound("No such career plan." if subject == PLAN else "No such document.")
    if decision not in REVIEW_MOVES.get(row.status, frozenset()):
        raise InvalidTransition(f"This is {row.status.label.lower()}; it cannot be "
                                f"{decision.label.lower()} now.")
    review = OutcomeReview(subject=subject, subject_id=row.id, decision=decision,
                           comment=comment or None, reviewer_id=by.id)
    if decision is ReviewStatus.APPROVAL_WITHDRAWN:
        review.withdraws_id = db.session.scalar(
            sa.select(OutcomeReview.id).where(
                OutcomeReview.subject == subject, OutcomeReview.subject_id == row.id,
                OutcomeReview.decision == ReviewStatus.APPROVED)
            .order_by(OutcomeReview.id.desc()).limit(1))
    row.status = decision
    db.session.add(review)
    db.session.flush()
    audit(by, f"{subject}.{decision.value}", row, reason=comment or None)
    what = "career plan" if subject == PLAN else row.kind.label.lower()
    if decision is ReviewStatus.APPROVED:
        enqueue_after_commit("record_review_evidence", review.id)
    elif decision is ReviewStatus.APPROVAL_WITHDRAWN:
        enqueue_after_commit("reverse_review_evidence", review.id)
    else:
        notify(row.student, "review_update", f"Career staff asked for changes to your {what}",
               comment, link="outcomes.edit_career_plan" if subject == PLAN
               else "outcomes.my_documents")
    db.session.flush()
    return review


def reviews_of(subject: str, ids: list[int]) -> dict[int, list[OutcomeReview]]:
    """Each subject's decisions, newest first: one query."""
    out: dict[int, list[OutcomeReview]] = {i: [] for i in ids}
    if ids:
        for review in db.session.scalars(
                sa.select(OutcomeReview).where(OutcomeReview.subject == subject,
                                               OutcomeReview.subject_id.in_(ids))
                .order_by(OutcomeReview.id.desc())):
            out[review.subject_id].append(review)
    return out


def refresh_attainment(student_id: int, outcome: str) -> None:
    """Set the student's first date for ``outcome`` from the rows that still count. Flushes."""
    when = sa.func.coalesce(OutcomeEvidence.occurred_at, OutcomeEvidence.recorded_at)
    first = db.session.scalar(sa.select(sa.func.min(when)).where(
        OutcomeEvidence.student_id == student_id, OutcomeEvidence.outcome == outcome,
        counts_as_evidence()))
    upsert = insert_or_ignore(StudentAttainment).values({"student_id": student_id,
                                                         outcome: first})
    db.session.execute(upsert.on_conflict_do_update(index_elements=["student_id"],
                                                    set_={outcome: first}))
    db.session.flush()


def reverse_evidence(row: OutcomeEvidence, withdrawal_id: int, reason: str | None,
                     details: dict) -> bool:
    """Add the row that takes ``row`` back (its source id: the withdrawal), unless there is
    one; recount the student's attainment. Returns True when a reversal was added.
    Flushes; safe to rerun (one reversal per row: ``reverses_id`` is unique)."""
    statement = insert_or_ignore(OutcomeEvidence).values(
        student_id=row.student_id, outcome=row.outcome, source_kind=row.source_kind.value,
        source_id=withdrawal_id, recorded_at=utcnow(), occurred_at=utcnow(),
        details={"reason": reason, **details}, rule_version_id=None,
        reverses_id=row.id).on_conflict_do_nothing()
    added = db.session.execute(statement.returning(OutcomeEvidence.id)).first() is not None
    if added:
        refresh_attainment(row.student_id, row.outcome)
    return added


def wait_text(since: datetime, now: datetime | None = None) -> str:
    """How long an item has waited, as people say it: "45 minutes", "3 hours", "2 days"."""
    seconds = max(0, int(((now or utcnow()) - since).total_seconds()))
    for size, unit in ((86400, "day"), (3600, "hour"), (60, "minute")):
        if seconds >= size:
            n = seconds // size
            return f"{n} {unit}{'s' if n != 1 else ''}"
    return "just now"


# The outcome a student is pointed at next, first missing first: the steps they can take
# alone come before those that need a host.
NEXT_OUTCOME_ORDER = ("career_design", "articulation", "connections", "job_search",
                      "experiential_learning", "skills_competencies")


def split_reversed(rows: list[OutcomeEvidence]) -> tuple[list[OutcomeEvidence],
                                                         list[tuple[OutcomeEvidence,
                                                                    OutcomeEvidence]]]:
    """A student's ledger as they read it: the rows that count, and (row, its reversal)
    for each row taken back."""
    reversal_of = {r.reverses_id: r for r in rows if r.reverses_id is not None}
    counting = [r for r in rows if r.reverses_id is None and r.id not in reversal_of]
    withdrawn = [(r, reversal_of[r.id]) for r in rows if r.id in reversal_of]
    return counting, withdrawn
