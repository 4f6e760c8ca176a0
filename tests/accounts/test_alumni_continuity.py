"""A graduating student keeps the account as an alum, signing in with a personal e-mail."""

from __future__ import annotations

import sqlalchemy as sa

from marketplace.blueprints.accounts.models import User
from marketplace.blueprints.outcomes import reports
from marketplace.blueprints.outcomes.models import OutcomeEvidence, SourceKind
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.factories import DEFAULT_PASSWORD, StaffFactory, StudentFactory
from tests.smtp_server import link_in
from tests.support import form_fields


def fresh(user: User) -> User:
    db.session.expire_all()
    return db.session.get(User, user.id)


def test_a_personal_email_counts_once_its_link_is_opened(app, login_as, smtp, run_jobs):
    student = StudentFactory(email="ana@school.edu")
    client = login_as(student)
    fields = form_fields(client.get("/students/profile").get_data(as_text=True),
                         "/students/profile")
    for address, message in (("ana@school.edu", "other than the one you sign in with"),
                             ("not an address", "Enter a valid e-mail address")):
        response = client.post("/students/profile", data={**fields,
                                                          "personal_email": address})
        assert response.status_code == 200 and message in response.get_data(as_text=True)
        assert form_fields(response.get_data(as_text=True),
                           "/students/profile")["personal_email"] == address  # kept
    response = client.post("/students/profile", data={**fields,
                                                      "personal_email": "Ana@Home.example"})
    assert response.status_code == 302
    ana = fresh(student)
    assert (ana.personal_email, ana.personal_email_pending) == (None, "ana@home.example")
    run_jobs()
    [link_mail] = [m for m in smtp.messages if m["To"] == "ana@home.example"]
    assert [m["Subject"] for m in smtp.messages if m["To"] == "ana@school.edu"] == [
        "A personal e-mail was added to your account"]  # the school address hears of it
    link = link_in(link_mail, "/me/personal-email/")
    assert app.test_client().get(link).status_code == 302  # from any browser; signs no one in
    ana = fresh(student)
    assert (ana.personal_email, ana.personal_email_pending) == ("ana@home.example", None)
    assert app.test_client().get(link).status_code == 400  # once


def test_an_address_in_use_is_taken_quietly_and_refused_at_its_link(login_as, smtp,
                                                                   run_jobs, app):
    """The profile answers the same for any address (no enumeration); the mailbox's owner
    is the one told it cannot be used."""
    StudentFactory(email="taken@home.example")
    student = StudentFactory()
    client = login_as(student)
    fields = form_fields(client.get("/students/profile").get_data(as_text=True),
                         "/students/profile")
    answers = []
    for address in ("taken@home.example", "free@home.example"):
        response = client.post("/students/profile", data={**fields, "personal_email": address})
        answers.append(response.status_code)
        run_jobs()
        [mail] = [m for m in smtp.messages if m["To"] == address]
        answers.append(app.test_client().get(link_in(mail, "/me/personal-email/")).status_code)
    assert answers == [302, 409, 302, 302]
    assert fresh(student).personal_email == "free@home.example"


def test_staff_graduate_a_class_and_the_alum_keeps_history_and_signs_in_anew(
        app, login_as, smtp, run_jobs):
    graduate = StudentFactory(email="ana@school.edu", personal_email="ana@home.example")
    graduate.student_profile.graduation_year = 2026
    no_personal = StudentFactory(email="bo@school.edu")
    no_personal.student_profile.graduation_year = 2026
    later = StudentFactory(email="cy@school.edu")
    later.student_profile.graduation_year = 2027
    db.session.add(OutcomeEvidence(student_id=graduate.id, outcome="experiential_learning",
                                   source_kind=SourceKind.PLACEMENT, source_id=1))
    db.session.commit()

    before = reports.summary(2026, "first_generation")
    staff = login_as(StaffFactory())
    page = staff.get("/staff/graduation?graduation_year=2026").get_data(as_text=True)
    assert "2 active students; 1 gave a personal e-mail, 1 did not" in page
    response = staff.submit("/staff/graduation", {"graduation_year": "2026"},
                            page="/staff/graduation?graduation_year=2026")
    assert response.status_code == 302

    ana, bo, cy = fresh(graduate), fresh(no_personal), fresh(later)
    assert (ana.role, ana.email, ana.personal_email) == (Role.ALUMNI, "ana@home.example", None)
    assert ana.alumni_profile.graduation_year == 2026
    assert ana.student_profile.graduation_year == 2026  # the class reports still count her
    assert (bo.role, bo.email) == (Role.ALUMNI, "bo@school.edu")
    assert cy.role is Role.STUDENT
    assert db.session.scalar(sa.select(sa.func.count(OutcomeEvidence.id)).where(
        OutcomeEvidence.student_id == ana.id)) == 1
    after = reports.summary(2026, "first_generation")
    assert after.students == before.students == 2
    assert [(o.key, o.with_evidence) for o in after.outcomes] == \
        [(o.key, o.with_evidence) for o in before.outcomes]

    # She signs in with her (confirmed) personal address; the school one no longer works.
    browser = app.test_client()
    old = browser.submit("/auth/login", {"email": "ana@school.edu",
                                         "password": DEFAULT_PASSWORD})
    assert old.status_code == 200
    new = browser.submit("/auth/login", {"email": "ana@home.example",
                                         "password": DEFAULT_PASSWORD})
    assert new.status_code == 302 and new.headers["Location"] == "/alumni/"
    run_jobs()
    assert [m["Subject"] for m in smtp.messages if m["To"] == "ana@home.example"] == [
        "Congratulations, graduate: your account is now an alum account"]
    assert [m["Subject"] for m in smtp.messages if m["To"] == "bo@school.edu"] == [
        "Congratulations, graduate: your account is now an alum account"]

    # Running it again changes nothing: graduates are no longer students.
    staff.submit("/staff/graduation", {"graduation_year": "2026"}, page="/staff/graduation")
    assert fresh(graduate).email == "ana@home.example"


def test_only_staff_graduate_a_class(login_as):
    student = StudentFactory()
    student.student_profile.graduation_year = 2026
    client = login_as(StudentFactory())
    assert client.post("/staff/graduation", data={"graduation_year": "2026",
                                                  "csrf_token": client.csrf_token()}
                       ).status_code == 403
    assert fresh(student).role is Role.STUDENT


def test_the_cli_graduates_a_class(app):
    student = StudentFactory(personal_email="dee@home.example")
    student.student_profile.graduation_year = 2025
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["users", "graduate", "2025"])
    assert result.exit_code == 0, result.output
    assert "1 students of the class of 2025" in result.output
    assert fresh(student).role is Role.ALUMNI


def test_the_personal_email_through_the_api(api_client, smtp, run_jobs):
    StudentFactory(email="someone@home.example")
    student = StudentFactory()
    api = api_client(student)
    for address in ("someone@home.example", "me@home.example"):
        response = api.patch("/api/v1/me", json={"personal_email": address})
        assert response.status_code == 200 and response.get_json()["personal_email"] is None
    assert fresh(student).personal_email_pending == "me@home.example"
    assert api.patch("/api/v1/me", json={"personal_email": "nope"}).status_code in (400, 422)
    alum_field = api_client(StaffFactory()).patch("/api/v1/me", json={"personal_email": "x@y.z"})
    assert alum_field.status_code == 422


def test_graduation_keeps_the_school_address_when_the_personal_one_was_taken_since(app):
    """An import may have made an account with the graduate's personal address since it
    was confirmed: that one graduate keeps the school address; the class still graduates."""
    ana = StudentFactory(email="ana@school.edu", personal_email="ana@home.example")
    ana.student_profile.graduation_year = 2026
    cy = StudentFactory(email="cy@school.edu", personal_email="cy@home.example")
    cy.student_profile.graduation_year = 2026
    StudentFactory(email="ana@home.example")
    db.session.commit()
    result = app.test_cli_runner().invoke(args=["users", "graduate", "2026"])
    assert result.exit_code == 0, result.output
    assert (fresh(ana).role, fresh(ana).email) == (Role.ALUMNI, "ana@school.edu")
    assert (fresh(cy).role, fresh(cy).email) == (Role.ALUMNI, "cy@home.example")
