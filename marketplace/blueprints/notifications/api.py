"""API: my notifications, a page at a time, and marking them read."""

from __future__ import annotations

import sqlalchemy as sa
from flask import abort, jsonify
from flask_login import current_user

from marketplace.blueprints.notifications.models import Notification
from marketplace.blueprints.notifications.policies import can_read_notification
from marketplace.blueprints.notifications.services import mark_read
from marketplace.core.api import bp
from marketplace.core.api.openapi import documented, schema
from marketplace.core.api.views import PAGE_PARAMETERS, page_of
from marketplace.core.extensions import db
from marketplace.core.policies import SIGNED_IN, role_required

NOTIFICATION = schema("Notification", {
    "type": "object", "required": ["id", "kind", "title", "body", "link", "created_at",
                                   "read_at"],
    "properties": {"id": {"type": "integer"}, "kind": {"type": "string"},
                   "title": {"type": "string"}, "body": {"type": "string"},
                   "link": {"type": ["string", "null"]},
                   "created_at": {"type": "string", "format": "date-time"},
                   "read_at": {"type": ["string", "null"], "format": "date-time"}},
})

NOTIFICATION_LIST = schema("NotificationList", {
    "type": "object", "required": ["items", "next_cursor", "unread"],
    "properties": {"items": {"type": "array", "items": NOTIFICATION},
                   "next_cursor": {"type": ["string", "null"]},
                   "unread": {"type": "integer"}},
})


def notification_json(notification: Notification) -> dict:
    return {"id": notification.id, "kind": notification.kind, "title": notification.title,
            "body": notification.body, "link": notification.link,
            "created_at": notification.created_at.isoformat(),
            "read_at": notification.read_at.isoformat() if notification.read_at else None}


@bp.route("/notifications")
@documented("/notifications", "get", "My notifications, newest first",
            response=NOTIFICATION_LIST, parameters=PAGE_PARAMETERS, errors=("401",))
@role_required(*SIGNED_IN)
def list_notifications_api():
    rows, next_cursor = page_of(
        sa.select(Notification).where(Notification.user_id == current_user.id), Notification.id)
    unread = db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == current_user.id, Notification.read_at.is_(None)))
    return jsonify({"items": [notification_json(n) for n in rows], "next_cursor": next_cursor,
                    "unread": unread})


@bp.route("/notifications/<int:notification_id>/read", methods=["POST"])
@documented("/notifications/{notification_id}/read", "post", "Mark one notification read",
            response=NOTIFICATION, errors=("401", "404"))
@role_required(*SIGNED_IN)
def read_notification_api(notification_id: int):
    notification = db.session.get(Notification, notification_id)
    if notification is None or not can_read_notification(current_user, notification):
        abort(404)
    mark_read(current_user, notification_id)
    db.session.commit()
    db.session.refresh(notification)
    return jsonify(notification_json(notification))
