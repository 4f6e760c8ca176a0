"""Postings: create, edit, submit, review, publish, close, expire; organization vetting."""

from __future__ import annotations

import statistics
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from marketplace.blueprints.accounts.models import (
    Organization,
    OrganizationStatus,
    OrganizationType,
    User,
)
from marketplace.blueprints.accounts.policies import staff_school_limit
from marketplace.blueprints.notifications.services import notify
from marketplace.blueprints.opportunities import hooks
from marketplace.blueprints.opportunities.audience import (
    checked_school_ids,
    is_open_to,
    open_to_school,
)
from marketplace.blueprints.opportunities.models import (
    EDITABLE,
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    SavedOpportunity,
)
from marketplace.blueprints.opportunities.policies import can_manage_opportunity
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
from marketplace.core.policies import Role

# Fields whose change sends a published posting back to review.
MATERIAL_FIELDS = ("title", "description", "kind", "paid", "pay_min", "pay_max", "pay_period")


EDITABLE_FIELDS = ("title", "kind", "description", "location", "work_mode", "paid", "pay_min",
                   "pay_max", "pay_period", "hours_per_week", "start_date", "end_date",
                   "application_deadline", "positions", "career_cluster", "skills")


FREE_MAIL_DOMAINS = frozenset({
    "gmail.com", "googlemail.com", "yahoo.com", "ymail.com", "hotmail.com", "outlook.com",
    "live.com", "msn.com", "aol.com", "icloud.com", "me.com", "proton.me", "protonmail.com",
    "gmx.com", "gmx.net", "mail.com", "yandex.com", "zoho.com",
})


SCAM_PHRASES = ("commission only", "commission-only", "gift card", "wire transfer",
                "upfront fee", "up-front fee", "processing fee", "cash a check", "crypto wallet")


def risk_flags(opportunity: Opportunity, contact: User | None) -> list[str]:
    """What a reviewer should look at twice. Computed at each submission."""
    flags = []
    domain = (contact.email.rsplit("@", 1)[-1].lower() if contact else "")
    if domain in FREE_MAIL_DOMAINS:
        flags.append(f"Contact uses a free e-mail domain ({domain})")
    if (opportunity.kind is OpportunityKind.INTERNSHIP and not opportunity.paid
            and opportunity.organization.type is OrganizationType.COMPANY):
        flags.append("Unpaid internship at a for-profit company")
    if opportunity.paid and opportunity.pay_min is None:
        flags.append("Paid, but no pay information")
    text = f"{opportunity.title}\n{opportunity.description}".lower()
    for phrase in SCAM_PHRASES:
        if phrase in text:
            flags.append(f'Mentions "{phrase}"')
    if opportunity.application_deadline and opportunity.application_deadline < institution_today():
        flags.append("Application deadline already past")
    return flags


def _check_fields(values: dict) -> None:
    errors = {}
    if values.get("paid") and values.get("pay_min") is not None \
            and values.get("pay_max") is not None and values["pay_max"] < values["pay_min"]:
        errors["pay_max"] = "The top of the pay range is below the bottom."
    if values.get("start_date") and values.get("end_date") \
            and values["end_date"] < values["start_date"]:
        errors["end_date"] = "The end date is before the start date."
    if errors:
        raise ValidationFailed("Please correct the highlighted fields.", errors)


def create_opportunity(organization: Organization, by: User, **values) -> Opportunity:
    """A new draft for ``organization``; ``school_ids``: the schools it is open to (none:
    every school). Flushes."""
    _check_fields(values)
    if "school_ids" in values:
        values["school_ids"] = checked_school_ids(values["school_ids"])
    if not values.get("paid"):
        values.update(pay_min=None, pay_max=None, pay_period=None)
    opportunity = Opportunity(organization=organization, created_by=by,
                              status=OpportunityStatus.DRAFT, **values)
    db.session.add(opportunity)
    db.session.flush()
    return opportunity


def update_opportunity(opportunity: Opportunity, by: User, **values) -> bool:
    """Apply edits. A material change to a published posting sends it back to review;
    the schools it is open to (``school_ids``) are not one (a change to them bumps the
    catalog version by trigger, so kept pages of results are retired).

    Returns True when the posting went back to review. Flushes.
    """
    if opportunity.status not in EDITABLE:
        raise InvalidTransition(f"A {opportunity.status.label.lower()} posting cannot be edited; "
                                "duplicate it to post it again.")
    merged = {field: getattr(opportunity, field) for field in EDITABLE_FIELDS} | values
    _check_fields(merged)
    if "school_ids" in values:
        values["school_ids"] = checked_school_ids(values["school_ids"])
    new_kind = values.get("kind")
    if new_kind is not None and new_kind != opportunity.kind \
            and opportunity.status is not OpportunityStatus.DRAFT \
            and opportunity.status is not OpportunityStatus.REJECTED:
        if any(hooks.kind_is_fixed.results()):
            # The fee depends on the kind: a different kind is a different posting.
            raise ValidationFailed("The kind cannot change once a posting is submitted; "
                                   "duplicate it as a new posting instead.",
                                   {"kind": "Fixed once submitted."})
    if not merged.get("paid"):
        values.update(pay_min=None, pay_max=None, pay_period=None)
    material = any(field in values and values[field] != getattr(opportunity, field)
                   for field in MATERIAL_FIELDS)
    for field, value in values.items():
        setattr(opportunity, field, value)
    back_to_review = False
    if opportunity.status is OpportunityStatus.PUBLISHED and material \
            and not opportunity.organization.trusted:
        opportunity.status = OpportunityStatus.PENDING_REVIEW
        opportunity.submitted_at = utcnow()
        opportunity.risk_flags = risk_flags(opportunity, by)
        audit(by, "opportunity.resubmitted", opportunity, reason="material change")
        back_to_review = True
    elif opportunity.status is OpportunityStatus.PENDING_REVIEW:
        opportunity.risk_flags = risk_flags(opportunity, by)
    db.session.flush()
    return back_to_review


def duplicate_opportunity(opportunity: Opportunity, by: User) -> Opportunity:
    """A new draft with the same details. Flushes."""
    values = {field: getattr(opportunity, field) for field in EDITABLE_FIELDS}
    values["skills"] = list(values["skills"] or [])
    values["application_deadline"] = None  # the old one is usually past
    values["school_ids"] = opportunity.school_ids
    copy = Opportunity(organization_id=opportunity.organization_id, created_by=by,
                       status=OpportunityStatus.DRAFT, **values)
    db.session.add(copy)
    db.session.flush()
    return copy


def _move(opportunity: Opportunity, status: OpportunityStatus) -> None:
    if not opportunity.can_move_to(status):
        raise InvalidTransition(
            f"This posting is {opportunity.status.label.lower()} and cannot become "
            f"{status.label.lower()}.")
    opportunity.status = status


def submit_opportunity(opportunity: Opportunity, by: User) -> OpportunityStatus:
    """Send a draft (or rejected) posting to review; a trusted organization's is published.

    Computes the risk flags. Flushes. Returns the new status.
    """
    if by.role is Role.EMPLOYER and not by.email_verified:
        raise PermissionDenied(
            f"Confirm your e-mail address first: open the link we sent to {by.email} "
            "(your home page can send it again). Your draft is saved.")
    missing = {}
    if not opportunity.application_deadline:
        missing["application_deadline"] = "Set an application deadline before submitting."
    if not (opportunity.description or "").strip():
        missing["description"] = "Describe the opportunity before submitting."
    if opportunity.work_mode.value != "remote" and not (opportunity.location or "").strip():
        missing["location"] = "Say where the work happens."
    if missing:
        raise ValidationFailed("A few details are needed before review.", missing)
    if opportunity.status not in (OpportunityStatus.DRAFT, OpportunityStatus.REJECTED):
        raise InvalidTransition(f"This posting is {opportunity.status.label.lower()}: only a "
                                "draft or a rejected posting can be submitted.")
    # A fee first: the payment row is committed before Stripe is called, and
    # the posting waits for the authorization (payments.reconcile moves it on).
    payment = hooks.submission_fee.first(opportunity, by)
    opportunity.risk_flags = risk_flags(opportunity, by)
    opportunity.submitted_at = utcnow()
    if payment is not None:
        _move(opportunity, OpportunityStatus.AWAITING_PAYMENT)
        audit(by, "opportunity.awaiting_payment", opportunity, payment_id=payment.id,
              amount_cents=payment.amount_cents)
    elif publish_trusted(opportunity):
        audit(by, "opportunity.auto_published", opportunity,
              reason="trusted organization: published without review",
              risk_flags=opportunity.risk_flags)
    else:
        _move(opportunity, OpportunityStatus.PENDING_REVIEW)
        audit(by, "opportunity.submitted", opportunity, risk_flags=opportunity.risk_flags)
    db.session.flush()
    return opportunity.status


def publish_trusted(opportunity: Opportunity) -> bool:
    """Publish at once a verified, trusted organization's posting. True if it did."""
    organization = opportunity.organization
    if not (organization.trusted and organization.status is OrganizationStatus.VERIFIED):
        return False
    _move(opportunity, OpportunityStatus.PUBLISHED)
    opportunity.published_at = opportunity.published_at or utcnow()
    opportunity.decided_at = utcnow()
    return True


# --- fees: billing reports on a posting's fee, opportunities move the posting ---

def fee_authorized(opportunity: Opportunity, payment_id: int) -> OpportunityStatus | None:
    """The fee of a posting waiting for it is authorized: on to review, or published at
    once for a trusted organization. Returns the new status, or None when the posting
    was not waiting for its fee. Flushes nothing."""
    if opportunity.status is not OpportunityStatus.AWAITING_PAYMENT:
        return None
    opportunity.submitted_at = utcnow()
    audit(None, "opportunity.payment_authorized", opportunity, payment_id=payment_id)
    if not publish_trusted(opportunity):
        _move(opportunity, OpportunityStatus.PENDING_REVIEW)
    return opportunity.status


def fee_lapsed(opportunity: Opportunity) -> bool:
    """The fee's authorization ended before staff decided: the posting waits for a new
    one. True when the posting was waiting (for review or its fee)."""
    if opportunity.status is OpportunityStatus.PENDING_REVIEW:
        _move(opportunity, OpportunityStatus.AWAITING_PAYMENT)
        return True
    return opportunity.status is OpportunityStatus.AWAITING_PAYMENT


def fee_failed(opportunity: Opportunity) -> bool:
    """The fee was never authorized: a posting waiting for it goes back to draft.
    True when it did."""
    if opportunity.status is not OpportunityStatus.AWAITING_PAYMENT:
        return False
    _move(opportunity, OpportunityStatus.DRAFT)
    return True


def extend_feature(opportunity: Opportunity, days: int) -> None:
    """Feature a posting ``days`` more, from now or from the end of its current feature."""
    start = max(opportunity.featured_until or utcnow(), utcnow())
    opportunity.featured_until = start + timedelta(days=days)


def lock_opportunity(opportunity_id: int) -> Opportunity:
    """Load a posting for a decision, locked against a concurrent decision."""
    opportunity = lock_row(Opportunity, opportunity_id)
    if opportunity is None:
        raise NotFound("No such posting.")
    return opportunity


def _already_decided(opportunity: Opportunity) -> Conflict:
    who = opportunity.decided_by.name if opportunity.decided_by else "someone else"
    return Conflict(f"“{opportunity.title}” was already decided ({opportunity.status.label}) "
                    f"by {who}. Nothing was changed.")


def _reviewable_by(opportunity: Opportunity, by: User) -> None:
    """A school's staff decide the postings open to their school (or to every school):
    another school's do not exist for them, as in their queue."""
    school_id = staff_school_limit(by)
    if school_id is not None and not is_open_to(opportunity, school_id):
        raise NotFound("No such posting.")


def approve_opportunity(opportunity_id: int, by: User) -> Opportunity:
    """Publish a posting waiting for review; tell the employer. Locks, flushes."""
    opportunity = lock_opportunity(opportunity_id)
    _reviewable_by(opportunity, by)
    if opportunity.status is not OpportunityStatus.PENDING_REVIEW:
        raise _already_decided(opportunity)
    if opportunity.organization.status is not OrganizationStatus.VERIFIED:
        raise Conflict("Verify the organization before approving its postings.")
    _move(opportunity, OpportunityStatus.PUBLISHED)
    now = utcnow()
    opportunity.published_at = opportunity.published_at or now
    opportunity.decided_at = now
    opportunity.decided_by_id = by.id
    opportunity.rejection_reason = None
    audit(by, "opportunity.approved", opportunity)
    hooks.posting_decided.results(opportunity, approved=True)  # billing captures a fee
    if opportunity.created_by:
        notify(opportunity.created_by, "opportunity_approved",
               f"Your posting “{opportunity.title}” is live",
               "Students can now find it and apply.", link="opportunities.show_opportunity",
               opportunity_id=opportunity.id)
    db.session.flush()
    return opportunity


def reject_opportunity(opportunity_id: int, by: User, reason: str) -> Opportunity:
    """Reject a posting waiting for review, with a reason the employer sees. Locks, flushes."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Give the employer a reason for the rejection.",
                               {"reason": "Required."})
    opportunity = lock_opportunity(opportunity_id)
    _reviewable_by(opportunity, by)
    if opportunity.status is not OpportunityStatus.PENDING_REVIEW:
        raise _already_decided(opportunity)
    _move(opportunity, OpportunityStatus.REJECTED)
    opportunity.decided_at = utcnow()
    opportunity.decided_by_id = by.id
    opportunity.rejection_reason = reason[:2000]
    audit(by, "opportunity.rejected", opportunity, reason=opportunity.rejection_reason)
    # Billing releases an authorized fee: never charged.
    hooks.posting_decided.results(opportunity, approved=False)
    if opportunity.created_by:
        notify(opportunity.created_by, "opportunity_rejected",
               f"Your posting “{opportunity.title}” needs changes", reason,
               link="opportunities.edit_opportunity", opportunity_id=opportunity.id)
    db.session.flush()
    return opportunity


def close_opportunity(opportunity: Opportunity, by: User) -> None:
    """Stop taking applications (employer or staff). Flushes."""
    _move(opportunity, OpportunityStatus.CLOSED)
    opportunity.closed_at = utcnow()
    audit(by, "opportunity.closed", opportunity)
    db.session.flush()


def expire_opportunities() -> int:
    """Expire published postings whose deadline has passed. Safe to rerun. Returns the count."""
    result = db.session.execute(
        sa.update(Opportunity)
        .where(Opportunity.status == OpportunityStatus.PUBLISHED,
               Opportunity.application_deadline < institution_today())
        .values(status=OpportunityStatus.EXPIRED, closed_at=utcnow()))
    return result.rowcount


def review_queue(limit: int = 200, school_id: int | None = None) -> list[Opportunity]:
    """Postings waiting for a decision: first those the hooks put first (billing: whose
    fee authorization expires first), then the oldest. With ``school_id`` (a school's
    staff), those open to that school or to every school only."""
    first = [key for keys in hooks.review_order.results() for key in keys]
    audience = sa.true() if school_id is None else open_to_school(school_id)
    return db.session.scalars(
        sa.select(Opportunity).where(Opportunity.status == OpportunityStatus.PENDING_REVIEW,
                                     audience)
        .options(sa.orm.joinedload(Opportunity.organization),
                 sa.orm.joinedload(Opportunity.created_by),
                 sa.orm.selectinload(Opportunity.school_rows))
        .order_by(*first, Opportunity.submitted_at, Opportunity.id)
        .limit(limit)).all()


def median_wait_this_month() -> timedelta | None:
    """Median time from submission to decision, for decisions made this month."""
    start = datetime.now(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    rows = db.session.execute(
        sa.select(Opportunity.submitted_at, Opportunity.decided_at).where(
            Opportunity.decided_at >= start, Opportunity.decided_by_id.is_not(None),
            Opportunity.submitted_at.is_not(None))).all()
    waits = [(decided - submitted).total_seconds() for submitted, decided in rows]
    return timedelta(seconds=statistics.median(waits)) if waits else None


def toggle_saved(opportunity: Opportunity, student: User) -> bool:
    """Save or unsave a posting for a student. Returns True when it is now saved. Flushes."""
    if student.role is not Role.STUDENT:
        raise PermissionDenied("Only students save postings.")
    existing = db.session.get(SavedOpportunity, (student.id, opportunity.id))
    if existing:
        db.session.delete(existing)
        db.session.flush()
        return False
    db.session.add(SavedOpportunity(user_id=student.id, opportunity_id=opportunity.id))
    db.session.flush()
    return True


def get_managed_opportunity(opportunity_id: int, user: User) -> Opportunity:
    opportunity = db.session.get(Opportunity, opportunity_id)
    if opportunity is None or not can_manage_opportunity(user, opportunity):
        raise NotFound("No such posting.")
    return opportunity
