"""Sending e-mail: SMTP when ``MAIL_SERVER`` is set, the application log otherwise."""

from __future__ import annotations

import smtplib
from dataclasses import dataclass
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

from flask import current_app


@dataclass
class Attachment:
    filename: str
    content: bytes
    maintype: str
    subtype: str
    params: dict | None = None


def build_message(to: str, subject: str, text: str, html: str | None = None,
                  attachments: list[Attachment] | None = None) -> EmailMessage:
    """A transactional e-mail: sent by the product because of something that happened,
    so it says so (``Auto-Submitted``) and carries the ``Date`` RFC 5322 requires."""
    message = EmailMessage()
    message["From"] = current_app.config["MAIL_FROM"]
    message["To"] = to
    message["Date"] = format_datetime(datetime.now(UTC))
    message["Auto-Submitted"] = "auto-generated"
    # A line break in a subject (from a name, say) would make an invalid header.
    message["Subject"] = " ".join(subject.split())
    message["Message-ID"] = make_msgid(domain="career-connections")
    message.set_content(text)
    if html:
        message.add_alternative(html, subtype="html")
    for attachment in attachments or []:
        message.add_attachment(attachment.content, maintype=attachment.maintype,
                               subtype=attachment.subtype, filename=attachment.filename,
                               params=attachment.params or {})
    return message


def deliver(message: EmailMessage) -> bool:
    """Send through SMTP and return True, or log the message and return False.

    Raises the SMTP or socket error when sending fails, for the caller to record
    and for RQ to retry.
    """
    server = current_app.config.get("MAIL_SERVER")
    if not server and current_app.config.get("PRODUCTION"):
        # A deployment's logs are collected: never an address, a name or a sign-in link.
        current_app.logger.error("E-mail not sent: MAIL_SERVER is not set.")
        return False
    if not server:
        # A warning, so it shows in the terminal of `make run` (Flask logs warnings and
        # up by default): the links people need are in these messages.
        current_app.logger.warning(
            "E-mail not sent (no MAIL_SERVER set). To: %s  Subject: %s\n%s",
            message["To"], message["Subject"],
            message.get_body(("plain",)).get_content() if message.is_multipart()
            else message.get_content())
        return False
    with smtplib.SMTP(server, current_app.config["MAIL_PORT"], timeout=15) as smtp:
        smtp.send_message(message)
    return True
