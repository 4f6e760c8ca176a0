"""Many people saving at once on the embedded default (SQLite) and on PostgreSQL: every
request succeeds, or at worst is told to retry (503 with Retry-After) — never a 500,
and no file is left behind by an application that was not saved."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.blueprints.accounts.services import create_user, issue_api_token
from marketplace.blueprints.applications.models import Application
from marketplace.blueprints.opportunities.models import Opportunity, OpportunityStatus
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.support import PDF, app_config, at_once, fresh_database


def setup(name: str, students: int):
    # A folder of its own: the files it finds there are this test's alone.
    uploads = Path(tempfile.mkdtemp(prefix=f"{name}-"))
    app = create_app(app_config(fresh_database(name), UPLOAD_FOLDER=str(uploads)))
    with app.app_context():
        upgrade()
        employer = create_user(f"hr@{name}.example", "HR", Role.EMPLOYER,
                               "employer passphrase", organization_name=f"Org {name}")
        employer.organization.status = "verified"
        opportunity = Opportunity(organization=employer.organization, created_by=employer,
                                  title="Busy", kind="internship", career_cluster="education",
                                  description="d", location="x", positions=5,
                                  status=OpportunityStatus.PUBLISHED)
        db.session.add(opportunity)
        db.session.flush()
        people = [create_user(f"s{n}@{name}.example", f"Student {n}", Role.STUDENT,
                              "student passphrase") for n in range(students)]
        db.session.commit()
        tokens = {"employer": issue_api_token(employer),
                  "students": [issue_api_token(person) for person in people]}
        db.session.commit()
        return app, opportunity.id, tokens


def send(app, method: str, path: str, token: str, **kwargs):
    def call():
        client = app.test_client()
        response = client.open(path, method=method, headers={"Authorization": f"Bearer {token}"},
                               **kwargs)
        return response.status_code, response.headers.get("Retry-After")
    return call


@pytest.mark.no_db
def test_twenty_saves_of_one_posting_at_once_never_fail():
    app, opportunity_id, tokens = setup("save_race", 0)
    results = at_once(*[send(app, "PATCH", f"/api/v1/opportunities/{opportunity_id}",
                             tokens["employer"], json={"title": f"Busy {n}"})
                        for n in range(20)])
    assert all(status == 200 or (status == 503 and retry) for status, retry in results), results
    assert sum(status == 200 for status, _ in results) >= 1
    with app.app_context():
        db.engine.dispose()


@pytest.mark.no_db
def test_ten_applications_at_once_are_all_saved_with_their_files():
    app, opportunity_id, tokens = setup("apply_race", 10)
    results = at_once(*[send(app, "POST", f"/api/v1/opportunities/{opportunity_id}/applications",
                             token, data={"cover_letter": "Hello",
                                          "resume": (__import__("io").BytesIO(PDF), "cv.pdf")},
                             content_type="multipart/form-data")
                        for token in tokens["students"]])
    assert all(status == 201 or (status == 503 and retry) for status, retry in results), results
    with app.app_context():
        saved = db.session.scalars(sa.select(Application.resume_stored_name)).all()
        db.engine.dispose()
    assert len(saved) == sum(status == 201 for status, _ in results)
    folder = Path(app.config["UPLOAD_FOLDER"]) / "resumes"
    on_disk = sorted(p.name for p in folder.iterdir()) if folder.exists() else []
    assert on_disk == sorted(saved)  # nothing half-written, nothing left over
