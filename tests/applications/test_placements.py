"""Completing a placement becomes Experiential Learning and Connections evidence, once."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from marketplace.blueprints.applications.models import (
    Application,
    ApplicationStatus,
    Placement,
    PlacementStatus,
)
from marketplace.blueprints.outcomes.jobs import record_placement_evidence
from marketplace.blueprints.outcomes.models import OutcomeEvidence
from marketplace.core.extensions import db
from marketplace.core.models import AuditEntry
from tests.factories import EmployerFactory, OpportunityFactory, StaffFactory, StudentFactory
from tests.support import form_fields


def hired_placement():
    opportunity = OpportunityFactory(title="Lab Assistant")
    employer = EmployerFactory(organization=opportunity.organization)
    opportunity.created_by = employer
    student = StudentFactory()
    application = Application(opportunity=opportunity, student=student,
                              status=ApplicationStatus.HIRED)
    placement = Placement(application=application, student_id=student.id,
                          opportunity_id=opportunity.id)
    db.session.add_all([application, placement])
    db.session.commit()
    return placement, employer, student


def evidence_rows(student_id: int) -> list[tuple[str, str]]:
    db.session.expire_all()
    return sorted(db.session.execute(sa.select(OutcomeEvidence.outcome,
                                               OutcomeEvidence.source_kind).where(
        OutcomeEvidence.student_id == student_id)).all())


def test_completion_records_both_evidence_rows_once(api_client, run_jobs):
    placement, employer, student = hired_placement()
    response = api_client(employer).post(
        f"/api/v1/placements/{placement.id}/complete",
        json={"hours": 120, "ratings": {"teamwork": 4, "communication": 3},
              "comment": "Reliable and curious."})
    assert response.status_code == 200, response.get_json()
    run_jobs()
    rows = evidence_rows(student.id)
    assert [(o, k.value) for o, k in rows] == [("connections", "placement"),
                                              ("experiential_learning", "placement")]
    record_placement_evidence(placement.id)  # a second run changes nothing
    db.session.commit()
    assert len(evidence_rows(student.id)) == 2
    again = api_client(employer).post(f"/api/v1/placements/{placement.id}/complete",
                                      json={"hours": 10})
    assert again.status_code == 409


def test_completion_validation(api_client):
    placement, employer, _ = hired_placement()
    for body, field in [({"hours": 0}, "hours"), ({"hours": "ten"}, "hours"),
                        ({"hours": 5, "ratings": {"teamwork": 7}}, "ratings"),
                        ({"hours": 5, "ratings": {"juggling": 2}}, "ratings"),
                        ({"hours": 5, "start_date": "2026-05-02", "end_date": "2026-05-01"},
                         "end_date"),
                        ({"hours": 5, "start_date": "yesterday"}, "start_date")]:
        response = api_client(employer).post(f"/api/v1/placements/{placement.id}/complete",
                                             json=body)
        assert response.status_code == 422, (body, response.get_json())
        assert field in response.get_json()["error"]["fields"]
    db.session.expire_all()
    assert placement.status is PlacementStatus.ACTIVE


def test_only_the_host_completes(api_client):
    placement, _, student = hired_placement()
    assert api_client(EmployerFactory()).post(f"/api/v1/placements/{placement.id}/complete",
                                              json={"hours": 5}).status_code == 404
    assert api_client(student).post(f"/api/v1/placements/{placement.id}/complete",
                                    json={"hours": 5}).status_code == 404


def test_evidence_api_for_the_student_and_staff_only(api_client, run_jobs):
    placement, employer, student = hired_placement()
    api_client(employer).post(f"/api/v1/placements/{placement.id}/complete", json={"hours": 8})
    run_jobs()
    own = api_client(student).get(f"/api/v1/students/{student.id}/evidence")
    assert {item["outcome"] for item in own.get_json()["items"]} == {"experiential_learning",
                                                                    "connections"}
    assert own.get_json()["items"][0]["source_id"] == placement.id
    assert api_client(StaffFactory()).get(
        f"/api/v1/students/{student.id}/evidence").status_code == 200
    assert api_client(StudentFactory()).get(
        f"/api/v1/students/{student.id}/evidence").status_code == 403
    assert api_client(employer).get(f"/api/v1/students/{student.id}/evidence").status_code == 403


def test_my_outcomes_page_and_reflection(login_as, client, api_client, run_jobs):
    placement, employer, student = hired_placement()
    api_client(employer).post(f"/api/v1/placements/{placement.id}/complete", json={"hours": 40})
    run_jobs()
    login_as(student)
    page = client.get("/me/outcomes").get_data(as_text=True)
    assert page.count("Reached") == 2 and "Lab Assistant" in page
    response = client.submit(f"/students/placements/{placement.id}/reflection",
                             {"reflection": "I learned to run a centrifuge safely."},
                             page=f"/students/applications/{placement.application_id}")
    assert response.status_code == 302
    db.session.expire_all()
    assert placement.reflection == "I learned to run a centrifuge safely."


def test_a_placement_is_not_completed_before_its_first_day(api_client, run_jobs):
    placement, employer, student = hired_placement()
    placement.opportunity.start_date = date.today() + timedelta(days=10)
    db.session.commit()
    url = f"/api/v1/placements/{placement.id}/complete"
    refused = api_client(employer).post(url, json={"hours": 40})
    assert refused.status_code == 422 and "start_date" in refused.get_json()["error"]["fields"]
    staff = StaffFactory()
    assert api_client(staff).post(url, json={"hours": 40}).status_code == 422
    run_jobs()
    assert evidence_rows(student.id) == []
    early = api_client(staff).post(url, json={"hours": 40,
                                              "early_reason": "Ran over winter break"})
    assert early.status_code == 200, early.get_json()
    run_jobs()
    assert len(evidence_rows(student.id)) == 2
    audit = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "placement.completed_early"))
    assert audit.reason == "Ran over winter break" and audit.subject_id == placement.id


def test_a_completion_form_with_an_error_keeps_what_was_typed(login_as, client):
    placement, employer, _ = hired_placement()
    login_as(employer)
    page = f"/employers/applications/{placement.application_id}"
    response = client.submit(f"/employers/placements/{placement.id}/complete", {
        "hours": "", "rating_teamwork": "4", "rating_communication": "3",
        "comment": "Kept every promise."}, page=page)
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Kept every promise." in html and "Enter the hours worked" in html
    fields = form_fields(html, f"/employers/placements/{placement.id}/complete", page=page)
    assert fields["rating_teamwork"] == "4" and fields["rating_communication"] == "3"
    db.session.expire_all()
    assert placement.status is PlacementStatus.ACTIVE
