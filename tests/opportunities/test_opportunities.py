"""Postings: the state machine, submission and review, vetting, expiry, privacy of drafts."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marketplace.blueprints.accounts.models import OrganizationStatus, OrganizationType
from marketplace.blueprints.accounts.services import set_organization_status
from marketplace.blueprints.notifications.models import Notification
from marketplace.blueprints.opportunities import services as postings
from marketplace.blueprints.opportunities.models import TRANSITIONS, Opportunity, OpportunityStatus
from marketplace.core.errors import InvalidTransition
from marketplace.core.extensions import db
from marketplace.core.models import AuditEntry
from tests.factories import (
    EmployerFactory,
    OpportunityFactory,
    OrganizationFactory,
    StaffFactory,
    StudentFactory,
)
from tests.support import form_fields

S = OpportunityStatus
ALLOWED = {
    (S.DRAFT, S.AWAITING_PAYMENT), (S.DRAFT, S.PENDING_REVIEW), (S.DRAFT, S.PUBLISHED),
    (S.AWAITING_PAYMENT, S.PENDING_REVIEW), (S.AWAITING_PAYMENT, S.DRAFT),
    (S.AWAITING_PAYMENT, S.PUBLISHED),  # a trusted organization's fee is authorized
    (S.PENDING_REVIEW, S.PUBLISHED), (S.PENDING_REVIEW, S.REJECTED),
    (S.PENDING_REVIEW, S.AWAITING_PAYMENT),  # the fee's authorization lapsed
    (S.PUBLISHED, S.CLOSED), (S.PUBLISHED, S.EXPIRED), (S.PUBLISHED, S.PENDING_REVIEW),
    (S.REJECTED, S.PENDING_REVIEW), (S.REJECTED, S.PUBLISHED), (S.REJECTED, S.AWAITING_PAYMENT),
}


@pytest.mark.parametrize("source", list(S))
@pytest.mark.parametrize("target", list(S))
def test_transition_table(source, target):
    assert (target in TRANSITIONS[source]) == ((source, target) in ALLOWED)


FORM = {"title": "Data Analyst Intern", "kind": "internship",
        "career_cluster": "digital_technology",
        "description": "Build dashboards with our **finance** team.", "work_mode": "hybrid",
        "location": "Dayton, OH", "paid": "y", "pay_min": "20", "pay_max": "24",
        "pay_period": "hour", "hours_per_week": "20", "positions": "2",
        "skills": "Excel, SQL", "application_deadline": (date.today() + timedelta(days=20))
        .isoformat()}


def create_through_form(client, **changes) -> Opportunity:
    response = client.submit("/employers/opportunities/new", {**FORM, **changes})
    assert response.status_code == 302, response.get_data(as_text=True)[:2000]
    db.session.expire_all()
    return db.session.scalars(sa.select(Opportunity).order_by(Opportunity.id.desc())).first()


def test_employer_creates_submits_and_staff_approve(app, login_as, client, run_jobs):
    employer = EmployerFactory(email="pat@acme.example")
    login_as(employer)
    opportunity = create_through_form(client)
    assert opportunity.status is S.DRAFT and opportunity.skills == ["Excel", "SQL"]
    response = client.submit(f"/employers/opportunities/{opportunity.id}/submit",
                             page=f"/employers/opportunities/{opportunity.id}/edit")
    assert response.status_code == 302
    db.session.expire_all()
    assert opportunity.status is S.PENDING_REVIEW and opportunity.risk_flags == []
    # Not public yet.
    assert app.test_client().get(f"/opportunities/{opportunity.id}").status_code == 404

    staff_client = app.test_client()
    staff = StaffFactory()
    staff_client.submit("/auth/login", {"email": staff.email,
                                        "password": "correct horse battery staple"})
    page = staff_client.get("/staff/review").get_data(as_text=True)
    assert "Data Analyst Intern" in page and "No risk flags" in page
    response = staff_client.submit(f"/staff/review/{opportunity.id}/approve", page="/staff/review")
    assert response.status_code == 302
    run_jobs()
    db.session.expire_all()
    assert opportunity.status is S.PUBLISHED and opportunity.decided_by_id == staff.id
    assert app.test_client().get(f"/opportunities/{opportunity.id}").status_code == 200
    assert db.session.scalar(sa.select(Notification.title).where(
        Notification.user_id == employer.id, Notification.kind == "opportunity_approved"))
    actions = db.session.scalars(sa.select(AuditEntry.action).where(
        AuditEntry.subject_type == "opportunity", AuditEntry.subject_id == opportunity.id)).all()
    assert actions == ["opportunity.submitted", "opportunity.approved"]


def test_rejection_needs_a_reason_and_reaches_the_employer(login_as, client, run_jobs):
    opportunity = OpportunityFactory(status=S.PENDING_REVIEW)
    employer = EmployerFactory(organization=opportunity.organization)
    opportunity.created_by = employer
    db.session.commit()
    login_as(StaffFactory())
    response = client.submit(f"/staff/review/{opportunity.id}/reject", {"reason": "  "},
                             page="/staff/review", follow_redirects=True)
    assert "Give the employer a reason" in response.get_data(as_text=True)
    client.submit(f"/staff/review/{opportunity.id}/reject",
                  {"reason": "Please add the pay range."}, page="/staff/review")
    db.session.expire_all()
    assert opportunity.status is S.REJECTED
    assert opportunity.rejection_reason == "Please add the pay range."
    assert db.session.scalar(sa.select(Notification.body).where(
        Notification.user_id == employer.id)) == "Please add the pay range."


def test_deciding_twice_gives_a_clear_message(login_as, client):
    opportunity = OpportunityFactory(status=S.PENDING_REVIEW)
    db.session.commit()
    login_as(StaffFactory(name="First Reviewer"))
    client.submit(f"/staff/review/{opportunity.id}/approve", page="/staff/review")
    response = client.submit(f"/staff/review/{opportunity.id}/reject", {"reason": "late"},
                             page="/staff/review", follow_redirects=True)
    text = response.get_data(as_text=True)
    assert "already decided" in text and "First Reviewer" in text
    db.session.expire_all()
    assert opportunity.status is S.PUBLISHED


@pytest.mark.parametrize("changes, flag", [
    ({"email": "recruiter@gmail.com"}, "free e-mail domain"),
    ({"paid": False, "org_type": OrganizationType.COMPANY}, "Unpaid internship"),
    ({"pay_min": None}, "no pay information"),
    ({"description": "Earn with gift card rewards"}, '"gift card"'),
    ({"description": "Send a wire transfer first"}, '"wire transfer"'),
    ({"description": "Small upfront fee for training"}, '"upfront fee"'),
    ({"description": "Commission only, unlimited upside"}, '"commission only"'),
    ({"deadline": date.today() - timedelta(days=2)}, "deadline already past"),
])
def test_risk_flags(changes, flag):
    organization = OrganizationFactory(type=changes.get("org_type", OrganizationType.COMPANY))
    employer = EmployerFactory(organization=organization,
                               email=changes.get("email", "hr@acme-tools.example"))
    opportunity = OpportunityFactory(
        organization=organization, status=S.DRAFT, created_by=employer,
        paid=changes.get("paid", True), pay_min=changes.get("pay_min", 18),
        description=changes.get("description", "Real work."),
        application_deadline=changes.get("deadline", date.today() + timedelta(days=9)))
    postings.submit_opportunity(opportunity, employer)
    assert any(flag in text for text in opportunity.risk_flags), opportunity.risk_flags
    assert len(opportunity.risk_flags) == 1


def test_trusted_organization_publishes_without_review_and_says_so():
    organization = OrganizationFactory(trusted=True)
    employer = EmployerFactory(organization=organization)
    opportunity = OpportunityFactory(organization=organization, status=S.DRAFT)
    assert postings.submit_opportunity(opportunity, employer) is S.PUBLISHED
    entry = db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.subject_id == opportunity.id, AuditEntry.subject_type == "opportunity"))
    assert entry.action == "opportunity.auto_published" and "trusted" in entry.reason


def test_material_edit_sends_a_published_posting_back_to_review():
    opportunity = OpportunityFactory()
    employer = EmployerFactory(organization=opportunity.organization)
    assert postings.update_opportunity(opportunity, employer, positions=3) is False
    assert opportunity.status is S.PUBLISHED
    assert postings.update_opportunity(opportunity, employer, title="New title") is True
    assert opportunity.status is S.PENDING_REVIEW


def test_closed_posting_cannot_be_edited_or_submitted():
    opportunity = OpportunityFactory(status=S.CLOSED)
    employer = EmployerFactory(organization=opportunity.organization)
    with pytest.raises(InvalidTransition):
        postings.update_opportunity(opportunity, employer, title="x")
    with pytest.raises(InvalidTransition):
        postings.close_opportunity(opportunity, employer)


def test_duplicate_makes_a_draft(login_as, client):
    opportunity = OpportunityFactory(status=S.EXPIRED)
    employer = EmployerFactory(organization=opportunity.organization)
    db.session.commit()
    login_as(employer)
    response = client.submit(f"/employers/opportunities/{opportunity.id}/duplicate",
                             page="/employers/opportunities")
    assert response.status_code == 302
    db.session.expire_all()
    copy = db.session.scalars(sa.select(Opportunity).order_by(Opportunity.id.desc())).first()
    assert copy.id != opportunity.id and copy.status is S.DRAFT
    assert copy.title == opportunity.title and copy.application_deadline is None


def test_suspended_organization_disappears_from_public_views(login_as, client):
    opportunity = OpportunityFactory(title="Vanishing Role")
    db.session.commit()
    assert "Vanishing Role" in client.get("/opportunities").get_data(as_text=True)
    staff = StaffFactory()
    set_organization_status(opportunity.organization, OrganizationStatus.SUSPENDED,
                                     staff, "Reported by students")
    db.session.commit()
    assert "Vanishing Role" not in client.get("/opportunities").get_data(as_text=True)
    assert client.get(f"/opportunities/{opportunity.id}").status_code == 404
    assert client.get(f"/api/v1/opportunities/{opportunity.id}").status_code == 404


def test_staff_verify_and_suspend_organizations(login_as, client, run_jobs):
    organization = OrganizationFactory(status=OrganizationStatus.PENDING, name="New Co")
    member = EmployerFactory(organization=organization)
    db.session.commit()
    login_as(StaffFactory())
    assert "New Co" in client.get("/staff/organizations").get_data(as_text=True)
    client.submit(f"/staff/organizations/{organization.id}/verify", page="/staff/organizations")
    db.session.expire_all()
    assert organization.status is OrganizationStatus.VERIFIED
    response = client.submit(f"/staff/organizations/{organization.id}/suspend", {"reason": ""},
                             page="/staff/organizations", follow_redirects=True)
    assert "Say why" in response.get_data(as_text=True)
    client.submit(f"/staff/organizations/{organization.id}/trust", page="/staff/organizations")
    db.session.expire_all()
    assert organization.trusted is True
    assert db.session.scalar(sa.select(sa.func.count(Notification.id)).where(
        Notification.user_id == member.id)) == 1


@pytest.mark.parametrize("status", [S.DRAFT, S.PENDING_REVIEW, S.REJECTED, S.EXPIRED,
                                    S.AWAITING_PAYMENT])
def test_non_public_postings_are_404_to_students(login_as, client, status):
    opportunity = OpportunityFactory(status=status)
    db.session.commit()
    login_as(StudentFactory())
    assert client.get(f"/opportunities/{opportunity.id}").status_code == 404
    assert client.get(f"/api/v1/opportunities/{opportunity.id}").status_code == 404


def test_other_organizations_employer_cannot_manage(login_as, client):
    opportunity = OpportunityFactory(status=S.DRAFT)
    db.session.commit()
    login_as(EmployerFactory())
    assert client.get(f"/employers/opportunities/{opportunity.id}/edit").status_code == 404
    response = client.submit(f"/employers/opportunities/{opportunity.id}/submit",
                             page="/employers/opportunities")
    assert response.status_code == 404


def test_expiry_job_expires_only_past_deadlines():
    from marketplace.blueprints.opportunities.jobs import expire_postings

    past = OpportunityFactory(application_deadline=date.today() - timedelta(days=3))
    future = OpportunityFactory()
    assert expire_postings() == 1
    db.session.expire_all()
    assert past.status is S.EXPIRED and future.status is S.PUBLISHED
    assert expire_postings() == 0


def test_script_in_a_description_is_neutralised(client):
    opportunity = OpportunityFactory(
        title="<script>alert('t')</script>Title",
        description="Hi <script>alert(1)</script> <img src=x onerror=alert(2)> "
                    "[link](javascript:alert(3))")
    db.session.commit()
    for path in ("/opportunities", f"/opportunities/{opportunity.id}"):
        html = client.get(path).get_data(as_text=True)
        assert "<script>alert" not in html and "onerror" not in html
        assert "javascript:alert" not in html


def test_students_save_postings(login_as, client):
    opportunity = OpportunityFactory(title="Keep This")
    db.session.commit()
    login_as(StudentFactory())
    client.submit(f"/opportunities/{opportunity.id}/save", page=f"/opportunities/{opportunity.id}")
    assert "Keep This" in client.get("/opportunities/saved").get_data(as_text=True)
    client.submit(f"/opportunities/{opportunity.id}/save", page=f"/opportunities/{opportunity.id}")
    assert "Keep This" not in client.get("/opportunities/saved").get_data(as_text=True)


def test_form_validation_messages(login_as, client):
    login_as(EmployerFactory())
    response = client.submit("/employers/opportunities/new", {
        **FORM, "title": "", "pay_min": "30", "pay_max": "10", "positions": "0",
        "work_mode": "onsite", "location": "", "hours_per_week": "200"})
    text = response.get_data(as_text=True)
    for message in ("Give the posting a title", "Enter 1 to 500 positions",
                    "Say where the work happens", "Enter 1 to 80 hours"):
        assert message in text
    response = client.submit("/employers/opportunities/new", {
        **FORM, "pay_min": "30", "pay_max": "10"})
    assert "below the bottom" in response.get_data(as_text=True)


def test_saving_the_form_unchanged_keeps_the_skills(login_as, client):
    login_as(EmployerFactory())
    opportunity = create_through_form(client, skills="Excel, patient care")
    edit = f"/employers/opportunities/{opportunity.id}/edit"
    page = client.get(edit).get_data(as_text=True)
    assert 'value="Excel, patient care"' in page
    for _ in range(2):
        fields = form_fields(client.get(edit).get_data(as_text=True), edit)
        assert client.post(edit, data=fields).status_code == 302
    db.session.expire_all()
    assert opportunity.skills == ["Excel", "patient care"]
    assert "[&#39;" not in client.get(edit).get_data(as_text=True)


def test_a_form_sent_without_skills_is_not_an_error(login_as, client):
    login_as(EmployerFactory())
    opportunity = create_through_form(client)
    edit = f"/employers/opportunities/{opportunity.id}/edit"
    fields = form_fields(client.get(edit).get_data(as_text=True), edit)
    fields.pop("skills")
    assert client.post(edit, data=fields).status_code == 302
    db.session.expire_all()
    assert opportunity.skills == ["Excel", "SQL"]  # a field not sent is not changed


def test_submit_for_review_sends_what_is_on_the_screen(login_as, client):
    login_as(EmployerFactory())
    opportunity = create_through_form(client)
    edit = f"/employers/opportunities/{opportunity.id}/edit"
    fields = form_fields(client.get(edit).get_data(as_text=True), edit)
    fields["title"] = "Data Analyst Intern (summer)"
    fields["then"] = "submit"  # the form's "Submit for review" button
    assert client.post(edit, data=fields).status_code == 302
    db.session.expire_all()
    assert opportunity.status is S.PENDING_REVIEW
    assert opportunity.title == "Data Analyst Intern (summer)"


def test_a_submission_refused_keeps_the_edits_on_the_page(login_as, client):
    login_as(EmployerFactory())
    opportunity = create_through_form(client)
    edit = f"/employers/opportunities/{opportunity.id}/edit"
    fields = form_fields(client.get(edit).get_data(as_text=True), edit)
    fields["title"], fields["application_deadline"], fields["then"] = "Retitled", "", "submit"
    response = client.post(edit, data=fields)
    html = response.get_data(as_text=True)
    assert "Set an application deadline before submitting" in html and 'value="Retitled"' in html
    db.session.expire_all()
    assert opportunity.status is S.DRAFT and opportunity.title == FORM["title"]
