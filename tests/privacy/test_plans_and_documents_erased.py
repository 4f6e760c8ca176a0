"""A person's career plan and reviewed documents are in their export, and erasing them
removes the plan's words, the files and what staff wrote, keeping the decisions."""

from __future__ import annotations

import io

import sqlalchemy as sa

from marketplace.blueprints.outcomes.models import CareerPlan, DocumentSubmission, OutcomeReview
from marketplace.blueprints.privacy import services as privacy
from marketplace.blueprints.privacy.export import personal_data
from marketplace.core.extensions import db
from marketplace.core.storage import storage
from tests.factories import StaffFactory, StudentFactory
from tests.support import PDF


def test_plans_and_documents_in_the_export_and_after_erasure(api_client, run_jobs):
    student, staff = StudentFactory(), StaffFactory()
    db.session.commit()
    api = api_client(student)
    sent = api.post("/api/v1/documents", data={"kind": "resume",
                                               "file": (io.BytesIO(PDF), "Ana Ruiz CV.pdf")},
                    content_type="multipart/form-data")
    assert sent.status_code == 201, sent.get_json()
    api_client(staff).post(f"/api/v1/documents/{sent.get_json()['id']}/review",
                           json={"decision": "changes_requested",
                                 "comment": "Ana, add your lab work."})
    db.session.add(CareerPlan(student_id=student.id, goals="Teach chemistry", cluster="education",
                              roles="Teacher", next_steps=[{"step": "Call", "due": "2027-01-05"}]))
    db.session.commit()
    document = personal_data(student)
    assert document["career_plan"]["goals"] == "Teach chemistry"
    [item] = document["documents"]
    assert item["filename"] == "Ana Ruiz CV.pdf"
    assert item["reviews"][0]["comment"] == "Ana, add your lab work."
    stored = db.session.scalar(sa.select(DocumentSubmission)).stored_name
    assert storage().exists(f"documents/{stored}")

    request = privacy.request_deletion(student)
    db.session.commit()
    privacy.carry_out_deletion(request.id, staff)
    db.session.commit()
    run_jobs()
    plan = db.session.scalar(sa.select(CareerPlan))
    assert (plan.goals, plan.roles, plan.next_steps) == ("", "", [])
    submission = db.session.scalar(sa.select(DocumentSubmission))
    assert submission.filename == "document.pdf"
    assert db.session.scalar(sa.select(OutcomeReview)).comment is None
    # The job that removes the erased person's files took the document too.
    assert not storage().exists(f"documents/{stored}")
