"""Outcomes from real work: each rule records exactly one row per qualifying act (its job
run twice records once), a withdrawn approval adds a reversing row, rules are versioned,
the spectrum follows its rule, and only the right people see and act."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marketplace.blueprints.applications.models import (
    Application,
    ApplicationStatus,
    Placement,
    PlacementStatus,
)
from marketplace.blueprints.applications.services import complete_placement, move_application
from marketplace.blueprints.outcomes import jobs
from marketplace.blueprints.outcomes.models import (
    CareerPlan,
    DocumentSubmission,
    OutcomeEvidence,
    OutcomeRule,
    SourceKind,
    StudentAttainment,
)
from marketplace.blueprints.outcomes.rules import change_rule, current_rule
from marketplace.blueprints.outcomes.services import rebuild_attainment, record_evidence
from marketplace.blueprints.outcomes.spectrum import Activity, Stage, stage_for, stage_of
from marketplace.core.extensions import db
from marketplace.core.models import AuditEntry
from marketplace.core.storage import storage
from tests.factories import (
    DEFAULT_PASSWORD,
    AlumniFactory,
    EmployerFactory,
    OpportunityFactory,
    StaffFactory,
    StudentFactory,
)

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def plan_body(**changes) -> dict:
    soon = date.today() + timedelta(days=30)
    body = {"goals": "Work as a data analyst in public health.", "cluster": "digital_technology",
            "roles": "Data analyst, research assistant",
            "next_steps": [{"step": f"Step number {n}", "due": (soon + timedelta(days=n))
                            .isoformat()} for n in range(3)]}
    body.update(changes)
    return body


def rows(outcome: str, student_id: int | None = None) -> list[OutcomeEvidence]:
    statement = sa.select(OutcomeEvidence).where(OutcomeEvidence.outcome == outcome)
    if student_id is not None:
        statement = statement.where(OutcomeEvidence.student_id == student_id)
    return db.session.scalars(statement.order_by(OutcomeEvidence.id)).all()


def progress(api, student_id: int) -> dict:
    response = api.get(f"/api/v1/students/{student_id}/progress")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


# ---- Career Design ----


def test_a_signed_off_plan_records_career_design_once(api_client, run_jobs):
    student, staff = StudentFactory(), StaffFactory()
    db.session.commit()
    created = api_client(student).post("/api/v1/career-plans", json=plan_body())
    assert created.status_code == 201, created.get_json()
    plan_id = created.get_json()["id"]
    assert progress(api_client(student), student.id)["outcomes"]["career_design"] is False
    approved = api_client(staff).post(f"/api/v1/career-plans/{plan_id}/approve",
                                      json={"comment": "Clear and dated."})
    assert approved.status_code == 200 and approved.get_json()["status"] == "approved"
    run_jobs()
    review_id = rows("career_design", student.id)[0].source_id
    jobs.record_review_evidence(review_id)  # the job again: nothing new
    recorded = rows("career_design", student.id)
    assert len(recorded) == 1 and recorded[0].source_kind is SourceKind.CAREER_PLAN
    assert recorded[0].rule_version_id == current_rule("career_design.career_plan").id
    assert progress(api_client(student), student.id)["outcomes"]["career_design"] is True
    # Approving again is a conflict, not a second row.
    again = api_client(staff).post(f"/api/v1/career-plans/{plan_id}/approve")
    assert again.status_code == 409


@pytest.mark.parametrize("changes, field", [
    ({"cluster": "space_piracy"}, "cluster"),
    ({"goals": "short"}, "goals"),
    ({"next_steps": [{"step": "Only one", "due": "2030-01-01"}]}, "next_steps"),
    ({"next_steps": [{"step": "Past step", "due": "2001-01-01"}] * 3}, "due_1"),
])
def test_a_plan_with_a_bad_field_is_refused_with_its_name(api_client, changes, field):
    student = StudentFactory()
    db.session.commit()
    response = api_client(student).post("/api/v1/career-plans", json=plan_body(**changes))
    assert response.status_code == 422
    assert field in response.get_json()["error"]["fields"]
    assert db.session.scalar(sa.select(sa.func.count(CareerPlan.id))) == 0


def test_the_plan_form_keeps_what_was_typed_and_names_each_problem(login_as, client):
    student = StudentFactory()
    db.session.commit()
    login_as(student)
    response = client.submit("/me/career-plan", {
        "goals": "I want to teach chemistry in a high school.", "cluster": "education",
        "roles": "Chemistry teacher", "step_1": "Talk to my advisor", "due_1": "not a date",
        "step_2": "", "due_2": "2030-01-01", "step_3": "Shadow a teacher", "due_3": ""})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "I want to teach chemistry in a high school." in page and "Talk to my advisor" in page
    assert "Use a date like 2027-03-31." in page and "Write your next step 2." in page
    assert "Give next step 3 a date." in page


# ---- Articulation, and reversal ----


def send_pdf(api, kind: str = "resume", data: bytes = PDF, name: str = "cv.pdf"):
    return api.post("/api/v1/documents", data={"kind": kind, "file": (io.BytesIO(data), name)},
                    content_type="multipart/form-data")


def test_an_approved_document_records_articulation_and_a_withdrawal_reverses_it(
        api_client, run_jobs, login_as, client):
    student, staff = StudentFactory(), StaffFactory()
    db.session.commit()
    sent = send_pdf(api_client(student))
    assert sent.status_code == 201, sent.get_json()
    document_id = sent.get_json()["id"]
    reviewed = api_client(staff).post(f"/api/v1/documents/{document_id}/review",
                                      json={"decision": "approved", "comment": "Strong."})
    assert reviewed.status_code == 200
    run_jobs()
    [row] = rows("articulation", student.id)
    jobs.record_review_evidence(row.source_id)
    assert len(rows("articulation", student.id)) == 1
    assert db.session.get(StudentAttainment, student.id).articulation is not None

    # Withdrawing needs a reason; with one, a reversing row is added, nothing deleted.
    assert api_client(staff).post(f"/api/v1/documents/{document_id}/review",
                                  json={"decision": "approval_withdrawn"}).status_code == 422
    withdrawn = api_client(staff).post(
        f"/api/v1/documents/{document_id}/review",
        json={"decision": "approval_withdrawn", "comment": "This is someone else's resume."})
    assert withdrawn.status_code == 200
    run_jobs()
    ledger = rows("articulation", student.id)
    assert [r.source_kind for r in ledger] == [SourceKind.DOCUMENT_REVIEW] * 2
    assert ledger[1].reverses_id == ledger[0].id and ledger[0].reverses_id is None
    withdrawal_id = ledger[1].source_id
    jobs.reverse_review_evidence(withdrawal_id)  # again: still one reversal
    assert len(rows("articulation", student.id)) == 2
    db.session.expire_all()
    assert db.session.get(StudentAttainment, student.id).articulation is None
    assert progress(api_client(staff), student.id)["outcomes"]["articulation"] is False
    rebuild_attainment()  # a rebuild agrees: a reversed row does not count
    db.session.expire_all()
    rebuilt = db.session.get(StudentAttainment, student.id)
    assert rebuilt is None or rebuilt.articulation is None

    login_as(student)
    page = client.get("/me/outcomes").get_data(as_text=True)
    assert "Approvals withdrawn" in page and "someone else&#39;s resume" in page


@pytest.mark.parametrize("data, message", [
    (b"", "The file is empty."),
    (b"MZ\x90\x00 a program, not a PDF %%EOF", "Not a PDF file."),
    (b"%PDF-1.4 but cut off", "Not a PDF file."),
    (b"%PDF-" + b"0" * (5 * 1024 * 1024) + b"%%EOF", "At most 5 MB."),
])
def test_documents_are_checked_by_content_and_nothing_is_stored_when_refused(
        api_client, data, message):
    student = StudentFactory()
    db.session.commit()
    before = {key for key, _ in storage().keys("documents")}
    response = send_pdf(api_client(student), data=data, name="resume.pdf")
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"]["file"] == message
    assert {key for key, _ in storage().keys("documents")} == before
    assert db.session.scalar(sa.select(sa.func.count(DocumentSubmission.id))) == 0


def test_a_document_that_cannot_be_saved_leaves_no_file(app, monkeypatch):
    from werkzeug.datastructures import FileStorage

    from marketplace.blueprints.outcomes.documents import submit_document

    student = StudentFactory()
    db.session.commit()
    before = {key for key, _ in storage().keys("documents")}
    with app.test_request_context():
        submit_document(student, "resume", FileStorage(io.BytesIO(PDF), "cv.pdf"))
        assert len({key for key, _ in storage().keys("documents")} - before) == 1
        db.session.rollback()  # the row is not saved: neither is the file
    assert {key for key, _ in storage().keys("documents")} == before


def test_the_document_form_page_and_the_staff_queue(login_as, client, app, run_jobs):
    student, staff = StudentFactory(name="Dana Doc"), StaffFactory()
    db.session.commit()
    login_as(student)
    refused = client.submit("/me/documents", {"kind": "cover_letter",
                                              "file": (io.BytesIO(b"hello"), "letter.pdf")},
                            content_type="multipart/form-data")
    assert refused.status_code == 422 and "Not a PDF file." in refused.get_data(as_text=True)
    sent = client.submit("/me/documents", {"kind": "cover_letter",
                                           "file": (io.BytesIO(PDF), "letter.pdf")},
                         content_type="multipart/form-data")
    assert sent.status_code == 302
    document = db.session.scalar(sa.select(DocumentSubmission))
    assert client.get(f"/me/documents/{document.id}/file").data == PDF
    staff_client = app.test_client()
    assert staff_client.submit("/auth/login", {"email": staff.email,
                                               "password": DEFAULT_PASSWORD}).status_code == 302
    queue = staff_client.get("/staff/outcomes/reviews").get_data(as_text=True)
    assert "Dana Doc" in queue and "Cover letter" in queue
    assert staff_client.get(f"/staff/outcomes/documents/{document.id}/file").data == PDF


# ---- Skills & Competencies ----


def placement_for(student, ratings: dict | None):
    opportunity = OpportunityFactory(start_date=date.today() - timedelta(days=60))
    employer = EmployerFactory(organization=opportunity.organization)
    application = Application(opportunity=opportunity, student=student,
                              status=ApplicationStatus.HIRED)
    placement = Placement(application=application, student_id=student.id,
                          opportunity_id=opportunity.id)
    db.session.add_all([application, placement])
    db.session.flush()
    complete_placement(placement.id, employer, 120.0, ratings=ratings)
    db.session.commit()
    return placement


STRONG = {"communication": 4, "teamwork": 3, "technology": 3, "leadership": 2}
WEAK = {"communication": 4, "teamwork": 3, "technology": 2}


def test_an_evaluation_meeting_the_rule_records_skills_once(run_jobs):
    strong, weak = StudentFactory(), StudentFactory()
    first = placement_for(strong, STRONG)
    placement_for(weak, WEAK)
    run_jobs()
    jobs.record_placement_evidence(first.id)  # again: nothing new
    [row] = rows("skills_competencies", strong.id)
    assert row.source_kind is SourceKind.EVALUATION and row.source_id == first.id
    assert row.rule_version_id == current_rule("skills_competencies.evaluation").id
    assert rows("skills_competencies", weak.id) == []
    # The placement rules of old name their versions too.
    assert {r.rule_version_id for r in rows("experiential_learning", strong.id)} == {
        current_rule("experiential_learning.placement").id}


def test_a_rule_change_makes_a_new_version_and_never_rewrites_past_rows(run_jobs):
    staff = StaffFactory()
    before = placement_for(StudentFactory(), STRONG)
    run_jobs()
    [old_row] = rows("skills_competencies")
    old_version = old_row.rule_version_id
    changed = change_rule("skills_competencies.evaluation",
                          {"min_competencies": "2", "min_rating": "3"},
                          "Two strong competencies are enough for a first placement.", staff)
    db.session.commit()
    assert changed.version == 2
    later_student = StudentFactory()
    placement_for(later_student, WEAK)  # two rated 3 or 4: counts under version 2
    run_jobs()
    db.session.expire_all()
    assert db.session.get(OutcomeEvidence, old_row.id).rule_version_id == old_version
    [new_row] = rows("skills_competencies", later_student.id)
    assert new_row.rule_version_id == changed.id != old_version
    assert db.session.get(OutcomeRule, old_version).params["min_competencies"] == 3
    assert db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "outcome_rule.changed")).reason.startswith("Two strong")
    assert before.status is PlacementStatus.COMPLETED


def test_the_rules_page_changes_a_rule_and_keeps_a_bad_value_with_its_message(login_as,
                                                                               client):
    login_as(StaffFactory())
    page = client.get("/staff/outcomes/rules").get_data(as_text=True)
    assert "at least 3 of the 8 NACE competencies 3 or higher" in page
    assert "The career learning spectrum" in page
    bad = client.submit("/staff/outcomes/rules/job_search.job_search",
                        {"min_applications": "500", "min_interviewing": "1",
                         "note": "Tougher"}, page="/staff/outcomes/rules")
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Enter a whole number from 1 to 50." in text
    assert 'value="500"' in text
    for typed in ("--3", "²", "9" * 5000, "3.5", " "):
        odd = client.submit("/staff/outcomes/rules/job_search.job_search",
                            {"min_applications": typed, "min_interviewing": "1",
                             "note": "Typed oddly"}, page="/staff/outcomes/rules")
        assert odd.status_code == 422, typed[:10]
        assert "Enter a whole number from 1 to 50." in odd.get_data(as_text=True)
    good = client.submit("/staff/outcomes/rules/job_search.job_search",
                         {"min_applications": "4", "min_interviewing": "1",
                          "note": "Smaller classes this year"}, page="/staff/outcomes/rules")
    assert good.status_code == 302
    assert current_rule("job_search.job_search").params["min_applications"] == 4
    assert current_rule("job_search.job_search").version == 2


# ---- Job Search ----


def applications_for(student, count: int, interviewing: int = 0) -> None:
    for n in range(count):
        opportunity = OpportunityFactory()
        employer = EmployerFactory(organization=opportunity.organization)
        application = Application(opportunity=opportunity, student=student)
        db.session.add(application)
        db.session.flush()
        if n < interviewing:
            move_application(application.id, ApplicationStatus.INTERVIEWING, employer)
    db.session.commit()


def test_five_applications_one_interviewing_record_job_search_once_per_student(api_client,
                                                                               run_jobs):
    searcher, short, no_interviews = StudentFactory(), StudentFactory(), StudentFactory()
    applications_for(searcher, 5, interviewing=1)
    applications_for(short, 4, interviewing=2)
    applications_for(no_interviews, 6)
    run_jobs()
    for student in (searcher, short, no_interviews):
        jobs.record_job_search_evidence(student.id)
        jobs.record_job_search_evidence(student.id)
    [row] = rows("job_search")
    assert row.student_id == searcher.id and row.source_id == searcher.id
    assert row.details == {"applications": 5, "interviewing": 1}
    # A sixth application through the API queues the job again: still one row.
    opportunity = OpportunityFactory()
    db.session.commit()
    assert api_client(searcher).post(f"/api/v1/opportunities/{opportunity.id}/applications",
                                     json={}).status_code == 201
    run_jobs()
    assert len(rows("job_search")) == 1


# ---- the spectrum ----


def test_the_stage_follows_the_one_rule_and_its_parameters():
    assert stage_of(Activity()) is Stage.AWARENESS
    assert stage_of(Activity(plan=True)) is Stage.EXPLORATION
    assert stage_of(Activity(outcomes=1)) is Stage.EXPLORATION
    assert stage_of(Activity(hired=True)) is Stage.EXPERIENCE
    assert stage_of(Activity(outcomes=4)) is Stage.PREPARATION
    assert stage_of(Activity(outcomes=2), {"exploration_outcomes": 3,
                                           "preparation_outcomes": 2}) is Stage.PREPARATION
    assert stage_of(Activity(outcomes=1), {"exploration_outcomes": 2,
                                           "preparation_outcomes": 4}) is Stage.AWARENESS


def test_a_rule_change_moves_the_stage_everywhere(api_client, login_as, client):
    staff, student = StaffFactory(), StudentFactory()
    for n, outcome in enumerate(("career_design", "articulation")):
        record_evidence(student.id, outcome, SourceKind.STAFF, 7000 + n)
    db.session.commit()
    assert stage_for(student.id) is Stage.EXPLORATION
    change_rule("spectrum", {"exploration_outcomes": 1, "preparation_outcomes": 2},
                "Two outcomes mean a student is preparing", staff)
    db.session.commit()
    assert progress(api_client(student), student.id)["stage"] == "preparation"
    login_as(student)
    assert "Where you are: Preparation" in client.get("/me/outcomes").get_data(as_text=True)
    assert "Where you are: Preparation" in client.get("/students/").get_data(as_text=True)


def test_staff_see_the_stages_by_class(login_as, client):
    StudentFactory()
    hired = StudentFactory()
    opportunity = OpportunityFactory()
    application = Application(opportunity=opportunity, student=hired,
                              status=ApplicationStatus.HIRED)
    db.session.add(application)
    db.session.commit()
    login_as(StaffFactory())
    page = client.get("/staff/outcomes/spectrum").get_data(as_text=True)
    assert 'data-label="Class">2027<' in page
    assert 'data-label="Experience">1 (' in page


# ---- permissions ----


def test_students_see_only_their_own_and_only_staff_review(api_client, login_as, client):
    student, other, staff = StudentFactory(), StudentFactory(), StaffFactory()
    employer, alum = EmployerFactory(), AlumniFactory()
    db.session.commit()
    plan_id = api_client(student).post("/api/v1/career-plans",
                                       json=plan_body()).get_json()["id"]
    document_id = send_pdf(api_client(student)).get_json()["id"]
    other_api = api_client(other)
    assert other_api.get(f"/api/v1/students/{student.id}/progress").status_code == 403
    assert api_client(employer).get(f"/api/v1/students/{student.id}/progress"
                                    ).status_code == 403
    assert api_client(alum).get(f"/api/v1/students/{student.id}/progress").status_code == 403
    assert other_api.post(f"/api/v1/career-plans/{plan_id}/approve").status_code == 403
    assert api_client(student).post(f"/api/v1/career-plans/{plan_id}/approve"
                                    ).status_code == 403
    assert api_client(student).post(f"/api/v1/documents/{document_id}/review",
                                    json={"decision": "approved"}).status_code == 403
    assert api_client(staff).post("/api/v1/career-plans", json=plan_body()).status_code == 403
    assert api_client(employer).post("/api/v1/documents", json={"kind": "resume"}
                                     ).status_code == 403
    # Another student's file: as if it did not exist.
    login_as(other)
    assert client.get(f"/me/documents/{document_id}/file").status_code == 404
    assert client.get(f"/staff/outcomes/documents/{document_id}").status_code == 403
    assert client.get("/staff/outcomes/reviews").status_code == 403
    assert api_client(staff).get(f"/api/v1/students/{employer.id}/progress").status_code == 404
    assert api_client(staff).post("/api/v1/documents/2000000000/review",
                                  json={"decision": "approved"}).status_code == 404


def test_staff_review_a_plan_in_the_queue_and_the_student_reads_the_comment(
        api_client, login_as, client, app):
    student, staff = StudentFactory(name="Pat Planner"), StaffFactory()
    db.session.commit()
    plan_id = api_client(student).post("/api/v1/career-plans",
                                       json=plan_body()).get_json()["id"]
    login_as(staff)
    queue = client.get("/staff/outcomes/reviews").get_data(as_text=True)
    assert "Pat Planner" in queue and 'data-label="Waiting">just now<' in queue
    page = f"/staff/outcomes/plans/{plan_id}"
    missing = client.submit(page, {"decision": "changes_requested", "comment": ""})
    assert missing.status_code == 422
    asked = client.submit(page, {"decision": "changes_requested",
                                 "comment": "Date the second step sooner."})
    assert asked.status_code == 302
    assert db.session.get(CareerPlan, plan_id).status.value == "changes_requested"
    student_client = app.test_client()
    assert student_client.submit("/auth/login", {"email": student.email,
                                                 "password": DEFAULT_PASSWORD}).status_code == 302
    mine = student_client.get("/me/career-plan").get_data(as_text=True)
    assert "Changes requested" in mine and "Date the second step sooner." in mine
    # Rewritten, it goes back to the queue.
    assert api_client(student).post("/api/v1/career-plans",
                                    json=plan_body()).get_json()["status"] == "submitted"
    assert rows("career_design") == []
