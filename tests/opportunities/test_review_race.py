"""Two staff deciding the same posting at the same moment: one wins, one is told."""

from __future__ import annotations

import pytest
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.blueprints.accounts.services import create_user, issue_api_token
from marketplace.blueprints.opportunities.models import Opportunity, OpportunityStatus
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.support import app_config, fresh_database, post_concurrently


@pytest.mark.no_db
def test_concurrent_approve_and_reject():
    app = create_app(app_config(fresh_database("review_race")))
    with app.app_context():
        upgrade()
        employer = create_user("boss@race.example", "Boss", Role.EMPLOYER, "employer passphrase",
                               organization_name="Race Co")
        tokens = [issue_api_token(create_user(f"staff{n}@race.example", f"Staff {n}",
                                              Role.STAFF, "staff passphrase 1"))
                  for n in range(2)]
        opportunity = Opportunity(organization=employer.organization, created_by=employer,
                                  title="Contested", kind="internship",
                                  career_cluster="education", description="d", location="x",
                                  status=OpportunityStatus.PENDING_REVIEW)
        db.session.add(opportunity)
        db.session.commit()
        opportunity_id = opportunity.id

    actions = ("approve", "reject")
    answers = post_concurrently(app, [
        (token, f"/api/v1/opportunities/{opportunity_id}/{action}",
         {"reason": "Not a fit"} if action == "reject" else None)
        for token, action in zip(tokens, actions, strict=True)])
    results = [(action, status, body) for action, (status, body)
               in zip(actions, answers, strict=True)]

    statuses = sorted(status for _, status, _ in results)
    assert statuses == [200, 409], results
    winner = next(action for action, status, _ in results if status == 200)
    loser_body = next(body for _, status, body in results if status == 409)
    assert "already decided" in loser_body["error"]["message"]
    with app.app_context():
        final = db.session.get(Opportunity, opportunity_id).status
        assert final is (OpportunityStatus.PUBLISHED if winner == "approve"
                         else OpportunityStatus.REJECTED)
        db.engine.dispose()
