"""Postings open to every school or to some (issue 19): in a district with North High and
South High, a posting open to North only is North's students' to find, open and apply to;
South's students, students without a school and visitors never see it, kept pages of
results included; the employer chooses the schools on the form and through the API; a
school's staff review the postings open to their school."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marketplace.blueprints.accounts.models import StudentProfile, User
from marketplace.blueprints.applications.models import Application
from marketplace.blueprints.applications.services import apply
from marketplace.blueprints.opportunities.models import (
    Opportunity,
    OpportunitySchool,
    OpportunityStatus,
    SavedOpportunity,
)
from marketplace.blueprints.opportunities.services import approve_opportunity
from marketplace.blueprints.schools import services as schools
from marketplace.blueprints.schools.models import School
from marketplace.core.db import utcnow
from marketplace.core.errors import NotFound
from marketplace.core.extensions import db
from tests.factories import (
    EmployerFactory,
    OpportunityFactory,
    StaffFactory,
    StudentFactory,
)
from tests.schools.helpers import sign_in
from tests.support import PDF, csrf_from, form_fields

NORTH_ONLY = "Greenhouse Aide"
FOR_ALL = "Library Assistant"


@dataclass
class District:
    north: School
    south: School
    posting: Opportunity  # open to North High only
    open_posting: Opportunity  # open to every school
    employer: User
    nora: User  # North High
    sam: User  # South High
    nobody: User  # a student without a school


def student(school: School | None) -> User:
    return StudentFactory(student_profile=StudentProfile(
        graduation_year=2027, time_zone="America/New_York",
        school_id=school.id if school else None))


@pytest.fixture
def district() -> District:
    north, south = schools.add_school("North High"), schools.add_school("South High")
    posting = OpportunityFactory(title=NORTH_ONLY, description="Tend seedlings in the "
                                 "greenhouse.", school_ids=[north.id])
    open_posting = OpportunityFactory(title=FOR_ALL, description="Shelve and lend books.",
                                      organization=posting.organization)
    employer = EmployerFactory(organization=posting.organization)
    posting.created_by = employer
    world = District(north, south, posting, open_posting, employer, student(north),
                     student(south), student(None))
    db.session.commit()
    return world


def titles(page: str) -> list[str]:
    return re.findall(r'<li class="result">\s*<h2><a [^>]*>([^<]+)</a>', page)


def api_titles(response) -> list[str]:
    assert response.status_code == 200, response.get_json()
    return [item["title"] for item in response.get_json()["items"]]


def edit_fields(browser, url: str):
    """The posting form as the browser would send it unchanged (a browser drops the line
    break WTForms writes after <textarea>: a changed description would be a material
    change, back to review)."""
    fields = form_fields(browser.get(url).text, url)
    fields["description"] = fields["description"].lstrip("\r\n")
    return fields


def apply_through_form(browser, posting: Opportunity, page: str | None = None):
    return browser.submit(f"/opportunities/{posting.id}/apply",
                          {"cover_letter": "I grow tomatoes at home.",
                           "resume": (io.BytesIO(PDF), "resume.pdf")},
                          page=page or f"/opportunities/{posting.id}",
                          content_type="multipart/form-data")


def test_a_north_student_finds_opens_and_applies(app, district, api_client):
    d = district
    nora = sign_in(app, d.nora)
    assert NORTH_ONLY in titles(nora.get("/opportunities?sort=newest").text)
    assert NORTH_ONLY in titles(nora.get("/opportunities").text)  # best match
    assert titles(nora.get("/opportunities?q=greenhouse").text) == [NORTH_ONLY]
    page = nora.get(f"/opportunities/{d.posting.id}")
    assert page.status_code == 200 and "Open to students of North High only." in page.text
    api = api_client(d.nora)
    assert NORTH_ONLY in api_titles(api.get("/api/v1/opportunities"))
    assert api_titles(api.get("/api/v1/opportunities?q=greenhouse")) == [NORTH_ONLY]
    detail = api.get(f"/api/v1/opportunities/{d.posting.id}")
    assert detail.status_code == 200 and detail.get_json()["schools"] == [d.north.id]
    assert apply_through_form(nora, d.posting).status_code == 302
    assert db.session.scalar(sa.select(Application.student_id).where(
        Application.opportunity_id == d.posting.id)) == d.nora.id


def test_a_south_student_never_sees_it_and_cannot_apply(app, district, api_client):
    d = district
    sam = sign_in(app, d.sam)
    for url in ("/opportunities?sort=newest", "/opportunities", "/opportunities?q=greenhouse",
                "/opportunities?q=greenhouse&sort=deadline"):
        page = sam.get(url).text
        assert NORTH_ONLY not in page, url
    assert FOR_ALL in titles(sam.get("/opportunities?sort=newest").text)
    assert sam.get(f"/opportunities/{d.posting.id}").status_code == 404
    assert apply_through_form(sam, d.posting, page="/opportunities").status_code == 404
    token = csrf_from(sam.get("/opportunities").text)
    assert sam.post(f"/opportunities/{d.posting.id}/save",
                    data={"csrf_token": token}).status_code == 404
    api = api_client(d.sam)
    assert NORTH_ONLY not in api_titles(api.get("/api/v1/opportunities"))
    assert api_titles(api.get("/api/v1/opportunities?q=greenhouse")) == []
    assert api.get(f"/api/v1/opportunities/{d.posting.id}").status_code == 404
    assert api.post(f"/api/v1/opportunities/{d.posting.id}/applications",
                    json={"cover_letter": "Please"}).status_code == 404
    assert api.post(f"/api/v1/opportunities/{d.posting.id}/save").status_code == 404
    with pytest.raises(NotFound):  # nor around the routes (refused before any write)
        apply(d.posting, d.sam, "Please")
    assert db.session.scalar(sa.select(sa.func.count(Application.id)).where(
        Application.opportunity_id == d.posting.id)) == 0


@pytest.mark.parametrize("who", ["visitor", "student without a school", "employer elsewhere"])
def test_others_see_only_postings_open_to_every_school(app, district, api_client, who):
    d = district
    if who == "visitor":
        browser, api = app.test_client(), app.test_client()
    else:
        user = d.nobody if who == "student without a school" else EmployerFactory()
        db.session.commit()
        browser, api = sign_in(app, user), api_client(user)
    for url in ("/opportunities", "/opportunities?sort=newest", "/opportunities?q=greenhouse"):
        assert NORTH_ONLY not in browser.get(url).text, url
    assert FOR_ALL in titles(browser.get("/opportunities?sort=newest").text)
    assert browser.get(f"/opportunities/{d.posting.id}").status_code == 404
    assert browser.get(f"/opportunities/{d.open_posting.id}").status_code == 200
    assert NORTH_ONLY not in api_titles(api.get("/api/v1/opportunities"))
    assert api.get(f"/api/v1/opportunities/{d.posting.id}").status_code == 404
    assert api.get(f"/api/v1/opportunities/{d.open_posting.id}").get_json()["schools"] == []


def test_the_posting_organization_and_staff_still_open_it(app, district):
    d = district
    assert sign_in(app, d.employer).get(f"/opportunities/{d.posting.id}").status_code == 200
    staff = StaffFactory()
    db.session.commit()
    page = sign_in(app, staff).get(f"/opportunities/{d.posting.id}")
    assert page.status_code == 200 and "Open to students of North High only." in page.text


def test_kept_pages_of_results_are_kept_per_school(app, district, count_queries):
    d = district
    second_north = student(d.north)
    db.session.commit()
    nora, sam, visitor = sign_in(app, d.nora), sign_in(app, d.sam), app.test_client()
    url = "/opportunities?sort=newest&q=greenhouse"
    assert titles(nora.get(url).text) == [NORTH_ONLY]
    # Right after, the same search from South: its own page, not North's kept one.
    assert titles(sam.get(url).text) == []
    assert titles(visitor.get(url).text) == []
    # And the other way round: South (and a visitor) first, then North.
    url = "/opportunities?sort=deadline"
    assert NORTH_ONLY not in titles(sam.get(url).text)
    assert NORTH_ONLY not in titles(visitor.get(url).text)
    assert NORTH_ONLY in titles(nora.get(url).text)
    # Another North student is served North's kept page, without its query.
    other = sign_in(app, second_north)
    with count_queries() as counter:
        assert NORTH_ONLY in titles(other.get(url).text)
    assert not any("FROM opportunity" in sql and "LIMIT" in sql for sql in counter.statements)


def test_a_featured_posting_shows_only_to_its_schools(app, district):
    d = district
    d.posting.featured_until = utcnow() + timedelta(days=3)
    db.session.commit()
    assert NORTH_ONLY in sign_in(app, d.nora).get("/opportunities").text
    assert NORTH_ONLY not in sign_in(app, d.sam).get("/opportunities").text
    assert NORTH_ONLY not in app.test_client().get("/opportunities").text


def test_changing_the_schools_retires_kept_pages_at_once(app, district):
    d = district
    nora, sam = sign_in(app, d.nora), sign_in(app, d.sam)
    url = "/opportunities?sort=newest"
    assert NORTH_ONLY in titles(nora.get(url).text)
    assert NORTH_ONLY not in titles(sam.get(url).text)
    employer = sign_in(app, d.employer)
    edit = f"/employers/opportunities/{d.posting.id}/edit"
    fields = edit_fields(employer, edit)
    fields.setlist("schools", [str(d.south.id)])
    assert employer.post(edit, data=fields).status_code == 302
    assert NORTH_ONLY not in titles(nora.get(url).text)
    assert NORTH_ONLY in titles(sam.get(url).text)
    assert nora.get(f"/opportunities/{d.posting.id}").status_code == 404


def test_the_employer_form_chooses_the_schools_and_says_what_is_wrong(app, district):
    d = district
    employer = sign_in(app, d.employer)
    edit = f"/employers/opportunities/{d.posting.id}/edit"
    page = employer.get(edit).text
    assert "North High" in page and "South High" in page
    fields = edit_fields(employer, edit)
    assert fields["audience"] == "some" and fields.getlist("schools") == [str(d.north.id)]

    # "These schools" with none ticked: said, and what was typed is still there.
    fields.setlist("schools", [])
    fields["title"] = "Greenhouse Aide (spring)"
    response = employer.post(edit, data=fields)
    assert response.status_code == 200
    assert "Tick at least one school, or open the posting to every school." in response.text
    assert 'value="Greenhouse Aide (spring)"' in response.text
    assert form_fields(response.text, edit)["audience"] == "some"
    # A school the district does not have.
    fields.setlist("schools", ["999999"])
    response = employer.post(edit, data=fields)
    assert "Choose the schools from the list." in response.text
    fields.setlist("schools", ["North"])
    assert employer.post(edit, data=fields).status_code == 200
    db.session.expire_all()
    assert d.posting.title == NORTH_ONLY and d.posting.school_ids == [d.north.id]

    fields["title"] = NORTH_ONLY  # a new title would be a material change: back to review
    fields.setlist("schools", [str(d.north.id), str(d.south.id)])
    assert employer.post(edit, data=fields).status_code == 302
    db.session.expire_all()
    assert d.posting.school_ids == sorted([d.north.id, d.south.id])
    assert d.posting.status is OpportunityStatus.PUBLISHED  # not a material change
    # Every school: the ticks left on the page do not count.
    fields = edit_fields(employer, edit)
    fields["audience"] = "all"
    assert employer.post(edit, data=fields).status_code == 302
    db.session.expire_all()
    assert d.posting.school_ids == []
    assert sign_in(app, d.sam).get(f"/opportunities/{d.posting.id}").status_code == 200

    # A new posting for South only; its copy keeps the schools.
    new = "/employers/opportunities/new"
    fields = form_fields(employer.get(new).text, new)
    for name, value in {"title": "Robotics Helper", "description": "Build robots.",
                        "location": "Dayton, OH", "audience": "some"}.items():
        fields[name] = value
    fields.setlist("schools", [str(d.south.id)])
    response = employer.post(new, data=fields)
    assert response.status_code == 302, re.findall(r"error-text[^>]*>([^<]+)", response.text)
    created = db.session.scalar(sa.select(Opportunity).where(
        Opportunity.title == "Robotics Helper"))
    assert created.school_ids == [d.south.id]
    response = employer.submit(f"/employers/opportunities/{created.id}/duplicate",
                               page=f"/employers/opportunities/{created.id}/edit")
    assert response.status_code == 302
    copy = db.session.scalars(sa.select(Opportunity).where(
        Opportunity.title == "Robotics Helper").order_by(Opportunity.id.desc())).first()
    assert copy.id != created.id and copy.school_ids == [d.south.id]


def test_in_a_college_the_form_offers_no_schools(login_as, client):
    login_as(EmployerFactory())
    page = client.get("/employers/opportunities/new").text
    assert 'name="audience"' not in page and 'name="schools"' not in page


def test_the_api_reads_and_writes_the_schools(district, api_client):
    d = district
    api = api_client(d.employer)
    body = {"title": "API Aide", "kind": "internship", "description": "Help out.",
            "location": "Dayton, OH", "remote": "onsite", "paid": False,
            "career_cluster": "education", "positions": 1,
            "application_deadline": (date.today() + timedelta(days=10)).isoformat(),
            "schools": [d.north.id]}
    created = api.post("/api/v1/opportunities", json=body)
    assert created.status_code == 201, created.get_json()
    assert created.get_json()["schools"] == [d.north.id]
    url = f"/api/v1/opportunities/{created.get_json()['id']}"
    for schools_value, message in (([999999], "No such school: 999999."),
                                   ([d.north.id, 999998, 999999],
                                    "No such schools: 999998, 999999."),
                                   ("North", "Must be a list."),
                                   ([True], "Must be a whole number."),
                                   (None, "Must be a list.")):
        response = api.patch(url, json={"schools": schools_value})
        assert response.status_code == 422, response.get_json()
        assert response.get_json()["error"]["fields"]["schools"] == message
    assert api.get(url).get_json()["schools"] == [d.north.id]
    patched = api.patch(url, json={"positions": 2})  # a patch not naming them keeps them
    assert patched.get_json()["schools"] == [d.north.id]
    patched = api.patch(url, json={"schools": [d.south.id, d.north.id, d.south.id]})
    assert patched.get_json()["schools"] == sorted([d.north.id, d.south.id])
    assert api.patch(url, json={"schools": []}).get_json()["schools"] == []
    listed = api.get(f"/api/v1/opportunities/{d.posting.id}").get_json()
    assert listed["schools"] == [d.north.id]


def test_school_staff_review_the_postings_open_to_their_school(app, district):
    d = district
    waiting = OpportunityFactory(title="Orchard Picker", status=OpportunityStatus.PENDING_REVIEW,
                                 organization=d.posting.organization, school_ids=[d.north.id])
    OpportunityFactory(title="Museum Guide", status=OpportunityStatus.PENDING_REVIEW,
                       organization=d.posting.organization)
    north_staff, south_staff, district_staff = StaffFactory(), StaffFactory(), StaffFactory()
    db.session.flush()
    schools.assign_school_staff(north_staff, d.north)
    schools.assign_school_staff(south_staff, d.south)
    db.session.commit()
    north, south = sign_in(app, north_staff), sign_in(app, south_staff)
    everyone = sign_in(app, district_staff)
    north_page = north.get("/staff/review").text
    assert "Orchard Picker" in north_page and "Museum Guide" in north_page
    assert "Open to students of North High only." in north_page
    south_page = south.get("/staff/review").text
    assert "Orchard Picker" not in south_page and "Museum Guide" in south_page
    district_page = everyone.get("/staff/review").text
    assert "Orchard Picker" in district_page and "Museum Guide" in district_page
    # South's staff cannot decide it around their queue either.
    response = south.submit(f"/staff/review/{waiting.id}/approve", page="/staff/review")
    assert response.status_code == 302
    assert "No such posting." in south.get("/staff/review").text
    db.session.expire_all()
    assert waiting.status is OpportunityStatus.PENDING_REVIEW
    response = north.submit(f"/staff/review/{waiting.id}/approve", page="/staff/review")
    assert response.status_code == 302
    db.session.expire_all()
    assert waiting.status is OpportunityStatus.PUBLISHED
    with pytest.raises(NotFound):  # the service asks, whoever calls it
        approve_opportunity(waiting.id, south_staff)


def test_the_district_demo_has_a_posting_for_one_school(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["seed-demo", "--district"])
    assert result.exit_code == 0, result.output
    rows = db.session.execute(sa.select(Opportunity.title, School.name).join(
        OpportunitySchool, OpportunitySchool.opportunity_id == Opportunity.id).join(
        School, School.id == OpportunitySchool.school_id)).all()
    assert [(title.split(" (")[0], school) for title, school in rows] == [
        ("Pharmacy Technician Job Shadow", "Roosevelt High School")]


def test_suggestions_on_the_home_and_outcomes_pages_keep_to_the_students_school(
        district, app):
    for posting in (district.posting, district.open_posting):
        posting.career_cluster = "agriculture"
    for person in (district.nora, district.sam):
        person.student_profile.clusters = ["agriculture"]
    db.session.commit()
    for person, sees_it in ((district.nora, True), (district.sam, False)):
        browser = sign_in(app, person)
        for path in ("/students/", "/me/outcomes"):
            page = browser.get(path).text
            assert FOR_ALL in page, path
            assert (NORTH_ONLY in page) is sees_it, (person.name, path)


def test_a_districts_campaign_links_only_a_posting_open_to_every_school(district, app):
    from marketplace.blueprints.outcomes.campaigns import services as campaigns
    from marketplace.core.errors import ValidationFailed

    staff = StaffFactory()
    db.session.commit()
    segment = campaigns.Segment(graduation_year=2027, missing_outcome="connections")
    with pytest.raises(ValidationFailed) as refused:
        campaigns.create_campaign(segment, "Greenhouse", "Apply now.",
                                  campaigns.NextStep.POSTING, staff,
                                  posting_id=district.posting.id)
    assert refused.value.fields.get("posting_id") == "Choose a posting students can see."
    # The posting open to every school may be linked.
    campaign = campaigns.create_campaign(segment, "Books", "Apply now.",
                                         campaigns.NextStep.POSTING, staff,
                                         posting_id=district.open_posting.id)
    assert campaign.posting_id == district.open_posting.id


def test_another_schools_staff_cannot_read_edit_or_close_a_restricted_posting(
        app, district, api_client):
    d = district
    north_staff, south_staff = StaffFactory(), StaffFactory()
    db.session.flush()
    schools.assign_school_staff(north_staff, d.north)
    schools.assign_school_staff(south_staff, d.south)
    db.session.commit()
    south, north = api_client(south_staff), api_client(north_staff)
    path = f"/api/v1/opportunities/{d.posting.id}"
    assert south.get(path).status_code == 404
    assert south.patch(path, json={"schools": []}).status_code == 404
    assert south.post(path + "/close").status_code == 404
    db.session.expire_all()
    assert d.posting.school_ids == [d.north.id]
    assert d.posting.status is OpportunityStatus.PUBLISHED
    assert sign_in(app, south_staff).get(f"/opportunities/{d.posting.id}").status_code == 404
    assert north.get(path).status_code == 200
    assert south.get(f"/api/v1/opportunities/{d.open_posting.id}").status_code == 200


def test_a_saved_posting_narrowed_to_another_school_leaves_the_home(app, district):
    d = district
    d.posting.school_ids = []  # open to all while Sam saves it
    db.session.flush()
    db.session.add(SavedOpportunity(user_id=d.sam.id, opportunity_id=d.posting.id))
    d.posting.application_deadline = date.today() + timedelta(days=5)
    db.session.commit()
    sam = sign_in(app, d.sam)
    assert NORTH_ONLY in sam.get("/students/").text
    d.posting.school_ids = [d.north.id]
    db.session.commit()
    assert NORTH_ONLY not in sam.get("/students/").text


def test_a_student_chooses_their_school_once_then_the_roster_changes_it(
        app, district, api_client):
    d = district
    sam = sign_in(app, d.sam)
    page = sam.get("/students/profile").text
    assert "Your school:</strong> South High" in page
    assert 'name="school_id"' not in page
    fields = form_fields(page, "/students/profile")
    fields["school_id"] = str(d.north.id)  # sent anyway
    sam.post("/students/profile", data=fields)
    db.session.expire_all()
    assert d.sam.student_profile.school_id == d.south.id
    response = api_client(d.sam).patch("/api/v1/me", json={"school_id": d.north.id})
    assert response.status_code == 422
    assert "career center" in response.get_json()["error"]["fields"]["school_id"]
    db.session.expire_all()
    assert d.sam.student_profile.school_id == d.south.id
    # A student without a school still chooses one.
    nobody = sign_in(app, d.nobody)
    fields = form_fields(nobody.get("/students/profile").text, "/students/profile")
    fields["school_id"] = str(d.north.id)
    assert nobody.post("/students/profile", data=fields).status_code == 302
    db.session.expire_all()
    assert d.nobody.student_profile.school_id == d.north.id
