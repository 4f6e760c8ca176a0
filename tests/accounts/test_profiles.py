"""Each user edits their own profile."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from marketplace.blueprints.accounts.models import OrganizationStatus
from marketplace.blueprints.accounts.services import set_organization_status
from marketplace.core.errors import Conflict
from marketplace.core.extensions import db
from marketplace.core.models import AuditEntry
from tests.factories import (
    DEFAULT_PASSWORD,
    AlumniFactory,
    EmployerFactory,
    OrganizationFactory,
    StaffFactory,
    StudentFactory,
)
from tests.support import form_fields


def test_student_edits_own_profile(login_as):
    user = StudentFactory()
    client = login_as(user)
    page = client.get("/students/profile").get_data(as_text=True)
    assert 'value="Biology"' in page
    response = client.submit("/students/profile", {
        "name": "New Name", "graduation_year": "2028", "major": "Computer Science",
        "clusters": ["digital_technology"], "first_generation": "no", "pell_eligible": "yes",
        "time_zone": "America/Los_Angeles"})
    assert response.status_code == 302
    db.session.expire_all()
    profile = user.student_profile
    assert user.name == "New Name"
    assert (profile.graduation_year, profile.major, profile.clusters) == (
        2028, "Computer Science", ["digital_technology"])
    assert profile.first_generation is False and profile.pell_eligible is True
    assert profile.time_zone == "America/Los_Angeles"


def test_student_profile_rejects_bad_values(login_as):
    user = StudentFactory()
    client = login_as(user)
    response = client.submit("/students/profile", {
        "name": "", "graduation_year": "3000", "time_zone": "Nowhere/Land",
        "first_generation": "maybe"})
    text = response.get_data(as_text=True)
    assert response.status_code == 200
    for message in ("Enter your name", "Enter a year between", "Choose a time zone",
                    "Not a valid choice"):
        assert message in text
    db.session.expire_all()
    assert user.student_profile.graduation_year == 2027


def test_alum_edits_own_profile(login_as):
    user = AlumniFactory()
    client = login_as(user)
    response = client.submit("/alumni/profile", {
        "name": "Alum Renamed", "graduation_year": "2011", "employer": "Globex",
        "title": "Director", "cluster": "financial_services", "time_zone": "Europe/London"})
    assert response.status_code == 302
    db.session.expire_all()
    profile = user.alumni_profile
    assert (profile.employer, profile.title, profile.cluster, profile.time_zone) == (
        "Globex", "Director", "financial_services", "Europe/London")


def test_employer_edits_own_organization(login_as):
    user = EmployerFactory()
    client = login_as(user)
    response = client.submit("/employers/organization", {
        "contact_name": "Kim", "name": "Renamed Org", "type": "nonprofit",
        "website": "https://renamed.example"})
    assert response.status_code == 302
    db.session.expire_all()
    # The factory's organization is verified: a new name waits for staff.
    assert user.organization.pending_name == "Renamed Org"
    assert user.organization.type.value == "nonprofit"
    assert user.name == "Kim"


def test_employer_website_must_be_a_url(login_as):
    client = login_as(EmployerFactory())
    response = client.submit("/employers/organization", {
        "contact_name": "Kim", "name": "Org", "type": "company", "website": "javascript:alert(1)"})
    assert response.status_code == 200
    assert "Enter a full web address" in response.get_data(as_text=True)


def test_a_verified_organization_cannot_rename_itself_into_another(app, login_as, client):
    other = OrganizationFactory(name="Riverbend Health", status=OrganizationStatus.VERIFIED)
    employer = EmployerFactory(organization=OrganizationFactory(
        name="Acme Clinic", website="https://acme.example", status=OrganizationStatus.VERIFIED))
    db.session.commit()
    login_as(employer)
    page = "/employers/organization"
    fields = form_fields(client.get(page).get_data(as_text=True), page)
    fields["name"] = "riverbend health"
    refused = client.post(page, data=fields)
    assert refused.status_code == 200 and "Another verified organization" in \
        refused.get_data(as_text=True)
    fields["name"], fields["website"] = "Acme Family Clinic", "https://acme-family.example"
    assert client.post(page, data=fields).status_code == 302
    organization = employer.organization
    db.session.expire_all()
    # Still verified under the name staff checked, until staff approve the change.
    assert organization.name == "Acme Clinic" and organization.website == "https://acme.example"
    assert organization.pending_name == "Acme Family Clinic"
    assert db.session.scalar(sa.select(AuditEntry).where(
        AuditEntry.action == "organization.change_requested")).subject_id == organization.id
    staff = app.test_client()
    staff_user = StaffFactory()
    db.session.commit()
    assert staff.submit("/auth/login", {"email": staff_user.email,
                                        "password": DEFAULT_PASSWORD}).status_code == 302
    listing = staff.get("/staff/organizations?status=changes").get_data(as_text=True)
    assert "Acme Family Clinic" in listing and "Riverbend Health" not in listing
    assert staff.submit(f"/staff/organizations/{organization.id}/approve_change", {},
                        page="/staff/organizations?status=changes").status_code == 302
    db.session.expire_all()
    assert organization.name == "Acme Family Clinic" and organization.pending_name is None
    assert organization.status is OrganizationStatus.VERIFIED and other.name == "Riverbend Health"


def test_two_verified_organizations_never_share_a_name(login_as):
    OrganizationFactory(name="Northwind", status=OrganizationStatus.VERIFIED)
    twin = OrganizationFactory(name="NORTHWIND", status=OrganizationStatus.PENDING)
    db.session.commit()
    with pytest.raises(Conflict):
        set_organization_status(twin, OrganizationStatus.VERIFIED, StaffFactory())
    db.session.rollback()
    twin.status = OrganizationStatus.VERIFIED
    with pytest.raises(sa.exc.IntegrityError):  # the database holds the rule too
        db.session.flush()
    db.session.rollback()


def test_a_suspended_organization_cannot_rename_itself_either(login_as, client):
    employer = EmployerFactory(organization=OrganizationFactory(
        name="Shady Staffing", status=OrganizationStatus.SUSPENDED))
    db.session.commit()
    login_as(employer)
    page = "/employers/organization"
    fields = form_fields(client.get(page).get_data(as_text=True), page)
    fields["name"] = "Trustworthy Staffing"
    assert client.post(page, data=fields).status_code == 302
    db.session.expire_all()
    assert employer.organization.name == "Shady Staffing"
    assert employer.organization.pending_name == "Trustworthy Staffing"
