"""A minor's placement waits for a guardian's consent, given through a signed single-use
link in English or Spanish; an adult's starts at once."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from marketplace.blueprints.applications.models import Placement, PlacementStatus
from marketplace.blueprints.schools import services
from marketplace.blueprints.schools.models import ConsentStatus, GuardianConsent
from marketplace.core.extensions import db
from tests.factories import StaffFactory
from tests.schools.helpers import hire, years_ago
from tests.smtp_server import link_in
from tests.support import csrf_from

CONSENT = {"decision": "consent", "guardian_name": "Rosa Lopez",
           "emergency_name": "Luis Lopez", "emergency_phone": "555-123-4567"}


def consent_of(placement) -> GuardianConsent:
    db.session.expire_all()
    return db.session.scalar(sa.select(GuardianConsent).where(
        GuardianConsent.placement_id == placement.id))


def test_an_adult_starts_active_and_has_no_consent_request():
    placement, _, _ = hire(years_ago(19))
    assert placement.status is PlacementStatus.ACTIVE
    assert consent_of(placement) is None


def test_a_minor_on_the_start_date_waits_and_turning_18_before_it_does_not():
    start = date.today() + timedelta(days=30)
    minor, _, _ = hire(years_ago(18, days=40), start=start)  # 18 only after the start
    assert minor.status is PlacementStatus.AWAITING_CONSENT
    adult_by_then, _, _ = hire(years_ago(18, days=20), start=start)
    assert adult_by_then.status is PlacementStatus.ACTIVE


def test_consent_by_emailed_link_starts_the_placement_once(client, smtp, run_jobs):
    placement, employer, student = hire(years_ago(16))
    assert placement.status is PlacementStatus.AWAITING_CONSENT
    run_jobs()
    message = [m for m in smtp.messages if m["To"] == "parent@family.example"][-1]
    link = link_in(message, "/consent/")
    page = client.get(link)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    # What a guardian needs (host, place, hours, pay), not the student's record.
    for text in (placement.opportunity.organization.name, "Dayton Clinic", "6 hours a week",
                 "Paid", "Maya"):
        assert text in html
    assert student.email not in html and "Lopez" not in html
    # Nothing valid yet: each missing field named, typed input kept.
    bad = client.post(link, data={"csrf_token": csrf_from(html), "decision": "consent",
                                  "guardian_name": "Rosa Lopez", "emergency_phone": "call me"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422
    assert "Give an emergency contact's name." in text and "Enter a phone number" in text
    assert 'value="Rosa Lopez"' in text
    assert consent_of(placement).status is ConsentStatus.PENDING
    done = client.post(link, data={"csrf_token": csrf_from(html), **CONSENT},
                       environ_base={"REMOTE_ADDR": "203.0.113.7"})
    assert done.status_code == 200, done.get_data(as_text=True)[:400]
    consent = consent_of(placement)
    assert consent.status is ConsentStatus.CONSENTED
    assert (consent.decided_ip, consent.emergency_phone) == ("203.0.113.7", "555-123-4567")
    assert consent.decided_at is not None
    assert db.session.get(Placement, placement.id).status is PlacementStatus.ACTIVE
    # The same link (used, or forwarded) now says so, and changes nothing.
    again = client.get(link)
    assert again.status_code == 410 and "used already" in again.get_data(as_text=True)
    assert client.post(link, data={"csrf_token": csrf_from(html), "decision": "refuse",
                                   "guardian_name": "X"}).status_code == 410
    assert consent_of(placement).status is ConsentStatus.CONSENTED


def test_refusal_closes_the_placement_and_tells_student_and_host(client):
    from marketplace.blueprints.notifications.models import Notification

    placement, employer, student = hire(years_ago(15))
    link = f"/consent/{services.consent_token(consent_of(placement))}"
    html = client.get(link).get_data(as_text=True)
    response = client.post(link, data={"csrf_token": csrf_from(html), "decision": "refuse",
                                       "guardian_name": "Rosa Lopez"})
    assert response.status_code == 200
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).status is PlacementStatus.CANCELLED
    told = set(db.session.scalars(sa.select(Notification.user_id).where(
        Notification.kind == "placement_consent")))
    assert {student.id, employer.id} <= told


def test_spanish_page_language_switch_is_remembered(client):
    placement, _, _ = hire(years_ago(16), language="es")
    link = f"/consent/{services.consent_token(consent_of(placement))}"
    html = client.get(link).get_data(as_text=True)
    assert "Consentimiento para la práctica de Maya" in html and 'lang="es"' in html
    assert "Observación laboral" in html  # the kind, translated
    switched = client.post(f"{link}/language", data={"csrf_token": csrf_from(html),
                                                     "lang": "en"})
    assert switched.status_code == 303
    assert consent_of(placement).language == "en"
    assert "Consent for Maya" in client.get(link).get_data(as_text=True)
    # Without the CSRF token nothing changes.
    client.post(f"{link}/language", data={"lang": "es"})
    assert consent_of(placement).language == "en"


def test_resending_voids_earlier_links_and_a_tampered_link_is_refused(client, login_as):
    placement, _, _ = hire(years_ago(16))
    old = f"/consent/{services.consent_token(consent_of(placement))}"
    staff = StaffFactory()
    db.session.commit()
    browser = login_as(staff)
    listing = browser.get("/staff/consents").get_data(as_text=True)
    assert "Maya Lopez" in listing
    response = browser.post(f"/staff/consents/{consent_of(placement).id}/resend",
                            data={"csrf_token": csrf_from(listing),
                                  "guardian_email": "Other.Parent@family.example"})
    assert response.status_code == 303
    consent = consent_of(placement)
    assert (consent.guardian_email, consent.sent_count) == ("other.parent@family.example", 2)
    replaced = client.get(old)
    assert replaced.status_code == 410 and "newer link" in replaced.get_data(as_text=True)
    assert client.get(f"/consent/{services.consent_token(consent)}").status_code == 200
    assert client.get(old[:-3] + "abc").status_code == 404
    assert client.get("/consent/" + "x" * 900).status_code == 404


def test_an_expired_link_says_so(client, app):
    from itsdangerous import URLSafeTimedSerializer

    placement, _, _ = hire(years_ago(16))
    consent = consent_of(placement)
    token = services.consent_token(consent)
    serializer = URLSafeTimedSerializer(app.secret_key, salt="schools-link-consent")
    data = serializer.loads(token)
    import time
    from unittest import mock
    with mock.patch("itsdangerous.timed.time.time", return_value=time.time() - 15 * 86400):
        old = serializer.dumps(data)
    response = client.get(f"/consent/{old}")
    assert response.status_code == 410 and "expired" in response.get_data(as_text=True)


def test_the_host_cannot_complete_before_consent(api_client):
    placement, employer, _ = hire(years_ago(16))
    response = api_client(employer).post(f"/api/v1/placements/{placement.id}/complete",
                                         json={"hours": 10})
    assert response.status_code == 409
    assert "consent" in response.get_json()["error"]["message"]
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).status is PlacementStatus.AWAITING_CONSENT


def test_the_guardian_email_is_in_their_language(smtp, run_jobs):
    hire(years_ago(16), guardian="madre@family.example", language="es")
    run_jobs()
    message = [m for m in smtp.messages if m["To"] == "madre@family.example"][-1]
    assert message["Subject"] == "Se necesita su consentimiento: Clinic Job Shadow"
    text = message.get_body(("plain",)).get_content()
    assert "menor de 18 años" in text and "/consent/" in text
    assert "Lopez" not in text  # the first name is enough
