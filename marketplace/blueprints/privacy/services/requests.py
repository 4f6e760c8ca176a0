"""Deletion requests: asked for by the person, withdrawn by them, declined by staff."""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.accounts.policies import students_in_scope
from marketplace.blueprints.notifications.services import notify
from marketplace.blueprints.privacy.models import DeletionRequest, DeletionStatus
from marketplace.blueprints.privacy.policies import (
    can_decide_deletion,
    can_request_deletion,
    can_withdraw_deletion,
)
from marketplace.core.audit import audit
from marketplace.core.db import lock_row, utcnow
from marketplace.core.errors import Conflict, InvalidTransition, NotFound, ValidationFailed
from marketplace.core.extensions import db

MAX_NOTE = 2000


def pending_request(user: User) -> DeletionRequest | None:
    """The person's request waiting for staff, if any."""
    return db.session.scalar(sa.select(DeletionRequest).where(
        DeletionRequest.user_id == user.id, DeletionRequest.status == DeletionStatus.PENDING))


def requests_of(user: User) -> list[DeletionRequest]:
    """Every request the person made, newest first."""
    return db.session.scalars(sa.select(DeletionRequest).where(
        DeletionRequest.user_id == user.id).order_by(DeletionRequest.id.desc())).all()


def deletion_queue(viewer: User) -> list[DeletionRequest]:
    """Requests waiting for staff that ``viewer`` may see (a school's staff: their
    school's students'), oldest first, with their people loaded."""
    return db.session.scalars(
        sa.select(DeletionRequest).where(DeletionRequest.status == DeletionStatus.PENDING,
                                         students_in_scope(viewer, DeletionRequest.user_id))
        .options(sa.orm.joinedload(DeletionRequest.user))
        .order_by(DeletionRequest.requested_at, DeletionRequest.id).limit(500)).all()


def recent_decisions(viewer: User, limit: int = 50) -> list[DeletionRequest]:
    """The latest decided requests ``viewer`` may see, newest first."""
    return db.session.scalars(
        sa.select(DeletionRequest).where(DeletionRequest.status != DeletionStatus.PENDING,
                                         students_in_scope(viewer, DeletionRequest.user_id))
        .options(sa.orm.joinedload(DeletionRequest.user),
                 sa.orm.joinedload(DeletionRequest.decided_by))
        .order_by(DeletionRequest.decided_at.desc(), DeletionRequest.id.desc())
        .limit(limit)).all()


def request_deletion(user: User, note: str | None = None) -> DeletionRequest:
    """Put the person's deletion request in the staff queue and tell them (in the app and
    by e-mail, so a request made from a session someone else holds is noticed).

    Flushes; audit-logged. A second request while one waits is a Conflict (a unique
    partial index decides between two at once).
    """
    if not can_request_deletion(user):
        raise NotFound("No such account.")
    note = (note or "").strip()
    if len(note) > MAX_NOTE:
        raise ValidationFailed("Keep the note under 2,000 characters.",
                               {"note": f"At most {MAX_NOTE:,} characters."})
    if pending_request(user) is not None:
        raise Conflict("Your deletion request is already with career staff.")
    request = DeletionRequest(user_id=user.id, note=note or None)
    try:
        with db.session.begin_nested():
            db.session.add(request)
            db.session.flush()
    except IntegrityError:
        raise Conflict("Your deletion request is already with career staff.") from None
    audit(user, "privacy.deletion_requested", request)
    notify(user, "deletion_requested", "We received your request to delete your account",
           "Career staff will carry it out, or tell you why not. Until then you can "
           "withdraw it from the My data page.", link="privacy.my_data")
    db.session.flush()
    return request


def decidable_request(request_id: int, by: User, status: DeletionStatus) -> DeletionRequest:
    """The request, locked; NotFound unless ``by`` may decide it, InvalidTransition unless
    it can still move to ``status`` (the loser of two decisions learns who won)."""
    request = lock_row(DeletionRequest, request_id)
    if request is None or not can_decide_deletion(by, request):
        raise NotFound("No such deletion request.")
    if not request.can_move_to(status):
        who = f" by {request.decided_by.name}" if request.decided_by else ""
        raise InvalidTransition(f"This request is already {request.status.label.lower()}{who}.")
    return request


def decline_deletion(request_id: int, by: User, reason: str) -> DeletionRequest:
    """Staff decline a request with a reason the person is told. Locks, flushes, audit-logged."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationFailed("Say why, for the person.", {"reason": "Required."})
    if len(reason) > MAX_NOTE:
        raise ValidationFailed("Keep the reason under 2,000 characters.",
                               {"reason": f"At most {MAX_NOTE:,} characters."})
    request = decidable_request(request_id, by, DeletionStatus.DECLINED)
    request.status = DeletionStatus.DECLINED
    request.decided_at = utcnow()
    request.decided_by_id = by.id
    request.decline_reason = reason
    audit(by, "privacy.deletion_declined", request, reason=reason)
    notify(request.user, "deletion_declined", "Your deletion request was declined", reason,
           link="privacy.my_data")
    db.session.flush()
    return request


def withdraw_deletion(request_id: int, user: User) -> DeletionRequest:
    """The person takes back their request while it waits. Locks, flushes, audit-logged."""
    request = lock_row(DeletionRequest, request_id)
    if request is None or not can_withdraw_deletion(user, request):
        raise NotFound("No such deletion request.")
    if not request.can_move_to(DeletionStatus.WITHDRAWN):
        raise InvalidTransition(f"This request is already {request.status.label.lower()}.")
    request.status = DeletionStatus.WITHDRAWN
    request.decided_at = utcnow()
    audit(user, "privacy.deletion_withdrawn", request)
    db.session.flush()
    return request
