"""Data rights: a person downloads everything held about them, and asks to be deleted;
staff carry it out, the person and what identifies them go, the counts stay."""

from __future__ import annotations

import io
import json
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marketplace.blueprints.accounts.models import ApiToken, StudentProfile, User
from marketplace.blueprints.accounts.services import authenticate
from marketplace.blueprints.applications.models import Application, ApplicationStatus
from marketplace.blueprints.mentoring import services as mentoring
from marketplace.blueprints.mentoring.models import (
    Booking,
    BookingStatus,
    MentoringSlot,
    SlotStatus,
)
from marketplace.blueprints.opportunities.models import SavedOpportunity
from marketplace.blueprints.outcomes import reports
from marketplace.blueprints.outcomes.imports import record_staff_evidence
from marketplace.blueprints.outcomes.models import (
    DestinationCategory,
    FirstDestination,
    OutcomeEvidence,
    SourceKind,
)
from marketplace.blueprints.outcomes.services import record_evidence
from marketplace.blueprints.privacy import services as privacy
from marketplace.blueprints.privacy.export import SECTIONS
from marketplace.blueprints.privacy.models import DeletionRequest, DeletionStatus
from marketplace.blueprints.privacy.services import erasure
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.models import AuditEntry
from marketplace.core.storage import storage
from tests.factories import (
    DEFAULT_PASSWORD,
    AlumniFactory,
    EmployerFactory,
    OpportunityFactory,
    OrganizationFactory,
    StaffFactory,
    StudentFactory,
)
from tests.support import PDF, form_fields

NAME, EMAIL = "Zebediah Quuxworth", "zeb.quux@school.edu"
HOST, MENTOR = "Ottoline Hostname", "Perpetua Mentorly"


def signed_in(app, user):
    client = app.test_client()
    response = client.submit("/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    assert response.status_code == 302
    return client


def make_campus(app, run_jobs):
    """A student with something in every corner of the product: an application with a
    resume and cover letter that the host looked at and moved with a note, a completed
    placement, a session held and one to come with an alum, a saved posting, staff
    evidence, a first destination, notifications and e-mails."""
    organization = OrganizationFactory(name="Acme Data")
    host = EmployerFactory(name=HOST, organization=organization)
    posting = OpportunityFactory(organization=organization, created_by=host)
    second = OpportunityFactory(organization=organization, created_by=host)
    alum = AlumniFactory(name=MENTOR)
    staff = StaffFactory()
    student = StudentFactory(name=NAME, email=EMAIL, student_profile=StudentProfile(
        graduation_year=2027, major="Biology", first_generation=True, pell_eligible=False))
    student.student_profile.clusters = ["healthcare_human_services"]
    db.session.commit()

    client = signed_in(app, student)
    response = client.submit(f"/opportunities/{posting.id}/apply",
                             {"cover_letter": "I have wanted this since school.",
                              "resume": (io.BytesIO(PDF), "Zeb CV.pdf")},
                             page=f"/opportunities/{posting.id}",
                             content_type="multipart/form-data")
    assert response.status_code == 302
    db.session.expire_all()
    application = db.session.scalar(sa.select(Application).where(
        Application.student_id == student.id))
    host_client = signed_in(app, host)
    assert host_client.get(f"/employers/applications/{application.id}").status_code == 200
    host_client.post(f"/api/v1/applications/{application.id}/status",
                     json={"status": "reviewing", "note": f"Great letter, {NAME}"},
                     headers={"X-CSRFToken": host_client.csrf_token()})

    done = Application(opportunity=second, student=student, cover_letter="Earlier one",
                       status=ApplicationStatus.HIRED)
    db.session.add(done)
    db.session.flush()
    from marketplace.blueprints.applications.models import Placement, PlacementStatus
    placement = Placement(application=done, student_id=student.id, opportunity_id=second.id,
                          status=PlacementStatus.COMPLETED, hours=40, completed_at=utcnow(),
                          reflection="I learned a lot.", comment=f"{NAME} was great")
    db.session.add(placement)
    db.session.flush()
    for outcome in ("experiential_learning", "connections"):
        record_evidence(student.id, outcome, SourceKind.PLACEMENT, placement.id,
                        {"organization": "Acme Data"})

    past = MentoringSlot(alumni_id=alum.id, starts_at=utcnow() - timedelta(days=3),
                         ends_at=utcnow() - timedelta(days=3) + timedelta(minutes=30),
                         duration_minutes=30, time_zone="America/New_York", capacity=1,
                         topic="Careers in data", location="https://meet.example/perpetua")
    db.session.add(past)
    db.session.flush()
    held = Booking(slot_id=past.id, student_id=student.id, status=BookingStatus.COMPLETED,
                   starts_at=past.starts_at, ends_at=past.ends_at, agenda="My questions",
                   completed_at=utcnow())
    db.session.add(held)
    db.session.flush()
    record_evidence(student.id, "connections", SourceKind.MENTORING, held.id,
                    {"alum": MENTOR, "topic": past.topic})
    future = MentoringSlot(alumni_id=alum.id, starts_at=utcnow() + timedelta(days=5),
                           ends_at=utcnow() + timedelta(days=5, minutes=30),
                           duration_minutes=30, time_zone="America/New_York", capacity=2,
                           topic="Interview practice", location="+1 555 0100")
    db.session.add(future)
    db.session.flush()
    mentoring.book(future.id, student, "Practice questions")
    db.session.add(SavedOpportunity(user_id=student.id, opportunity_id=posting.id))
    record_staff_evidence(student, "career_design", date(2026, 3, 2),
                          f"Career plan with {NAME}", staff)
    db.session.add(FirstDestination(student_id=student.id, recorded_on=date(2026, 6, 1),
                                    category=DestinationCategory.EMPLOYED_FULL_TIME,
                                    employer="Quuxworth Family Farm"))
    db.session.commit()
    run_jobs()  # the e-mails of the notifications (inline already without Redis)
    db.session.expire_all()
    return {"student": student, "client": client, "host": host, "host_client": host_client,
            "alum": alum, "staff": staff, "application": application, "posting": posting,
            "past_booking": held, "future_slot": future}


def rows_mentioning(*needles: str) -> list[str]:
    """Every (table.column) of every table whose text holds one of ``needles``."""
    found = []
    for table in db.metadata.sorted_tables:
        for column in table.columns:
            if isinstance(column.type, sa.Enum):
                continue  # fixed values only
            if isinstance(column.type, sa.JSON):
                expression = sa.cast(column, sa.Text)
            elif isinstance(column.type, sa.String | sa.Text):
                expression = column
            else:
                continue
            for needle in needles:
                count = db.session.scalar(sa.select(sa.func.count()).select_from(table).where(
                    expression.contains(needle, autoescape=True)))
                if count:
                    found.append(f"{table.name}.{column.name} ({needle}): {count}")
    return found


def outcome_counts(year: int | None) -> dict:
    """What the outcome reports say about a class: overall, by every group, destinations."""
    counts = {}
    for group_by in (None, *reports.GROUPS):
        summary = reports.summary(year, group_by)
        counts[group_by] = (summary.students,
                            [(o.key, o.with_evidence) for o in summary.outcomes],
                            [(g.value, g.students, sorted((k, c.with_evidence)
                                                          for k, c in g.outcomes.items()))
                             for g in summary.groups])
    cohort, with_doing, without = reports.destinations(year)
    counts["destinations"] = [(r.graduates, r.known, r.positive) for r in
                              (cohort, with_doing, without)]
    return counts


def ask_to_be_deleted(client, user) -> None:
    html = client.get("/me/data").get_data(as_text=True)
    fields = form_fields(html, "/me/data/deletion-request", page="/me/data")
    fields["confirm"] = user.email
    fields["note"] = "Please remove me."
    response = client.post("/me/data/deletion-request", data=fields)
    assert response.status_code == 302, response.get_data(as_text=True)[:800]


def carry_out(staff_client, request_id: int):
    html = staff_client.get("/staff/deletion-requests").get_data(as_text=True)
    action = f"/staff/deletion-requests/{request_id}/carry-out"
    return staff_client.post(action, data=form_fields(html, action,
                                                      page="/staff/deletion-requests"))


def request_of(user) -> DeletionRequest:
    return db.session.scalar(sa.select(DeletionRequest).where(DeletionRequest.user_id == user.id)
                             .order_by(DeletionRequest.id.desc()))


# -- the export --------------------------------------------------------------------------


def test_the_export_holds_every_section_and_no_secret(app, api_client, run_jobs):
    campus = make_campus(app, run_jobs)
    student, client, application = campus["student"], campus["client"], campus["application"]
    token = api_client(student).environ_base["HTTP_AUTHORIZATION"].split()[1]
    db.session.commit()

    response = client.get("/me/data/export")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"] == \
        "attachment; filename=career-connections-data.json"
    assert "no-store" in response.headers["Cache-Control"]
    text = response.get_data(as_text=True)
    document = json.loads(text)
    assert set(SECTIONS) <= set(document)
    assert document["account"]["email"] == EMAIL and document["account"]["name"] == NAME
    assert document["profile"]["graduation_year"] == 2027
    assert document["clusters"] == ["healthcare_human_services"]
    [sent, _] = sorted(document["applications"], key=lambda a: a["id"])
    assert sent["cover_letter"] == "I have wanted this since school."
    assert [e["status"] for e in sent["events"]] == ["submitted", "reviewing"]
    assert sent["events"][1]["note"] == f"Great letter, {NAME}"
    assert len(document["placements"]) == 1 and len(document["bookings"]) == 2
    assert {e["outcome"] for e in document["outcome_evidence"]} == {
        "experiential_learning", "connections", "career_design"}
    assert document["attainment"]["career_design"] is not None
    assert document["first_destination"]["category"] == "employed_full_time"
    assert document["saved_opportunities"][0]["opportunity_id"] == campus["posting"].id
    assert document["notifications"] and document["emails"]
    assert document["record_access"][0]["viewer"] == f"{HOST} (Acme Data)"
    assert [t["name"] for t in document["api_tokens"]] == ["API token"]
    assert set(document["api_tokens"][0]) == {"name", "created_at", "last_used_at", "expires_at"}
    assert document["payments"] == [] and document["organization"] is None

    # Files are links to a route that checks who asks; never a key or the contents.
    link = sent["resume"]["download"]
    assert link.endswith(f"/me/data/resumes/{application.id}")
    assert client.get(link.split("127.0.0.1", 1)[1]).data == PDF
    user = db.session.get(User, student.id)
    token_hash = db.session.scalar(sa.select(ApiToken.token_hash).where(
        ApiToken.user_id == student.id))
    for secret in (user.password_hash, token_hash, token, application.resume_stored_name,
                   "$argon2", "key_hash", "password_hash", "token_hash"):
        assert secret not in text, secret

    # The API gives the same document (to a script holding the person's token).
    api = api_client(student).get("/api/v1/me/export")
    assert api.status_code == 200
    body = api.get_json()
    assert set(SECTIONS) <= set(body) and body["person_id"] == student.id
    assert user.password_hash not in api.get_data(as_text=True)


def test_every_role_exports_and_an_employer_gets_organization_and_postings(app, api_client):
    for factory in (StudentFactory, AlumniFactory, StaffFactory):
        body = api_client(factory()).get("/api/v1/me/export").get_json()
        assert set(SECTIONS) <= set(body)
    employer = EmployerFactory()
    OpportunityFactory(organization=employer.organization, created_by=employer)
    body = api_client(employer).get("/api/v1/me/export").get_json()
    assert body["organization"]["name"] == employer.organization.name
    assert len(body["postings"]) == 1 and body["profile"] is None


def test_nobody_reads_anothers_data_or_files(app, api_client, run_jobs):
    campus = make_campus(app, run_jobs)
    other = StudentFactory(name="Other Person")
    db.session.commit()
    other_client = signed_in(app, other)
    for text in (other_client.get("/me/data/export").get_data(as_text=True),
                 api_client(other).get("/api/v1/me/export").get_data(as_text=True)):
        assert NAME not in text and EMAIL not in text and "Other Person" in text
    resume = f"/me/data/resumes/{campus['application'].id}"
    assert other_client.get(resume).status_code == 404
    assert campus["host_client"].get(resume).status_code == 403
    assert app.test_client().get("/api/v1/me/export").status_code == 401


# -- asking, declining, withdrawing -------------------------------------------------------


def test_a_request_needs_the_typed_address_and_waits_once(app, login_as, client):
    student = StudentFactory()
    db.session.commit()
    login_as(student)
    fields = form_fields(client.get("/me/data").get_data(as_text=True),
                         "/me/data/deletion-request", page="/me/data")
    fields["confirm"] = "someone.else@school.edu"
    response = client.post("/me/data/deletion-request", data=fields)
    assert response.status_code == 422
    assert "not the e-mail address of your account" in response.get_data(as_text=True)
    assert request_of(student) is None
    ask_to_be_deleted(client, student)
    page = client.get("/me/data").get_data(as_text=True)
    assert "Waiting for career staff" in page
    with pytest.raises(privacy.requests.Conflict):
        privacy.request_deletion(db.session.get(User, student.id))
    notice = "We received your request to delete your account"
    assert notice in client.get("/notifications/").get_data(as_text=True)


def test_staff_decline_with_a_reason_and_the_person_may_withdraw(app, login_as, client):
    student, staff = StudentFactory(), StaffFactory()
    db.session.commit()
    login_as(student)
    ask_to_be_deleted(client, student)
    staff_client = signed_in(app, staff)
    request = request_of(student)
    action = f"/staff/deletion-requests/{request.id}/decline"
    html = staff_client.get("/staff/deletion-requests").get_data(as_text=True)
    fields = form_fields(html, action, page="/staff/deletion-requests")
    fields["reason"] = "You have an active placement; finish it first."
    assert staff_client.post(action, data=fields).status_code == 302
    db.session.expire_all()
    assert request_of(student).status is DeletionStatus.DECLINED
    assert "finish it first" in client.get("/me/data").get_data(as_text=True)
    assert db.session.get(User, student.id).active

    ask_to_be_deleted(client, student)
    again = request_of(student)
    withdraw = f"/me/data/deletion-request/{again.id}/withdraw"
    page = client.get("/me/data").get_data(as_text=True)
    assert client.post(withdraw, data=form_fields(page, withdraw, page="/me/data")) \
        .status_code == 302
    db.session.expire_all()
    assert request_of(student).status is DeletionStatus.WITHDRAWN


# -- carrying it out ------------------------------------------------------------------------


def test_carrying_out_erases_the_student_and_keeps_the_counts(app, run_jobs):
    campus = make_campus(app, run_jobs)
    student, client = campus["student"], campus["client"]
    resume_key = f"resumes/{campus['application'].resume_stored_name}"
    assert storage().exists(resume_key)
    before = outcome_counts(2027), outcome_counts(None)
    evidence_before = db.session.scalar(sa.select(sa.func.count(OutcomeEvidence.id)))
    assert rows_mentioning(NAME, EMAIL)  # the check below can see them

    ask_to_be_deleted(client, student)
    request = request_of(student)
    staff_client = signed_in(app, campus["staff"])
    assert "Zebediah Quuxworth" in staff_client.get("/staff/deletion-requests") \
        .get_data(as_text=True)
    assert carry_out(staff_client, request.id).status_code == 302
    run_jobs()
    db.session.expire_all()

    # The person is gone: no sign-in, no session, no token, the name and e-mail nowhere.
    user = db.session.get(User, student.id)
    assert not user.active and user.erased_at is not None
    assert user.name == "a former student" and user.email.endswith("@erased.invalid")
    assert authenticate(EMAIL, DEFAULT_PASSWORD) is None
    assert client.get("/me/data").status_code == 302  # the old session is over
    response = app.test_client().post("/auth/login", data={"email": EMAIL,
                                                           "password": DEFAULT_PASSWORD})
    assert response.status_code != 302
    assert db.session.scalar(sa.select(sa.func.count(ApiToken.id)).where(
        ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))) == 0
    assert rows_mentioning(NAME, EMAIL, "Quuxworth") == []

    # Documents and messages are gone; the file too, after the commit.
    assert not storage().exists(resume_key)
    applications = db.session.scalars(sa.select(Application).where(
        Application.student_id == user.id)).all()
    assert {a.cover_letter for a in applications} == {""}
    assert all(a.resume_stored_name is None for a in applications)
    assert campus["application"].status is ApplicationStatus.WITHDRAWN
    assert db.session.scalar(sa.select(sa.func.count(SavedOpportunity.user_id)).where(
        SavedOpportunity.user_id == user.id)) == 0
    assert db.session.get(Booking, campus["past_booking"].id).agenda == ""
    future = db.session.scalars(sa.select(Booking).where(
        Booking.slot_id == campus["future_slot"].id)).one()
    assert future.status is BookingStatus.CANCELLED
    assert db.session.get(MentoringSlot, campus["future_slot"].id).booked_count == 0

    # The evidence stays, anonymised, and every count of the class is what it was.
    assert db.session.scalar(sa.select(sa.func.count(OutcomeEvidence.id))) == evidence_before
    assert (outcome_counts(2027), outcome_counts(None)) == before
    profile = db.session.get(StudentProfile, user.id)
    assert (profile.graduation_year, profile.major, profile.first_generation,
            profile.pell_eligible, profile.clusters) == (
        2027, "Biology", True, False, ["healthcare_human_services"])

    entry = db.session.scalar(sa.select(AuditEntry).where(AuditEntry.action == "privacy.erased"))
    assert entry.actor_id == campus["staff"].id and entry.subject_id == user.id
    assert request_of(user).status is DeletionStatus.CARRIED_OUT
    assert request_of(user).files_to_delete is None


def test_an_erased_host_becomes_a_former_host_in_the_students_history(app, run_jobs):
    campus = make_campus(app, run_jobs)
    host, student_client = campus["host"], campus["client"]
    host_email = host.email
    page = f"/students/applications/{campus['application'].id}"
    assert f"{HOST} (Acme Data) viewed your application" in \
        student_client.get(page).get_data(as_text=True)
    privacy.request_deletion(db.session.get(User, host.id))
    db.session.commit()
    staff_client = signed_in(app, campus["staff"])
    assert carry_out(staff_client, request_of(host).id).status_code == 302
    db.session.expire_all()

    html = student_client.get(page).get_data(as_text=True)
    assert "a former host (Acme Data) viewed your application" in html
    assert HOST not in html and campus["posting"].title in html
    assert campus["posting"].title in student_client.get("/students/applications") \
        .get_data(as_text=True)
    assert rows_mentioning(HOST, host_email) == []
    # The host's note to the student was the host's message: it went with them.
    assert f"Great letter, {NAME}" not in html


def test_an_erased_alum_cancels_what_is_to_come_and_keeps_what_was_held(app, run_jobs):
    campus = make_campus(app, run_jobs)
    alum, student_client = campus["alum"], campus["client"]
    alum_email = alum.email
    privacy.request_deletion(db.session.get(User, alum.id))
    db.session.commit()
    assert carry_out(signed_in(app, campus["staff"]), request_of(alum).id).status_code == 302
    run_jobs()
    db.session.expire_all()

    slot = db.session.get(MentoringSlot, campus["future_slot"].id)
    assert slot.status is SlotStatus.CANCELLED and slot.location == ""
    bookings = student_client.get("/mentoring/bookings").get_data(as_text=True)
    assert "with a former host" in bookings and MENTOR not in bookings
    notices = student_client.get("/notifications/").get_data(as_text=True)
    assert "Cancelled: mentoring with a former host" in notices
    assert db.session.get(Booking, campus["past_booking"].id).status is BookingStatus.COMPLETED
    evidence = db.session.scalar(sa.select(OutcomeEvidence).where(
        OutcomeEvidence.source_kind == SourceKind.MENTORING))
    assert evidence.details["alum"] == "a former host"
    assert rows_mentioning(MENTOR, alum_email) == []


# -- who may ---------------------------------------------------------------------------------


def test_only_staff_see_the_queue_and_nobody_carries_out_their_own(app, login_as, client):
    student = StudentFactory()
    staff, colleague = StaffFactory(), StaffFactory()
    db.session.commit()
    login_as(student)
    assert client.get("/staff/deletion-requests").status_code == 403
    ask_to_be_deleted(client, student)
    assert client.post(f"/staff/deletion-requests/{request_of(student).id}/carry-out",
                       data={"csrf_token": client.csrf_token()}).status_code == 403

    staff_client = signed_in(app, staff)
    ask_to_be_deleted(staff_client, staff)
    own = request_of(staff)
    page = staff_client.get("/staff/deletion-requests").get_data(as_text=True)
    assert "another member of staff carries it out" in page
    token = staff_client.csrf_token()
    for action in ("carry-out", "decline"):
        response = staff_client.post(f"/staff/deletion-requests/{own.id}/{action}",
                                     data={"csrf_token": token, "reason": "no"})
        assert response.status_code == 403
    with pytest.raises(privacy.requests.NotFound):
        privacy.carry_out_deletion(own.id, db.session.get(User, staff.id))
    db.session.expire_all()
    assert request_of(staff).status is DeletionStatus.PENDING
    assert db.session.get(User, staff.id).active

    assert carry_out(signed_in(app, colleague), own.id).status_code == 302
    db.session.expire_all()
    assert db.session.get(User, staff.id).name == "a former member of staff"
    colleague_client = signed_in(app, colleague)
    again = colleague_client.post(f"/staff/deletion-requests/{own.id}/carry-out",
                                  data={"csrf_token": colleague_client.csrf_token()},
                                  follow_redirects=True)
    assert "already carried out" in again.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "privacy.erased")) == 1


def test_a_failure_in_the_middle_changes_nothing(app, monkeypatch, run_jobs):
    campus = make_campus(app, run_jobs)
    student = db.session.get(User, campus["student"].id)
    request = privacy.request_deletion(student)
    db.session.commit()
    resume_key = f"resumes/{campus['application'].resume_stored_name}"
    before = rows_mentioning(NAME, EMAIL)

    def broken(user):
        raise RuntimeError("the database went away")

    monkeypatch.setattr(erasure, "_erase_messages_to", broken)
    with pytest.raises(RuntimeError):
        privacy.carry_out_deletion(request.id, db.session.get(User, campus["staff"].id))
    db.session.rollback()
    db.session.expire_all()

    user = db.session.get(User, student.id)
    assert (user.name, user.email, user.active, user.erased_at) == (NAME, EMAIL, True, None)
    assert db.session.get(DeletionRequest, request.id).status is DeletionStatus.PENDING
    application = db.session.get(Application, campus["application"].id)
    assert application.status is ApplicationStatus.REVIEWING
    assert application.cover_letter == "I have wanted this since school."
    assert storage().exists(resume_key)
    assert db.session.get(MentoringSlot, campus["future_slot"].id).booked_count == 1
    assert rows_mentioning(NAME, EMAIL) == before
    assert db.session.scalar(sa.select(sa.func.count(AuditEntry.id)).where(
        AuditEntry.action == "privacy.erased")) == 0


def test_the_export_finds_e_mails_by_account_never_by_an_address_held_before(api_client):
    """An address can change hands (a graduate's old school address): the log rows of what
    was sent to it stay with the account it was sent for."""
    from marketplace.blueprints.notifications.models import DeliveryStatus, EmailDelivery

    ana = StudentFactory(email="ana@home.example")
    db.session.add(EmailDelivery(user_id=ana.id, to_address="old@school.edu",
                                 subject="An offer for Ana", template="generic",
                                 status=DeliveryStatus.SENT))
    mallory = StudentFactory(email="old@school.edu")
    db.session.commit()
    theirs = api_client(mallory).get("/api/v1/me/export").get_json()
    assert theirs["emails"] == []
    assert "An offer for Ana" not in json.dumps(theirs)
    hers = api_client(ana).get("/api/v1/me/export").get_json()
    assert [e["subject"] for e in hers["emails"]] == ["An offer for Ana"]


def test_a_graduate_still_downloads_their_own_resume(app, run_jobs):
    """After graduation the account is an alum's; its applications and resumes are still
    the person's own."""
    from marketplace.blueprints.accounts.services import graduate_class

    campus = make_campus(app, run_jobs)
    student = campus["student"]
    graduate_class(student.student_profile.graduation_year, by=None)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(User, student.id).role.value == "alumni"
    resume = f"/me/data/resumes/{campus['application'].id}"
    response = signed_in(app, db.session.get(User, student.id)).get(resume)
    assert response.status_code == 200 and response.data.startswith(b"%PDF")
