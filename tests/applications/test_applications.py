"""Applying with a resume, the pipeline, placements, and who may see a student's record."""

from __future__ import annotations

import codecs
import csv
import io
import os
import time
from datetime import date, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask_migrate import upgrade

from marketplace import create_app
from marketplace.blueprints.applications.models import (
    EMPLOYER_MOVES,
    STUDENT_MOVES,
    Application,
    ApplicationStatus,
    Placement,
    RecordAccess,
)
from marketplace.blueprints.applications.services import sweep_unreferenced_resumes
from marketplace.blueprints.opportunities.models import Opportunity, OpportunityStatus
from marketplace.core.extensions import db
from marketplace.core.jobs import PERIODIC
from marketplace.core.models import AuditEntry
from marketplace.core.policies import Role
from marketplace.core.storage import storage
from marketplace.core.text import csv_safe
from tests.factories import (
    AlumniFactory,
    EmployerFactory,
    OpportunityFactory,
    StaffFactory,
    StudentFactory,
)
from tests.support import PDF, app_config, form_fields, fresh_database, post_concurrently

A = ApplicationStatus


def upload(content: bytes = PDF, name: str = "resume.pdf"):
    return (io.BytesIO(content), name)


def apply_through_form(client, opportunity, content=PDF, name="Maya Resume.pdf",
                       letter="I would love to learn from your team."):
    return client.submit(f"/opportunities/{opportunity.id}/apply",
                         {"cover_letter": letter, "resume": upload(content, name)},
                         page=f"/opportunities/{opportunity.id}",
                         content_type="multipart/form-data")


def test_student_applies_with_a_pdf(app, login_as, client):
    opportunity = OpportunityFactory()
    student = StudentFactory()
    db.session.commit()
    login_as(student)
    response = apply_through_form(client, opportunity)
    assert response.status_code == 302
    db.session.expire_all()
    application = db.session.scalar(sa.select(Application))
    assert application.status is A.SUBMITTED and application.resume_filename == "Maya Resume.pdf"
    stored = Path(app.config["UPLOAD_FOLDER"]) / "resumes" / application.resume_stored_name
    assert stored.read_bytes() == PDF and "static" not in str(stored)
    assert application.resume_stored_name != "Maya Resume.pdf"
    page = client.get(f"/students/applications/{application.id}").get_data(as_text=True)
    assert "Submitted" in page and "Nobody yet" in page


@pytest.mark.parametrize("content, name, message, status", [
    (b"MZ\x90\x00" + b"\x00" * 500, "resume.pdf", "must be a PDF", 422),
    (b"", "resume.pdf", "is empty", 422),
    (b"%PDF-1.4\n" + b"0" * (5 * 1024 * 1024 + 10) + b"\n%%EOF", "big.pdf", "at most 5 MB", 422),
    (b"%PDF-1.4\n" + b"0" * (6 * 1024 * 1024) + b"\n%%EOF", "huge.pdf", "too large", 413),
])
def test_upload_rejections(app, login_as, client, content, name, message, status):
    opportunity = OpportunityFactory()
    db.session.commit()
    login_as(StudentFactory())
    response = apply_through_form(client, opportunity, content=content, name=name)
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 0
    folder = Path(app.config["UPLOAD_FOLDER"]) / "resumes"
    assert not folder.exists() or all(p.read_bytes() != content for p in folder.iterdir())


def test_hostile_file_name_is_neutralised(login_as, client):
    opportunity = OpportunityFactory()
    db.session.commit()
    login_as(StudentFactory())
    apply_through_form(client, opportunity, name="../../etc/passwd\x00<script>x</script>.pdf")
    db.session.expire_all()
    application = db.session.scalar(sa.select(Application))
    assert "/" not in application.resume_filename and "\x00" not in application.resume_filename
    assert len(application.resume_stored_name) == 36  # 32 hex + ".pdf"
    page = client.get(f"/students/applications/{application.id}").get_data(as_text=True)
    assert "<script>x</script>" not in page


def test_one_application_per_student_per_posting(login_as, client):
    opportunity = OpportunityFactory()
    db.session.commit()
    login_as(StudentFactory())
    apply_through_form(client, opportunity)
    response = apply_through_form(client, opportunity)
    assert "already applied" in response.get_data(as_text=True) or response.status_code == 302
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(Application.id))) == 1


def test_no_applications_after_the_deadline(api_client):
    # Two days: "today" is the institution's, which may be a day behind UTC.
    opportunity = OpportunityFactory(application_deadline=date.today() - timedelta(days=2))
    student = StudentFactory()
    db.session.commit()
    response = api_client(student).post(f"/api/v1/opportunities/{opportunity.id}/applications",
                                        json={"cover_letter": "hi"})
    assert response.status_code == 409 and "deadline" in response.get_json()["error"]["message"]


@pytest.mark.parametrize("source", list(A))
@pytest.mark.parametrize("target", list(A))
def test_move_table(source, target):
    employer_ok = target in EMPLOYER_MOVES.get(source, ())
    student_ok = target in STUDENT_MOVES.get(source, ())
    open_source = source in {A.SUBMITTED, A.REVIEWING, A.INTERVIEWING, A.OFFERED}
    assert not (employer_ok and student_ok)
    if target is A.WITHDRAWN:
        assert student_ok == open_source
    if target is A.DECLINED:
        assert employer_ok == open_source
    if target in (A.HIRED, A.OFFER_DECLINED):
        assert student_ok == (source is A.OFFERED) and not employer_ok
    if not open_source:
        assert not employer_ok and not student_ok


def make_application(status=A.SUBMITTED):
    opportunity = OpportunityFactory()
    employer = EmployerFactory(organization=opportunity.organization)
    opportunity.created_by = employer
    student = StudentFactory()
    application = Application(opportunity=opportunity, student=student, cover_letter="Hello",
                              status=status)
    db.session.add(application)
    db.session.commit()
    return application, employer, student


def test_pipeline_offer_accept_creates_one_placement(api_client):
    application, employer, student = make_application()
    employer_api, student_api = api_client(employer), api_client(student)
    for status in ("reviewing", "interviewing", "offered"):
        response = employer_api.post(f"/api/v1/applications/{application.id}/status",
                                     json={"status": status})
        assert response.status_code == 200, response.get_json()
    assert employer_api.post(f"/api/v1/applications/{application.id}/status",
                             json={"status": "hired"}).status_code == 409
    accepted = student_api.post(f"/api/v1/applications/{application.id}/status",
                                json={"status": "hired"})
    assert accepted.status_code == 200 and accepted.get_json()["placement_id"]
    again = student_api.post(f"/api/v1/applications/{application.id}/status",
                             json={"status": "hired"})
    assert again.status_code == 409
    assert db.session.scalar(sa.select(sa.func.count(Placement.id))) == 1


def test_students_withdraw_and_employers_decline_with_a_message(login_as, client, api_client):
    application, employer, student = make_application()
    response = api_client(employer).post(f"/api/v1/applications/{application.id}/status",
                                         json={"status": "declined", "note": "Filled, sorry"})
    assert response.get_json()["status"] == "declined"
    login_as(student)
    page = client.get(f"/students/applications/{application.id}").get_data(as_text=True)
    assert "Filled, sorry" in page
    other, _, other_student = make_application()
    client.post("/auth/logout", data={"csrf_token": client.csrf_token()})
    login_as(other_student)
    client.submit(f"/students/applications/{other.id}/withdraw",
                  page=f"/students/applications/{other.id}")
    db.session.expire_all()
    assert other.status is A.WITHDRAWN


def test_privacy_of_applications(app, api_client, login_as, client):
    application, employer, student = make_application()
    outsider = EmployerFactory()
    alum = AlumniFactory()
    staff = StaffFactory()
    db.session.commit()
    assert api_client(outsider).post(f"/api/v1/applications/{application.id}/status",
                                     json={"status": "reviewing"}).status_code == 404
    assert api_client(outsider).get("/api/v1/applications").get_json()["items"] == []
    assert api_client(alum).get("/api/v1/applications").get_json()["items"] == []
    assert len(api_client(staff).get("/api/v1/applications").get_json()["items"]) == 1
    assert len(api_client(student).get("/api/v1/applications").get_json()["items"]) == 1
    for user, expected in ((outsider, 404), (alum, 403), (employer, 200)):
        viewer = app.test_client()
        viewer.submit("/auth/login", {"email": user.email,
                                      "password": "correct horse battery staple"})
        assert viewer.get(f"/employers/applications/{application.id}").status_code == expected


def test_views_and_downloads_are_logged_and_shown_to_the_student(app, login_as, client):
    opportunity = OpportunityFactory()
    employer = EmployerFactory(organization=opportunity.organization, name="Erin Employer")
    student = StudentFactory()
    db.session.commit()
    login_as(student)
    apply_through_form(client, opportunity)
    db.session.expire_all()
    application = db.session.scalar(sa.select(Application))
    employer_client = app.test_client()
    employer_client.submit("/auth/login", {"email": employer.email,
                                           "password": "correct horse battery staple"})
    assert employer_client.get(f"/employers/applications/{application.id}").status_code == 200
    download = employer_client.get(f"/employers/applications/{application.id}/resume")
    assert download.status_code == 200 and download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    db.session.expire_all()
    assert sorted(db.session.scalars(sa.select(RecordAccess.what))) == ["application", "resume"]
    page = client.get(f"/students/applications/{application.id}").get_data(as_text=True)
    assert "Erin Employer" in page and "viewed your application and resume: 2 times, last" in page
    assert "(application 1, resume 1)" in page


@pytest.mark.no_db
def test_two_concurrent_accepts_make_one_placement():
    app = create_app(app_config(fresh_database("accept_race")))
    from marketplace.blueprints.accounts.services import create_user, issue_api_token

    with app.app_context():
        upgrade()
        employer = create_user("hr@race2.example", "HR", Role.EMPLOYER, "employer passphrase",
                               organization_name="Race Two")
        student = create_user("s@race2.example", "Stu", Role.STUDENT, "student passphrase")
        opportunity = Opportunity(organization=employer.organization, created_by=employer,
                                  title="Race", kind="internship", career_cluster="education",
                                  description="d", location="x",
                                  status=OpportunityStatus.PUBLISHED)
        application = Application(opportunity=opportunity, student=student,
                                  status=ApplicationStatus.OFFERED)
        db.session.add_all([opportunity, application])
        db.session.commit()
        tokens = [issue_api_token(student) for _ in range(2)]
        db.session.commit()
        application_id = application.id

    results = post_concurrently(app, [(token, f"/api/v1/applications/{application_id}/status",
                                       {"status": "hired"}) for token in tokens])
    assert sorted(status for status, _ in results) == [200, 409]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Placement.id))) == 1
        db.engine.dispose()


def test_offer_beyond_positions_needs_confirmation(api_client):
    first, employer, _ = make_application(status=A.OFFERED)
    second = Application(opportunity=first.opportunity, student=StudentFactory(),
                         cover_letter="Me too")
    db.session.add(second)
    db.session.commit()
    employer_api = api_client(employer)
    refused = employer_api.post(f"/api/v1/applications/{second.id}/status",
                                json={"status": "offered"})
    assert refused.status_code == 409
    assert "confirm_over_positions" in refused.get_json()["error"]["fields"]
    confirmed = employer_api.post(f"/api/v1/applications/{second.id}/status",
                                  json={"status": "offered", "confirm_over_positions": True})
    assert confirmed.status_code == 200


def test_bulk_decline_and_csv_export(login_as, client):
    application, employer, student = make_application()
    other = Application(opportunity=application.opportunity, student=StudentFactory(
        name='=HYPERLINK("x")'), cover_letter="+1 formula")
    db.session.add(other)
    db.session.commit()
    login_as(employer)
    page = f"/employers/opportunities/{application.opportunity_id}/applicants"
    export = client.get(page.replace("/applicants", "/applicants.csv"))
    assert export.status_code == 200 and export.headers["Content-Type"].startswith("text/csv")
    text = export.get_data(as_text=True)
    assert student.email in text and "'=HYPERLINK" in text and "'+1 formula" in text
    response = client.submit(page + "/decline", {"application_ids": [application.id, other.id],
                                                 "note": "Thank you for applying."}, page=page)
    assert response.status_code == 302
    db.session.expire_all()
    assert {application.status, other.status} == {A.DECLINED}
    assert db.session.scalar(sa.select(sa.func.count(RecordAccess.id)).where(
        RecordAccess.what == "export")) == 2


def test_staff_read_the_access_log(login_as, client, api_client):
    application, employer, student = make_application()
    employer_api = api_client(employer)
    employer_api.get("/api/v1/applications")
    employer_api.get(f"/api/v1/applications/{application.id}")
    login_as(StaffFactory())
    page = client.get("/staff/access-log").get_data(as_text=True)
    assert employer.email in page and student.name in page  # the one application read
    assert f"{employer.name}: 1 applications (#{application.id})" in page  # the list


def test_a_list_is_paged_and_logged_once_per_request(api_client):
    first, employer, _ = make_application()
    for _ in range(4):
        db.session.add(Application(opportunity=first.opportunity, student=StudentFactory(),
                                   cover_letter="Me too"))
    db.session.commit()
    client = api_client(employer)
    seen, cursor = [], None
    while True:
        page = client.get("/api/v1/applications", query_string={
            "limit": 2, **({"cursor": cursor} if cursor else {})}).get_json()
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 and seen == sorted(seen, reverse=True)
    assert db.session.scalar(sa.select(sa.func.count(RecordAccess.id))) == 0
    entries = db.session.scalars(sa.select(AuditEntry).where(
        AuditEntry.action == "applications.listed")).all()
    assert [len(e.details["application_ids"]) for e in entries] == [2, 2, 1]
    assert client.get("/api/v1/applications?cursor=garbage").status_code == 400


def test_review_fixes_for_records(app, api_client, login_as, client):
    from marketplace.blueprints.accounts.models import OrganizationStatus
    from marketplace.blueprints.applications.services import display_name

    assert display_name("cv.bat") == "cv.bat.pdf" and display_name("My CV.PDF") == "My CV.pdf"
    application, employer, student = make_application()
    employer.organization.status = OrganizationStatus.SUSPENDED
    db.session.commit()
    assert api_client(employer).post(f"/api/v1/applications/{application.id}/status",
                                     json={"status": "interviewing"}).status_code == 404
    assert api_client(employer).get("/api/v1/applications").get_json()["items"] == []


def test_completion_rejects_tiny_hours_and_boolean_ratings(api_client):
    opportunity = OpportunityFactory()
    employer = EmployerFactory(organization=opportunity.organization)
    student = StudentFactory()
    application = Application(opportunity=opportunity, student=student, status=A.HIRED)
    placement = Placement(application=application, student_id=student.id,
                          opportunity_id=opportunity.id)
    db.session.add_all([application, placement])
    db.session.commit()
    for body in ({"hours": 0.01}, {"hours": 5, "ratings": {"teamwork": True}}):
        assert api_client(employer).post(f"/api/v1/placements/{placement.id}/complete",
                                         json=body).status_code == 422


@pytest.mark.no_db
def test_two_concurrent_offers_respect_the_positions():
    app = create_app(app_config(fresh_database("offer_race")))
    from marketplace.blueprints.accounts.services import create_user, issue_api_token

    with app.app_context():
        upgrade()
        first = create_user("a@race3.example", "A", Role.EMPLOYER, "employer passphrase",
                            organization_name="Race Three")
        second = create_user("b@race3.example", "B", Role.EMPLOYER, "employer passphrase",
                             organization_name="Race Three")
        opportunity = Opportunity(organization=first.organization, created_by=first,
                                  title="One seat", kind="internship", career_cluster="education",
                                  description="d", location="x", positions=1,
                                  status=OpportunityStatus.PUBLISHED)
        applications = [Application(opportunity=opportunity, cover_letter="hi",
                                    student=create_user(f"s{n}@race3.example", f"S{n}",
                                                        Role.STUDENT, "student passphrase"))
                        for n in range(2)]
        db.session.add_all([opportunity, *applications])
        db.session.commit()
        calls = [(issue_api_token(user), f"/api/v1/applications/{application.id}/status",
                  {"status": "offered"}) for user, application in zip(
                      (first, second), applications, strict=True)]
        db.session.commit()

    results = post_concurrently(app, calls)
    assert sorted(status for status, _ in results) == [200, 409]
    with app.app_context():
        db.engine.dispose()


def test_the_offer_message_survives_the_positions_warning(login_as, client):
    first, employer, _ = make_application(status=A.OFFERED)
    first.opportunity.positions = 1
    second = Application(opportunity=first.opportunity, student=StudentFactory(),
                         cover_letter="Me too", status=A.INTERVIEWING)
    db.session.add(second)
    db.session.commit()
    login_as(employer)
    page = f"/employers/applications/{second.id}"
    warned = client.submit(f"{page}/move", {"status": "offered",
                                            "note": "We would love to have you in June."},
                           page=page)
    assert warned.status_code == 422
    html = warned.get_data(as_text=True)
    assert "We would love to have you in June." in html
    fields = form_fields(html, f"{page}/move", page=page)
    assert fields["status"] == "offered" and "confirm_over_positions" in html
    fields["confirm_over_positions"] = "y"
    assert client.post(f"{page}/move", data=fields).status_code == 302
    db.session.expire_all()
    assert second.status is A.OFFERED
    assert second.events[-1].note == "We would love to have you in June."


def test_the_applicants_csv_opens_in_excel_as_typed(login_as, client):
    application, employer, student = make_application()
    student.name = "Zoë Ångström"
    db.session.commit()
    login_as(employer)
    body = client.get(f"/employers/opportunities/{application.opportunity_id}/applicants.csv"
                      ).get_data()
    assert body.startswith(codecs.BOM_UTF8)  # Excel reads UTF-8 only with the mark
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert any("Zoë Ångström" in row for row in rows)


@pytest.mark.parametrize("cell", ["=1+1", "＝1+1", "|calc", "＋1", "－1", "＠SUM(A1)", "@x"])
def test_formula_starts_are_escaped(cell):
    assert csv_safe(cell) == "'" + cell


def test_the_sweep_removes_only_old_files_nobody_refers_to(app, login_as, client):
    opportunity = OpportunityFactory()
    db.session.commit()
    login_as(StudentFactory())
    apply_through_form(client, opportunity)
    db.session.expire_all()
    kept = db.session.scalar(sa.select(Application.resume_stored_name))
    store = storage()
    store.put("resumes/left-by-a-failed-request.pdf", PDF)
    store.put("resumes/being-saved-right-now.pdf", PDF)
    hour_ago = time.time() - 2 * 3600
    for name in (kept, "left-by-a-failed-request.pdf"):
        os.utime(Path(app.config["UPLOAD_FOLDER"]) / "resumes" / name, (hour_ago, hour_ago))
    partial = Path(app.config["UPLOAD_FOLDER"]) / "resumes" / ".dead.pdf.1234.partial"
    partial.write_bytes(b"%PDF-half")
    os.utime(partial, (hour_ago, hour_ago))
    assert sweep_unreferenced_resumes() == 1
    assert not partial.exists()  # left by a process that died while writing
    assert store.exists(f"resumes/{kept}") and store.exists("resumes/being-saved-right-now.pdf")
    assert not store.exists("resumes/left-by-a-failed-request.pdf")
    assert "sweep_stored_files" in PERIODIC
