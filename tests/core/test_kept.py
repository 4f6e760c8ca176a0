"""What a worker keeps between requests (``core.kept``): parts rendered once are the same
for everyone, and kept rows are copies nobody's request can change."""

from __future__ import annotations

import io

from marketplace.blueprints.opportunities.models import Opportunity
from marketplace.core.extensions import db
from marketplace.core.kept import in_session, snapshot
from tests.factories import DEFAULT_PASSWORD, OpportunityFactory, StudentFactory
from tests.support import csrf_from

LETTER = "Alice's own words, for Harbor Labs only."


def test_a_failed_application_leaves_nothing_in_another_students_form(app, client, login_as):
    first, second = OpportunityFactory(), OpportunityFactory()
    alice, bob = StudentFactory(), StudentFactory()
    db.session.commit()
    login_as(alice)
    token = csrf_from(client.get(f"/opportunities/{first.id}").text)
    # Her failed application is the first form this worker renders.
    app.extensions.get("rendered_once", {}).clear()
    failed = client.post(f"/opportunities/{first.id}/apply", data={
        "csrf_token": token, "cover_letter": LETTER,
        "resume": (io.BytesIO(b"not a pdf"), "resume.pdf")}, content_type="multipart/form-data")
    assert failed.status_code == 422
    assert LETTER.replace("'", "&#39;") in failed.text  # what she typed survives the error
    other = app.test_client()
    assert other.submit("/auth/login", {"email": bob.email, "password": DEFAULT_PASSWORD}
                        ).status_code == 302
    for opportunity in (second, first):
        page = other.get(f"/opportunities/{opportunity.id}").text
        assert 'name="cover_letter"' in page
        assert "Alice" not in page and "Harbor Labs" not in page
    # Nor in her own next blank form.
    assert "Harbor Labs" not in client.get(f"/opportunities/{second.id}").text


def test_a_kept_row_is_a_copy_that_a_request_cannot_change(app):
    opportunity = OpportunityFactory(skills=["Welding"])
    db.session.commit()
    db.session.refresh(opportunity)  # as just read: what a snapshot is taken of
    assert opportunity.organization is not None
    kept = snapshot(opportunity, "organization")
    opportunity.skills.append("Changed in this request")
    assert kept.columns["skills"] == ["Welding"]
    db.session.expunge_all()
    with app.test_request_context():
        row = in_session(kept)
        assert isinstance(row, Opportunity) and row.id == opportunity.id
        assert row.organization.name == opportunity.organization.name  # no query: kept too
        row.skills.append("Changed by the next request")
        assert kept.columns["skills"] == ["Welding"]
        # The session holds the row now: a second one is not built beside it.
        assert in_session(kept) is None
