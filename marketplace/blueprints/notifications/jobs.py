"""E-mail for notifications."""

from __future__ import annotations

from email.message import EmailMessage

import sqlalchemy as sa
from flask import current_app, render_template
from jinja2 import TemplateNotFound

from marketplace.blueprints.notifications.models import DeliveryStatus, EmailDelivery, Notification
from marketplace.blueprints.notifications.services import email_attachment, email_headers
from marketplace.core.extensions import db
from marketplace.core.jobs import job
from marketplace.core.mail import build_message, deliver


def render_email(kind: str, **context) -> tuple[str, str]:
    """The text and HTML bodies for ``kind``, or the generic templates."""
    try:
        text = render_template(f"emails/{kind}.txt", **context)
    except TemplateNotFound:
        text = render_template("emails/generic.txt", **context)
    try:
        html = render_template(f"emails/{kind}.html", **context)
    except TemplateNotFound:
        html = render_template("emails/generic.html", **context)
    return text, html


@job(queue="default", timeout=60, retry_intervals=(30, 120, 600))
def send_notification_email(notification_id: int) -> None:
    """E-mail one notification to its user. Skips one already sent, so safe to rerun.

    Every attempt is logged in ``email_delivery``; a failure is logged, then
    raised for RQ to retry.
    """
    notification = db.session.get(Notification, notification_id)
    if notification is None:
        return
    already_sent = db.session.scalar(sa.select(EmailDelivery.id).where(
        EmailDelivery.notification_id == notification_id,
        EmailDelivery.status.in_([DeliveryStatus.SENT, DeliveryStatus.LOGGED])).limit(1))
    if already_sent:
        return
    user = notification.user
    if not user.active:  # closed or erased: nobody reads that address any more
        return
    link = current_app.config["BASE_URL"] + notification.link if notification.link else None
    text, html = render_email(notification.kind, user=user, notification=notification,
                              link=link)
    attachment = email_attachment.first(notification)
    message = build_message(user.email, notification.title, text, html,
                            [attachment] if attachment else None)
    for name, value in (email_headers.first(notification) or {}).items():
        message[name] = value
    deliver_and_record(message, template=notification.kind, user_id=notification.user_id,
                       notification_id=notification_id)


def deliver_and_record(message: EmailMessage, template: str, user_id: int,
                       notification_id: int | None = None) -> None:
    """Send ``message`` and log the attempt in ``email_delivery``.

    A failure is logged, then raised for RQ to retry.
    """
    record = {"notification_id": notification_id, "user_id": user_id,
              "to_address": message["To"],
              "subject": message["Subject"], "template": template}
    try:
        sent = deliver(message)
    except Exception as error:
        # Keep the failed attempt even though the job fails: end the job's
        # transaction first (nothing of it is kept), then write the log row.
        db.session.rollback()
        db.session.add(EmailDelivery(**record, status=DeliveryStatus.FAILED,
                                     error=f"{type(error).__name__}: {error}"[:2000]))
        db.session.commit()
        raise
    db.session.add(EmailDelivery(**record,
                                 status=DeliveryStatus.SENT if sent else DeliveryStatus.LOGGED))
