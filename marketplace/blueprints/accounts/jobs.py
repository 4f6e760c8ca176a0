"""E-mails about the account itself: confirm the address, reset the password, a
registration attempt on a known address, a sign-in from a new device.

They go to the address only, never to the in-app notification list: a link in them
signs a person in, so it must not be readable by whoever holds the account. Each job
makes its link when it runs, from the account as it is then.
"""

from __future__ import annotations

from flask import current_app

from marketplace.blueprints.accounts.models import User, UserSession
from marketplace.blueprints.accounts.services.links import (
    PERSONAL,
    RESET,
    VERIFY,
    make_link_token,
)
from marketplace.blueprints.accounts.services.sessions import describe_device
from marketplace.blueprints.notifications.jobs import deliver_and_record, render_email
from marketplace.core.extensions import db
from marketplace.core.jobs import job
from marketplace.core.mail import build_message
from marketplace.core.urls import path_for

RETRIES = (30, 120, 600)


def _url(endpoint: str, **values) -> str:
    return current_app.config["BASE_URL"] + path_for(endpoint, **values)


def _active(user_id: int) -> User | None:
    """The account, unless it is gone or closed (nothing is sent to those)."""
    user = db.session.get(User, user_id)
    return user if user is not None and user.active else None


def _send(user: User, kind: str, subject: str, address: str | None = None, **context) -> None:
    text, html = render_email(f"account/{kind}", user=user, subject=subject, **context)
    deliver_and_record(build_message(address or user.email, subject, text, html),
                       template=f"account/{kind}", user_id=user.id)


@job(queue="default", timeout=60, retry_intervals=RETRIES)
def send_verification_email(user_id: int) -> None:
    user = _active(user_id)
    if user is None or user.email_verified:
        return
    _send(user, "verify_email", "Confirm your e-mail address for Career Connections",
          link=_url("accounts.verify_email", token=make_link_token(user, VERIFY)))


@job(queue="default", timeout=60, retry_intervals=RETRIES)
def send_password_reset_email(user_id: int) -> None:
    user = _active(user_id)
    if user is None:
        return
    _send(user, "password_reset", "Set a new Career Connections password",
          link=_url("accounts.reset_password", token=make_link_token(user, RESET)))


@job(queue="default", timeout=60, retry_intervals=RETRIES)
def send_registration_attempt_email(user_id: int) -> None:
    user = _active(user_id)
    if user is None:
        return
    _send(user, "registration_attempt", "Someone tried to register with your e-mail address",
          login_link=_url("accounts.login"), reset_link=_url("accounts.ask_reset"))


@job(queue="default", timeout=60, retry_intervals=RETRIES)
def send_new_device_email(session_id: int) -> None:
    row = db.session.get(UserSession, session_id)
    if row is None or not row.user.active:
        return
    _send(row.user, "new_device", "A new sign-in to your Career Connections account",
          device=describe_device(row.user_agent), session=row,
          sessions_link=_url("accounts.manage_sessions"), reset_link=_url("accounts.ask_reset"))


@job(queue="default", timeout=60, retry_intervals=RETRIES)
def send_personal_email_confirmation(user_id: int) -> None:
    user = _active(user_id)
    if user is None or not user.personal_email_pending:
        return
    _send(user, "personal_email", "Confirm your personal e-mail for Career Connections",
          address=user.personal_email_pending, pending=user.personal_email_pending,
          link=_url("accounts.confirm_personal_email", token=make_link_token(user, PERSONAL)))
