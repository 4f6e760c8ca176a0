"""Consent and completion under concurrent requests, on the suite's database (SQLite or
PostgreSQL): a minor's placement never becomes active or completed without consent, and
one link's answer is recorded once, whatever arrives at the same moment."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.blueprints.accounts.services import issue_api_token
from marketplace.blueprints.applications.models import Placement, PlacementStatus
from marketplace.blueprints.schools import services
from marketplace.blueprints.schools.models import (
    ConsentStatus,
    Evaluation,
    GuardianConsent,
    WeeklyHours,
)
from marketplace.core.extensions import db
from marketplace.core.models import OutboxMessage
from marketplace.core.reference import NACE_COMPETENCIES
from tests.schools.helpers import hire, years_ago
from tests.support import at_once, csrf_from, migrated_app

pytestmark = pytest.mark.no_db

CONSENT = {"decision": "consent", "guardian_name": "Rosa Lopez",
           "emergency_name": "Luis Lopez", "emergency_phone": "555-123-4567"}


@pytest.fixture(scope="module")
def app():
    app = migrated_app("schools_race")
    yield app
    with app.app_context():
        db.engine.dispose()


def minor_placement(app) -> tuple[int, str, str]:
    """A minor's placement waiting for consent: (id, consent link, host's API token)."""
    with app.app_context():
        placement, employer, _ = hire(years_ago(16))
        consent = db.session.scalar(sa.select(GuardianConsent).where(
            GuardianConsent.placement_id == placement.id))
        token = issue_api_token(employer)
        db.session.commit()
        return placement.id, f"/consent/{services.consent_token(consent)}", token


def form_poster(app, link: str, data: dict):
    """A browser that has the page open (its CSRF token) and submits when released."""
    client = app.test_client()
    token = csrf_from(client.get(link).get_data(as_text=True))

    def post():
        return client.post(link, data={"csrf_token": token, **data}).status_code

    return post


def completer(app, placement_id: int, token: str):
    client = app.test_client()

    def post():
        return client.post(f"/api/v1/placements/{placement_id}/complete", json={"hours": 10},
                           headers={"Authorization": f"Bearer {token}"}).status_code

    return post


def state(app, placement_id: int):
    with app.app_context():
        placement = db.session.get(Placement, placement_id)
        consents = db.session.scalars(sa.select(GuardianConsent).where(
            GuardianConsent.placement_id == placement_id)).all()
        evidence_jobs = [args for args in db.session.scalars(sa.select(OutboxMessage.args).where(
            OutboxMessage.job == "record_placement_evidence"))].count([placement_id])
        return placement.status, [c.status for c in consents], evidence_jobs


def test_two_answers_through_one_link_at_once_record_one(app):
    placement_id, link, _ = minor_placement(app)
    results = at_once(form_poster(app, link, CONSENT),
                      form_poster(app, link, {**CONSENT, "decision": "refuse"}),
                      form_poster(app, link, CONSENT))
    assert sorted(results)[0] == 200 and results.count(200) == 1, results
    assert all(code in (200, 410) for code in results), results
    status, consents, _ = state(app, placement_id)
    assert len(consents) == 1 and consents[0] is not ConsentStatus.PENDING
    assert status is (PlacementStatus.ACTIVE if consents[0] is ConsentStatus.CONSENTED
                      else PlacementStatus.CANCELLED)


def test_the_host_cannot_complete_while_a_refusal_arrives(app):
    placement_id, link, token = minor_placement(app)
    results = at_once(form_poster(app, link, {**CONSENT, "decision": "refuse"}),
                      completer(app, placement_id, token), completer(app, placement_id, token))
    assert results == [200, 409, 409], results
    status, consents, evidence_jobs = state(app, placement_id)
    assert (status, consents, evidence_jobs) == (PlacementStatus.CANCELLED,
                                                 [ConsentStatus.REFUSED], 0)


def test_completion_racing_consent_is_either_refused_or_after_it(app):
    placement_id, link, token = minor_placement(app)
    results = at_once(completer(app, placement_id, token), form_poster(app, link, CONSENT))
    assert results[1] == 200, results
    status, consents, evidence_jobs = state(app, placement_id)
    assert consents == [ConsentStatus.CONSENTED]
    # Completed only if the consent came first; never both refused and completed.
    assert (results[0], status, evidence_jobs) in ((409, PlacementStatus.ACTIVE, 0),
                                                   (200, PlacementStatus.COMPLETED, 1))


def test_two_final_evaluations_at_once_complete_the_placement_once(app):
    with app.app_context():
        placement, _, _ = hire(years_ago(25))
        placement.supervisor_name, placement.supervisor_email = "Dana Cruz", "dana@clinic.example"
        db.session.add(WeeklyHours(placement_id=placement.id, week_start=services.week_start(
            placement.created_at.date()), hours=30.0, confirmed_at=placement.created_at))
        db.session.commit()
        placement_id = placement.id
        link = f"/supervise/{services.supervisor_token(placement, 'final')}"
        db.session.commit()
    ratings = {f"rating_{key}": "3" for key in NACE_COMPETENCIES}
    results = at_once(*[form_poster(app, link, ratings) for _ in range(3)])
    assert results.count(200) == 1 and all(c in (200, 410) for c in results), results
    status, _, evidence_jobs = state(app, placement_id)
    with app.app_context():
        evaluations = db.session.scalar(sa.select(sa.func.count(Evaluation.id)).where(
            Evaluation.placement_id == placement_id))
        hours = db.session.get(Placement, placement_id).hours
    assert (status, evidence_jobs, evaluations, hours) == (PlacementStatus.COMPLETED, 1, 1, 30.0)
