"""Notifications in the app and by e-mail, with every attempt logged."""

from __future__ import annotations

import email.utils
from datetime import UTC, datetime

import sqlalchemy as sa

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.notifications.models import DeliveryStatus, EmailDelivery, Notification
from marketplace.blueprints.notifications.services import notify
from marketplace.core.extensions import db
from tests.factories import StaffFactory, StudentFactory
from tests.support import free_port


def deliveries() -> list[EmailDelivery]:
    db.session.expire_all()
    return db.session.scalars(sa.select(EmailDelivery).order_by(EmailDelivery.id)).all()


def test_email_goes_through_smtp_with_text_and_html(smtp, run_jobs):
    user = StudentFactory(name="Lee")
    notify(user, "welcome", "Your application moved", "Acme is reviewing it.",
           link="home.student_dashboard")
    db.session.commit()
    run_jobs()
    assert len(smtp.messages) == 1
    message = smtp.messages[0]
    assert message["To"] == user.email and message["Subject"] == "Your application moved"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    assert "Hello Lee" in text and "Acme is reviewing it." in text
    assert "http://127.0.0.1/students/" in text and 'href="http://127.0.0.1/students/"' in html
    [delivery] = deliveries()
    assert delivery.status is DeliveryStatus.SENT and delivery.to_address == user.email
    # RFC 5322 requires a Date; transactional mail says it was sent automatically (RFC 3834).
    sent = email.utils.parsedate_to_datetime(message["Date"])
    assert sent.tzinfo is not None and abs((datetime.now(UTC) - sent).total_seconds()) < 120
    assert message["Auto-Submitted"] == "auto-generated"


def test_email_is_sent_once_even_if_the_job_runs_twice(smtp, run_jobs):
    from marketplace.blueprints.notifications.jobs import send_notification_email

    notification = notify(StudentFactory(), "welcome", "Hello")
    db.session.commit()
    run_jobs()
    send_notification_email(notification.id)
    db.session.commit()
    assert len(smtp.messages) == 1


def test_without_mail_server_the_email_is_logged(app, caplog, run_jobs):
    notify(StudentFactory(), "welcome", "Logged only", "Body text here")
    db.session.commit()
    with caplog.at_level("INFO"):
        run_jobs()
    assert "Body text here" in caplog.text
    assert [d.status for d in deliveries()] == [DeliveryStatus.LOGGED]


def test_smtp_failure_is_logged_with_the_error_and_retried(app, run_jobs):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nothing listens
    try:
        notify(StudentFactory(), "welcome", "Will fail")
        db.session.commit()
        run_jobs()
    finally:
        app.config.update(MAIL_SERVER=None, MAIL_PORT=25)
    [delivery] = deliveries()
    assert delivery.status is DeliveryStatus.FAILED
    assert "Connection refused" in delivery.error or "ConnectionRefused" in delivery.error


def test_staff_see_the_delivery_log(login_as, client, run_jobs):
    notify(StudentFactory(email="seen@school.edu"), "welcome", "Subject shown")
    db.session.commit()
    run_jobs()
    login_as(StaffFactory())
    page = client.get("/staff/emails").get_data(as_text=True)
    assert "seen@school.edu" in page and "Subject shown" in page


def test_registration_sends_one_email_the_confirmation_and_welcomes_in_the_app(client, run_jobs):
    client.submit("/auth/register/student", {
        "name": "Wen", "email": "wen@school.edu", "password": "a sensible passphrase",
        "confirm": "a sensible passphrase", "graduation_year": "2027", "time_zone": "UTC"})
    run_jobs()
    assert [d.subject for d in deliveries()] == [
        "Confirm your e-mail address for Career Connections"]
    user = db.session.scalar(sa.select(User).where(User.email == "wen@school.edu"))
    assert [n.title for n in db.session.scalars(sa.select(Notification).where(
        Notification.user_id == user.id))] == ["Welcome to Career Connections"]


def test_notification_centre_unread_count_and_mark_read(login_as, client):
    user = StudentFactory()
    first = notify(user, "welcome", "First news", email=False)
    notify(user, "welcome", "Second news", link="accounts.edit_student_profile", email=False)
    notify(StudentFactory(), "welcome", "Someone else's", email=False)
    db.session.commit()
    login_as(user)
    page = client.get("/students/").get_data(as_text=True)
    assert '<span class="badge">2<span class="visually-hidden"> unread</span>' in page
    page = client.get("/notifications/").get_data(as_text=True)
    assert "First news" in page and "Second news" in page and "Someone else" not in page

    response = client.submit(f"/notifications/{first.id}/read", page="/notifications/")
    assert response.status_code == 302
    page = client.get("/students/").get_data(as_text=True)
    assert '<span class="badge">1<span class="visually-hidden"> unread</span>' in page

    response = client.submit("/notifications/read-all", page="/notifications/")
    page = client.get("/students/").get_data(as_text=True)
    assert "unread</span>" not in page
    db.session.expire_all()
    assert all(n.read_at for n in db.session.scalars(
        sa.select(Notification).where(Notification.user_id == user.id)))


def test_opening_a_notification_goes_to_its_link(login_as, client):
    user = StudentFactory()
    n = notify(user, "welcome", "Go", link="accounts.edit_student_profile", email=False)
    db.session.commit()
    login_as(user)
    response = client.submit(f"/notifications/{n.id}/read", {"open": "1"},
                             page="/notifications/")
    assert response.headers["Location"] == "/students/profile"


def test_cannot_touch_another_users_notification(login_as, client):
    other = notify(StudentFactory(), "welcome", "Private", email=False)
    db.session.commit()
    login_as(StudentFactory())
    response = client.submit(f"/notifications/{other.id}/read", page="/notifications/")
    assert response.status_code == 404


def test_notifications_through_the_api(api_client):
    user = StudentFactory()
    first = notify(user, "welcome", "First", email=False)
    notify(user, "welcome", "Second", email=False)
    notify(StudentFactory(), "welcome", "Someone else's", email=False)
    db.session.commit()
    client = api_client(user)
    page = client.get("/api/v1/notifications?limit=1").get_json()
    assert [n["title"] for n in page["items"]] == ["Second"] and page["unread"] == 2
    rest = client.get("/api/v1/notifications", query_string={"cursor": page["next_cursor"]})
    assert [n["title"] for n in rest.get_json()["items"]] == ["First"]
    read = client.post(f"/api/v1/notifications/{first.id}/read")
    assert read.status_code == 200 and read.get_json()["read_at"] is not None
    other = api_client(StudentFactory())
    assert other.post(f"/api/v1/notifications/{first.id}/read").status_code == 404
