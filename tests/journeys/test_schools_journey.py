"""A minor is hired → the guardian consents in Spanish by e-mailed link → the supervisor
confirms the hours and gives the final evaluation by link → the student's evidence and the
Perkins V 5S3 report show it."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

import sqlalchemy as sa
from playwright.sync_api import expect

from marketplace.blueprints.accounts.models import StudentProfile, User
from marketplace.blueprints.applications.models import Application, ApplicationStatus
from marketplace.blueprints.applications.services import move_application
from marketplace.blueprints.opportunities.models import Opportunity, OpportunityStatus
from marketplace.blueprints.schools import services
from marketplace.blueprints.schools.models import InstitutionKind
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from marketplace.core.reference import NACE_COMPETENCIES
from tests.journeys.helpers import (
    check_accessibility,
    follow_nav,
    log_in,
    log_out,
    open_emailed_link,
    reload_until_visible,
)


def test_minor_consent_supervisor_evidence_and_5s3(page, make_user, live_app, mailbox):
    tag = uuid.uuid4().hex[:6]
    student_email, employer_email = f"teen-{tag}@school.edu", f"clinic-{tag}@clinic.example"
    guardian, supervisor = f"madre-{tag}@family.example", f"nurse-{tag}@clinic.example"
    school_name, year = f"Roosevelt High {tag}", date.today().year + 2
    make_user(Role.STUDENT, student_email, name=f"Lucia Vega {tag}")
    make_user(Role.EMPLOYER, employer_email, name="Hana Host",
              organization_name=f"Valley Clinic {tag}")
    staff_email = f"district-{tag}@school.edu"
    make_user(Role.STAFF, staff_email, name="Dora District")
    with live_app.app_context():
        school = services.add_school(school_name)
        student = db.session.scalar(sa.select(User).where(User.email == student_email))
        profile = student.student_profile or StudentProfile(user=student)
        profile.graduation_year, profile.school_id, profile.cte_concentrator = year, school.id, \
            True
        profile.date_of_birth = date(date.today().year - 16, 1, 10)
        profile.guardian_email, profile.preferred_language = guardian, "es"
        employer = db.session.scalar(sa.select(User).where(User.email == employer_email))
        shadow = Opportunity(organization_id=employer.organization_id, created_by_id=employer.id,
                             title=f"Clinic Job Shadow {tag}", kind="job_shadow",
                             career_cluster="healthcare_human_services",
                             description="A day with the nursing team.",
                             location="Valley Clinic, Dayton, OH", hours_per_week=8,
                             paid=False, start_date=date.today() - timedelta(days=7),
                             end_date=date.today() + timedelta(days=30),
                             status=OpportunityStatus.PUBLISHED, positions=1)
        db.session.add(shadow)
        application = Application(opportunity=shadow, student=student)
        db.session.add(application)
        db.session.commit()
        move_application(application.id, ApplicationStatus.OFFERED, employer)
        db.session.commit()

    try:
        # The student accepts: the placement waits for consent.
        log_in(page, student_email)
        page.get_by_role("link", name="Applications").click()
        page.get_by_role("link", name=f"Clinic Job Shadow {tag}").click()
        page.get_by_role("button", name="Accept the offer").click()
        expect(page.get_by_role("status").first).to_contain_text("You accepted the offer")
        follow_nav(page, "My placements", group="Me")
        page.get_by_role("link", name=f"Clinic Job Shadow {tag}").click()
        expect(page.locator("main")).to_contain_text("Awaiting consent")
        check_accessibility(page, "schools-student-awaiting")
        log_out(page)

        # The guardian, in Spanish, without an account.
        open_emailed_link(page, mailbox, guardian, "/consent/")
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Consentimiento para la práctica de Lucia")
        expect(page.locator("main")).to_contain_text("Observación laboral")
        check_accessibility(page, "schools-consent-es")
        page.get_by_label("Doy mi consentimiento para esta práctica").check()
        page.get_by_label("Su nombre completo").fill("Carmen Vega")
        page.get_by_label("Contacto de emergencia: nombre").fill("Jorge Vega")
        page.get_by_role("button", name="Enviar mi respuesta").click()
        expect(page.locator(".error-text")).to_contain_text(
            "Indique el teléfono de un contacto de emergencia.")
        expect(page.get_by_label("Su nombre completo")).to_have_value("Carmen Vega")
        check_accessibility(page, "schools-consent-es-error")
        page.get_by_label("Doy mi consentimiento para esta práctica").check()
        page.get_by_label("Contacto de emergencia: teléfono").fill("937-555-0142")
        page.get_by_role("button", name="Enviar mi respuesta").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(
            "Gracias: su respuesta quedó registrada")
        check_accessibility(page, "schools-consent-done")
        open_emailed_link(page, mailbox, guardian, "/consent/")  # the used link
        expect(page.get_by_role("heading", level=1)).to_have_text("Este enlace ya se usó")

        # The host names the supervisor.
        log_in(page, employer_email)
        follow_nav(page, "Placements")
        check_accessibility(page, "schools-host-placements")
        page.get_by_role("link", name="Name the supervisor").click()
        page.get_by_label("Supervisor's name").fill("Nora Nurse")
        page.get_by_label("Supervisor's e-mail").fill(supervisor)
        page.get_by_role("button", name="Save supervisor").click()
        expect(page.get_by_role("status").first).to_contain_text("Supervisor saved")
        # The host opens the job shadow to the student's school only.
        follow_nav(page, "Postings")
        page.get_by_role("link", name=f"Clinic Job Shadow {tag}", exact=True).click()
        page.get_by_label("Students of these schools only").check()
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.locator(".error-text").first).to_contain_text("Tick at least one school")
        expect(page.get_by_label("Students of these schools only")).to_be_checked()
        check_accessibility(page, "schools-posting-audience-error")
        page.get_by_role("group", name="Schools").get_by_label(school_name).check()
        page.get_by_role("button", name="Save", exact=True).click()
        expect(page.get_by_role("status").first).to_contain_text("Saved")
        expect(page.get_by_role("group", name="Schools").get_by_label(school_name)
               ).to_be_checked()
        check_accessibility(page, "schools-posting-audience")
        log_out(page)

        # The student logs a week's hours.
        log_in(page, student_email)
        follow_nav(page, "My placements", group="Me")
        page.get_by_role("link", name=f"Clinic Job Shadow {tag}").click()
        page.get_by_label("A day of the week").fill(
            (date.today() - timedelta(days=3)).isoformat())
        page.get_by_label("Hours that week").fill("24")
        page.get_by_role("button", name="Save hours").click()
        expect(page.get_by_role("status").first).to_contain_text("Hours saved")
        check_accessibility(page, "schools-student-hours")
        log_out(page)

        # The supervisor confirms by link, then gives the final evaluation by link.
        open_emailed_link(page, mailbox, supervisor, "/supervise/")
        expect(page.locator("main")).to_contain_text("24")
        check_accessibility(page, "schools-confirm-hours")
        page.get_by_role("button", name="Confirm these hours").click()
        expect(page.locator("main")).to_contain_text("The hours are confirmed")
        log_in(page, employer_email)
        follow_nav(page, "Placements")
        page.get_by_role("link", name="Nora Nurse").click()
        page.get_by_role("button", name="E-mail the final evaluation link now").click()
        expect(page.get_by_role("status").first).to_contain_text("We e-mailed the link")
        log_out(page)
        open_emailed_link(page, mailbox, supervisor, "/supervise/")
        expect(page.get_by_role("heading", level=1)).to_have_text("Final evaluation")
        page.get_by_role("button", name="Send the evaluation").click()
        expect(page.locator(".error-text").first).to_contain_text("from 1 to 4")
        check_accessibility(page, "schools-evaluation-error")
        for label in NACE_COMPETENCIES.values():
            page.get_by_role("group", name=label).get_by_label("4").check()
        page.get_by_label("Comments").fill("Curious, careful, kind with patients.")
        page.get_by_role("button", name="Send the evaluation").click()
        expect(page.locator("main")).to_contain_text("the placement is complete")

        # The student's evidence.
        log_in(page, student_email)
        follow_nav(page, "My outcomes", group="Me")
        reload_until_visible(page, page.locator(".outcome--reached"))
        expect(page.locator(".outcome--reached").filter(has_text="Experiential Learning")
               ).to_contain_text(f"Clinic Job Shadow {tag}")
        check_accessibility(page, "schools-student-outcomes")
        log_out(page)

        # The 5S3 report.
        log_in(page, staff_email)
        follow_nav(page, "Perkins V 5S3", group="Outcomes")
        page.get_by_label("Graduating year").fill(str(year))
        page.get_by_role("button", name="Show").click()
        row = page.locator("tr", has_text=school_name).filter(has_text="All students")
        expect(row).to_contain_text("100%")
        check_accessibility(page, "schools-perkins")
        log_out(page)
    finally:
        # Other journeys run on this app as a college: put it back.
        with live_app.app_context():
            services.setting().kind = InstitutionKind.COLLEGE
            db.session.commit()
