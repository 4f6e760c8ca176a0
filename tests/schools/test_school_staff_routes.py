"""The school scope in every domain (issue 19): in a district, a school's staff get 404
for another school's students on every page and API route that names one, and their
lists hold their own school's students only; the district's staff see every school.

One world per test: North High's Nora and South High's Sam (the same surname, so one
search finds both), each with an application and its resume, a career plan and a
document waiting for review, evidence and a credential for it, an event registration,
a conversation at a fair, a registration pause, a mentoring booking, a deletion request,
a campaign made by their school's staff, a look at their record in the access log and
an e-mail in the delivery log. Staff: one of North, one of South, one of the district.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.datastructures import FileStorage

from marketplace.blueprints.accounts.models import StudentProfile, User
from marketplace.blueprints.applications.models import Placement, PlacementStatus
from marketplace.blueprints.applications.services import apply, record_access
from marketplace.blueprints.credentials import keys
from marketplace.blueprints.credentials import services as credentials
from marketplace.blueprints.events import services as events
from marketplace.blueprints.events.models import EventKind, FairStatus, RegistrationPause
from marketplace.blueprints.mentoring import services as mentoring
from marketplace.blueprints.mentoring.models import MentoringSlot
from marketplace.blueprints.notifications.models import DeliveryStatus, EmailDelivery
from marketplace.blueprints.outcomes import documents, reviews
from marketplace.blueprints.outcomes.campaigns import services as campaigns
from marketplace.blueprints.outcomes.campaigns.models import Campaign, NextStep
from marketplace.blueprints.outcomes.models import SourceKind
from marketplace.blueprints.outcomes.services import record_evidence
from marketplace.blueprints.privacy.services import request_deletion
from marketplace.blueprints.schools import services as schools
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.reference import CAREER_CLUSTERS
from tests.events.helpers import make_event
from tests.factories import (
    AlumniFactory,
    EmployerFactory,
    OpportunityFactory,
    StaffFactory,
    StudentFactory,
)
from tests.schools.helpers import sign_in
from tests.support import PDF

YEAR = 2027
NOT_FOUND = 404


@dataclass
class Records:
    """One student's records, by what the routes name."""

    student: User
    application: int
    placement: int
    plan: int
    document: int
    credential: int
    booking: int
    deletion: int
    campaign: int
    code: str


@dataclass
class World:
    north: Records
    south: Records
    north_staff: User
    south_staff: User
    district_staff: User
    event: int
    slot: int


def _plan_values() -> dict:
    due = (utcnow() + timedelta(days=30)).date().isoformat()
    values = {"goals": "Work in a hospital lab after college.",
              "cluster": next(iter(CAREER_CLUSTERS)), "roles": "Lab technician"}
    for n in (1, 2, 3):
        values[f"step_{n}"], values[f"due_{n}"] = f"Next step number {n}", due
    return values


def _records(student: User, staff: User, fair_id: int, employer: User, slot_id: int,
             source_id: int) -> Records:
    posting = OpportunityFactory()
    application = apply(posting, student, "I would like to learn.",
                        FileStorage(io.BytesIO(PDF), "resume.pdf", content_type="application/pdf"))
    record_access(employer, application, "application")  # a line in the access log
    placement = Placement(application_id=application.id, student_id=student.id,
                          opportunity_id=posting.id, status=PlacementStatus.ACTIVE)
    db.session.add(placement)
    plan = reviews.submit_plan(student, _plan_values())
    document = documents.submit_document(student, "resume",
                                         FileStorage(io.BytesIO(PDF), "cv.pdf"))
    record_evidence(student.id, "experiential_learning", SourceKind.PLACEMENT, source_id,
                    {"opportunity": "Lab aide", "organization": "Clinic", "hours": 40})
    credential = credentials.claim(student, "experiential_learning", "placement", source_id)
    events.register(fair_id, student)
    code = events.current_code(student).code
    events.log_conversation(fair_id, code, employer, "Talked about labs")
    db.session.add(RegistrationPause(student_id=student.id, reason="Three no-shows"))
    booking = mentoring.book(slot_id, student, "Interview practice")
    deletion = request_deletion(student, "Please delete my account.")
    campaign = campaigns.create_campaign(
        campaigns.Segment(YEAR, "job_search"), f"Jobs for {student.name}",
        "Come and see us about jobs.", NextStep.OUTCOMES, staff, holdout_percent=0)
    db.session.add(EmailDelivery(user_id=student.id, to_address=student.email,
                                 subject="A note", template="test",
                                 status=DeliveryStatus.LOGGED))
    db.session.flush()
    return Records(student, application.id, placement.id, plan.id, document.id,
                   credential.id, booking.id, deletion.id, campaign.id, code)


@pytest.fixture
def world() -> World:
    north, south = schools.add_school("North High"), schools.add_school("South High")
    keys.create_key()
    north_staff, south_staff, district_staff = StaffFactory(), StaffFactory(), StaffFactory()
    schools.assign_school_staff(north_staff, north)
    schools.assign_school_staff(south_staff, south)
    fair = make_event(capacity=100, kind=EventKind.CAREER_FAIR, starts_in=timedelta(hours=1),
                      title="District fair")
    employer = EmployerFactory()
    events.register_organization(fair.id, employer, 2, "Lab internships")
    events.decide_organization(fair.id, employer.organization_id, district_staff,
                               FairStatus.APPROVED, "A1")
    alum = AlumniFactory()
    start = utcnow() + timedelta(days=5)
    slot = MentoringSlot(alumni_id=alum.id, starts_at=start,
                         ends_at=start + timedelta(minutes=30), duration_minutes=30,
                         time_zone="America/New_York", capacity=5, topic="Interviews",
                         location="+1 555 0100")
    db.session.add(slot)
    nora = StudentFactory(name="Nora Rivera", email="nora.rivera@school.edu",
                          student_profile=StudentProfile(graduation_year=YEAR,
                                                         school_id=north.id))
    sam = StudentFactory(name="Sam Rivera", email="sam.rivera@school.edu",
                         student_profile=StudentProfile(graduation_year=YEAR,
                                                        school_id=south.id))
    db.session.flush()
    built = World(_records(nora, north_staff, fair.id, employer, slot.id, 8101),
                  _records(sam, south_staff, fair.id, employer, slot.id, 8102),
                  north_staff, south_staff, district_staff, fair.id, slot.id)
    db.session.commit()
    return built


# -- One student's routes: 404 for another school's staff ---------------------------------

# (kind, path): "page" through a signed-in browser, "api" with a token; {…} from Records.
READS = [
    ("page", "/employers/applications/{application}"),
    ("page", "/employers/applications/{application}/resume"),
    ("page", "/staff/outcomes/plans/{plan}"),
    ("page", "/staff/outcomes/documents/{document}"),
    ("page", "/staff/outcomes/documents/{document}/file"),
    ("page", "/staff/people/{student_id}"),
    ("page", "/staff/outcomes/campaigns/{campaign}"),
    ("page", "/mentoring/bookings/{booking}/invite.ics"),
    ("api", "/api/v1/applications/{application}"),
    ("api", "/api/v1/students/{student_id}/evidence"),
    ("api", "/api/v1/students/{student_id}/progress"),
    ("api", "/api/v1/credentials/{credential}"),
    ("api", "/api/v1/campaigns/{campaign}"),
]


def _path(template: str, records: Records) -> str:
    return template.format(student_id=records.student.id, **{
        name: getattr(records, name) for name in (
            "application", "placement", "plan", "document", "credential", "booking",
            "deletion", "campaign")})


def _client(kind: str, app, api_client, user):
    return api_client(user) if kind == "api" else sign_in(app, user)


@pytest.mark.parametrize(("kind", "template"), READS, ids=[path for _, path in READS])
def test_a_school_s_staff_read_their_students_only(world, app, api_client, kind, template):
    north_staff = _client(kind, app, api_client, world.north_staff)
    assert north_staff.get(_path(template, world.north)).status_code == 200
    assert north_staff.get(_path(template, world.south)).status_code == NOT_FOUND
    district = _client(kind, app, api_client, world.district_staff)
    for records in (world.north, world.south):
        assert district.get(_path(template, records)).status_code == 200, records.student.name


# (kind, path, body, success): each changes something, so each actor gets a fresh world.
ACTIONS = [
    ("api", "/api/v1/career-plans/{plan}/approve", {}, 200),
    ("api", "/api/v1/documents/{document}/review", {"decision": "approved"}, 200),
    ("api", "/api/v1/students/{student_id}/evidence",
     {"outcome": "career_design", "occurred_on": "2026-01-05",
      "description": "Mock interview"}, 201),
    ("api", "/api/v1/credentials/{credential}/revoke", {"reason": "Recorded in error"}, 200),
    ("api", "/api/v1/events/{event}/checkins", {"code": "{code}"}, 200),
    ("api", "/api/v1/placements/{placement}/complete",
     {"hours": 12, "early_reason": "Confirmed by the host by phone"}, 200),
    ("page", "/staff/outcomes/plans/{plan}", {"decision": "approved", "comment": ""}, 302),
    ("page", "/staff/outcomes/documents/{document}",
     {"decision": "changes_requested", "comment": "Add your dates."}, 302),
    ("page", "/staff/credentials/{credential}/revoke", {"reason": "Recorded in error"}, 302),
    ("page", "/staff/deletion-requests/{deletion}/decline", {"reason": "Records we keep."},
     302),
    ("page", "/staff/events/pauses/{student_id}/lift", {}, 302),
    ("page", "/staff/events/{event}/kiosk", {"code": "{code}"}, 200),
]


def _act(kind, client, template: str, body: dict, records: Records, world: World):
    path = _path(template.replace("{event}", str(world.event)), records)
    body = {key: value.replace("{code}", records.code) if isinstance(value, str) else value
            for key, value in body.items()}
    if kind == "api":
        return client.post(path, json=body)
    return client.post(path, data={"csrf_token": client.csrf_token(), **body})


@pytest.mark.parametrize("actor", ["north", "district"])
@pytest.mark.parametrize(("kind", "template", "body", "success"), ACTIONS,
                         ids=[path for _, path, _, _ in ACTIONS])
def test_a_school_s_staff_act_for_their_students_only(world, app, api_client, actor, kind,
                                                      template, body, success):
    staff = world.north_staff if actor == "north" else world.district_staff
    client = _client(kind, app, api_client, staff)
    south = _act(kind, client, template, body, world.south, world)
    expected = NOT_FOUND if actor == "north" else success
    if "kiosk" in template and actor == "north":
        # The door's page stays up and says why; nobody was checked in.
        assert south.status_code == NOT_FOUND
        assert "No student of your school has this code." in south.get_data(as_text=True)
    else:
        assert south.status_code == expected, south.get_data(as_text=True)[:300]
    north = _act(kind, client, template, body, world.north, world)
    assert north.status_code == success, north.get_data(as_text=True)[:300]


def test_evidence_recorded_by_hand_is_for_their_students_only(world, app):
    browser = sign_in(app, world.north_staff)
    form = {"outcome": "career_design", "occurred_on": "2026-01-05",
            "description": "Mock interview"}
    refused = browser.submit("/staff/outcomes/record", {"email": world.south.student.email,
                                                        **form})
    assert refused.status_code == 422
    assert "No student account has this e-mail." in refused.get_data(as_text=True)
    done = browser.submit("/staff/outcomes/record", {"email": world.north.student.email, **form})
    assert done.status_code == 302


# -- Lists: only their school's students ---------------------------------------------------

# (path, what shows a student on it); paths may name the event and the slot.
LISTS = [
    ("/staff/applications", "name"),
    ("/staff/outcomes/reviews", "name"),
    ("/staff/credentials", "name"),
    ("/staff/events/{event}", "name"),
    ("/staff/events", "name"),
    ("/mentoring/slots/{slot}", "name"),
    ("/staff/deletion-requests", "name"),
    ("/staff/access-log", "name"),
    ("/staff/access-log?view=entries", "name"),
    ("/staff/people?q=Rivera", "name"),
    ("/staff/emails", "email"),
    ("/staff/outcomes/campaigns", "campaign"),
]


def _shows(page: str, records: Records, what: str) -> bool:
    if what == "campaign":
        return f"Jobs for {records.student.name}" in page
    return getattr(records.student, what) in page


@pytest.mark.parametrize(("template", "what"), LISTS, ids=[path for path, _ in LISTS])
def test_lists_hold_their_school_s_students_only(world, app, template, what):
    path = template.format(event=world.event, slot=world.slot)
    page = sign_in(app, world.north_staff).get(path)
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert _shows(text, world.north, what) and not _shows(text, world.south, what)
    text = sign_in(app, world.district_staff).get(path).get_data(as_text=True)
    assert _shows(text, world.north, what) and _shows(text, world.south, what)


def test_the_event_report_counts_their_school_s_students(world, app):
    page = sign_in(app, world.north_staff).get(f"/staff/events/{world.event}")
    assert "conversations logged (1 students" in page.get_data(as_text=True)
    page = sign_in(app, world.district_staff).get(f"/staff/events/{world.event}")
    assert "conversations logged (2 students" in page.get_data(as_text=True)


@pytest.mark.parametrize("path", ["/api/v1/applications", "/api/v1/placements",
                                  "/api/v1/bookings"])
def test_api_lists_hold_their_school_s_students_only(world, api_client, path):
    seen = {item["student_id"] for item in api_client(world.north_staff).get(path)
            .get_json()["items"]}
    assert world.south.student.id not in seen
    everyone = {item["student_id"] for item in api_client(world.district_staff).get(path)
                .get_json()["items"]}
    assert seen <= everyone
    assert world.north.student.id in seen
    assert {world.north.student.id, world.south.student.id} <= everyone


# -- Campaigns ------------------------------------------------------------------------------


def test_a_school_s_campaign_reaches_and_remembers_its_school(world):
    north_campaign = db.session.get(Campaign, world.north.campaign)
    assert (north_campaign.school_id, north_campaign.segment_size) == (
        schools.school_named("North High").id, 1)
    segment = campaigns.Segment(YEAR, "job_search")
    assert campaigns.preview(segment, 0)["segment_size"] == 2  # the district's whole class
    assert campaigns.preview(segment, 0, north_campaign.school_id)["segment_size"] == 1
    made = campaigns.create_campaign(segment, "Everyone", "Hello.", NextStep.OUTCOMES,
                                     world.district_staff, holdout_percent=0)
    assert (made.school_id, made.segment_size) == (None, 2)
    db.session.commit()
    assert [c.id for c in campaigns.recent_campaigns(world.north_staff)] == [
        world.north.campaign]
    assert {c.id for c in campaigns.recent_campaigns(world.district_staff)} == {
        world.north.campaign, world.south.campaign, made.id}


def test_a_school_s_staff_count_their_school_in_a_new_campaign(world, app):
    browser = sign_in(app, world.north_staff)
    page = browser.submit("/staff/outcomes/campaigns/new", {
        "graduation_year": str(YEAR), "missing_outcome": "job_search", "group": "",
        "major": "", "subject": "Jobs", "message": "Come and see us.",
        "next_step": "outcomes", "posting_id": "", "holdout": "0", "action": "preview"},
        page="/staff/outcomes/campaigns/new").get_data(as_text=True)
    assert "<strong>1</strong> student in this segment" in page, page[:3000]


# -- The roster import ----------------------------------------------------------------------


def _import(api_client, staff, kind: str, text: str):
    return api_client(staff).post("/api/v1/outcomes/imports", json={"kind": kind, "csv": text})


def test_a_school_s_staff_import_their_school_s_students_only(world, api_client):
    answer = _import(api_client, world.north_staff, "roster",
                     "email,name,graduation_year,school\n"
                     "new.one@school.edu,New One,2027,\n"
                     "new.two@school.edu,New Two,2027,South High\n"
                     f"{world.south.student.email},Sam Rivera,2027,North High\n"
                     f"{world.north.student.email},Nora Rivera,2027,north high\n")
    assert answer.status_code == 422, answer.get_json()
    fields = answer.get_json()["error"]["fields"]
    assert list(fields) == ["line 3", "line 4"]
    assert "school: “South High” is not your school (you import North High's students " \
           "only)" in fields["line 3"]
    assert f"{world.south.student.email} is not one of North High's students" in \
        fields["line 4"]
    # Without the refused rows, and without a school column: theirs goes on each row.
    answer = _import(api_client, world.north_staff, "roster",
                     "email,name,graduation_year\nnew.one@school.edu,New One,2027\n"
                     f"{world.north.student.email},Nora Rivera,2027\n")
    assert answer.status_code == 201, answer.get_json()
    assert answer.get_json()["created"] == 1 and answer.get_json()["unchanged"] == 1
    new = db.session.scalar(sa.select(StudentProfile).join(User).where(
        User.email == "new.one@school.edu"))
    assert new.school_id == schools.school_named("North High").id


def test_evidence_and_destinations_imports_are_for_their_students_only(world, api_client):
    for kind, text in (
            ("evidence", "email,outcome,date,description\n"
                         f"{world.south.student.email},career_design,2026-01-05,Mock\n"),
            ("destinations", "email,category,employer,date\n"
                             f"{world.south.student.email},employed_full_time,Acme,"
                             "2026-01-05\n")):
        answer = _import(api_client, world.north_staff, kind, text)
        assert answer.status_code == 422, (kind, answer.get_json())
        assert "is not one of North High's students" in \
            answer.get_json()["error"]["fields"]["line 2"]
        assert _import(api_client, world.district_staff, kind, text).status_code == 201


def test_district_staff_import_for_every_school(world, api_client):
    answer = _import(api_client, world.district_staff, "roster",
                     "email,name,graduation_year,school\n"
                     f"{world.south.student.email},Sam Rivera,2027,North High\n")
    assert answer.status_code == 201
    db.session.expire_all()
    assert world.south.student.student_profile.school_id == \
        schools.school_named("North High").id


# -- The cost ------------------------------------------------------------------------------


def test_the_school_is_asked_once_a_request(world, app, count_queries):
    browser = sign_in(app, world.district_staff)
    browser.get("/staff/applications")
    with count_queries() as counted:
        browser.get("/staff/applications")
    asked = [sql for sql in counted.statements if "school_staff" in sql]
    assert len(asked) == 1, asked


# -- Acting on a whole class ----------------------------------------------------------------


def test_a_school_s_staff_graduate_their_school_s_class_only(world, app):
    browser = sign_in(app, world.north_staff)
    page = browser.get(f"/staff/graduation?graduation_year={YEAR}").get_data(as_text=True)
    assert "1 active student;" in page
    done = browser.submit("/staff/graduation", {"graduation_year": str(YEAR)},
                          page="/staff/graduation")
    assert done.status_code == 302
    db.session.expire_all()
    assert (world.north.student.role.value, world.south.student.role.value) == (
        "alumni", "student")


def test_a_school_s_staff_may_write_to_their_class_from_the_dashboard(world, app):
    page = sign_in(app, world.north_staff).get(
        f"/staff/outcomes?graduation_year={YEAR}").get_data(as_text=True)
    assert "write to them" in page  # their campaign reaches their school's students alone
    south = schools.school_named("South High").id
    page = sign_in(app, world.district_staff).get(
        f"/staff/outcomes?graduation_year={YEAR}&school={south}").get_data(as_text=True)
    assert "write to them" not in page  # a district campaign would reach every school
