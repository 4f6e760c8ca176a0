"""``seed-demo --district``: two high schools, minors, a job shadow waiting for consent."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.blueprints.applications.models import Placement, PlacementStatus
from marketplace.blueprints.schools import services
from marketplace.blueprints.schools.models import GuardianConsent, School
from marketplace.core.extensions import db


def test_district_demo_is_idempotent(app):
    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo", "--district"])
    assert first.exit_code == 0, first.output
    assert services.is_district()
    assert db.session.scalar(sa.select(sa.func.count(School.id))) == 2
    waiting = db.session.scalars(sa.select(Placement).where(
        Placement.status == PlacementStatus.AWAITING_CONSENT)).all()
    assert len(waiting) == 1 and waiting[0].opportunity.kind.value == "job_shadow"
    consent = db.session.scalar(sa.select(GuardianConsent).where(
        GuardianConsent.placement_id == waiting[0].id))
    assert (consent.guardian_email, consent.language) == ("maria.ruiz@family.example", "es")
    second = runner.invoke(args=["seed-demo", "--district"])
    assert "nothing added" in second.output
    assert db.session.scalar(sa.select(sa.func.count(GuardianConsent.id))) == 1
