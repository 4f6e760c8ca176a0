"""The notification centre: every logged-in user's own messages."""

from __future__ import annotations

import sqlalchemy as sa
from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_login import current_user

from marketplace.blueprints.notifications.forms import MarkReadForm
from marketplace.blueprints.notifications.models import Notification
from marketplace.blueprints.notifications.policies import can_read_notification
from marketplace.blueprints.notifications.services import mark_read
from marketplace.core.extensions import db
from marketplace.core.policies import Role, role_required
from marketplace.core.urls import safe_next

bp = Blueprint("notifications", __name__)


@bp.route("/notifications/")
@role_required(*Role)
def list_notifications():
    notifications = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == current_user.id)
        .order_by(Notification.id.desc()).limit(100)).all()
    return render_template("notifications/list.html", notifications=notifications,
                           form=MarkReadForm())


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@role_required(*Role)
def read_notification(notification_id: int):
    if not MarkReadForm().validate_on_submit():
        abort(400)
    notification = db.session.get(Notification, notification_id)
    if notification is None or not can_read_notification(current_user, notification):
        abort(404)
    mark_read(current_user, notification_id)
    db.session.commit()
    target = safe_next(notification.link) if request.form.get("open") else None
    return redirect(target or url_for("notifications.list_notifications"))


@bp.route("/notifications/read-all", methods=["POST"])
@role_required(*Role)
def read_all_notifications():
    if not MarkReadForm().validate_on_submit():
        abort(400)
    mark_read(current_user)
    db.session.commit()
    return redirect(url_for("notifications.list_notifications"))
