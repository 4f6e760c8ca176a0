"""Career staff find a person and see their records; every look at a student is logged."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.blueprints.accounts.models import AlumniProfile, StudentProfile
from marketplace.blueprints.applications.models import (
    Application,
    ApplicationStatus,
    Placement,
    PlacementStatus,
    RecordAccess,
)
from marketplace.blueprints.mentoring.models import Booking, BookingStatus, MentoringSlot
from marketplace.blueprints.ops.people import search_people, search_words
from marketplace.blueprints.outcomes.models import SourceKind
from marketplace.blueprints.outcomes.services import record_evidence
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.policies import Role
from tests.factories import (
    AlumniFactory,
    EmployerFactory,
    OpportunityFactory,
    OrganizationFactory,
    StaffFactory,
    StudentFactory,
)


@pytest.fixture
def people():
    """A few people of each role with names, e-mails and organizations to search by."""
    harbor = OrganizationFactory(name="Harbor Robotics")
    found = {
        "maya": StudentFactory(name="Maya Okafor", email="mokafor@school.edu",
                               student_profile=StudentProfile(graduation_year=2026,
                                                              major="Mechanical Engineering")),
        "mayo": StudentFactory(name="Leo Mayoral", email="lmayoral@school.edu"),
        "ana": StudentFactory(name="Ana Okafor", email="aokafor@school.edu"),
        "rita": EmployerFactory(name="Rita Recruiter", email="rita@harbor.example",
                                organization=harbor),
        "sam": AlumniFactory(name="Sam Okafor", email="sam@alumni.example",
                             alumni_profile=AlumniProfile(graduation_year=2012,
                                                          employer="Mill Co", title="Welder")),
        "gone": StudentFactory(name="Maya Gone", email="mgone@school.edu", active=False),
        "staff": StaffFactory(name="Maya Staffer", email="mstaff@school.edu"),
    }
    db.session.commit()
    return found


def names(page) -> list[str]:
    return [hit.user.name for hit in page.hits]


def test_search_matches_any_word_in_name_email_or_organization(people):
    assert search_words("  MAYA  maya Okafor ") == ["maya", "okafor"]
    # Any word, case-insensitive; those with both words first. Inactive people and staff
    # are never listed.
    found = names(search_people("MAYA okafor"))
    assert found[0] == "Maya Okafor"
    assert set(found) == {"Maya Okafor", "Ana Okafor", "Sam Okafor"}
    assert names(search_people("mayo")) == ["Leo Mayoral"]  # part of a word
    assert names(search_people("LMAYORAL@school")) == ["Leo Mayoral"]
    assert names(search_people("harbor")) == ["Rita Recruiter"]  # the organization's name
    assert names(search_people("okafor", Role.ALUMNI)) == ["Sam Okafor"]
    assert names(search_people("okafor", Role.STUDENT)) == ["Ana Okafor", "Maya Okafor"]
    assert names(search_people("100%_")) == []  # LIKE wildcards are plain characters
    assert names(search_people("   ")) == []


def test_search_pages(people):
    first = search_people("okafor", per_page=2)
    second = search_people("okafor", page=2, per_page=2)
    assert first.has_next and not second.has_next
    assert len(first.hits) == 2 and len(second.hits) == 1
    assert {*names(first), *names(second)} == {"Maya Okafor", "Ana Okafor", "Sam Okafor"}


def test_people_page_lists_results_with_role_and_details(people, login_as, client):
    login_as(StaffFactory())
    page = client.get("/staff/people?q=okafor").get_data(as_text=True)
    assert "Class of 2026 · Mechanical Engineering" in page
    assert "Welder, Mill Co" in page and "Alum" in page
    assert f'href="/staff/people/{people["maya"].id}"' in page
    employer = client.get("/staff/people?q=harbor&role=employer").get_data(as_text=True)
    assert "Rita Recruiter" in employer and "Harbor Robotics" in employer
    assert "Nobody matches" in client.get("/staff/people?q=harbor&role=student").get_data(
        as_text=True)


def test_an_empty_search_shows_only_the_form(people, login_as, client):
    login_as(StaffFactory())
    for url in ("/staff/people", "/staff/people?q=", "/staff/people?q=+&role=student",
                "/staff/people?role=bogus&page=x"):
        response = client.get(url)
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        assert 'role="search"' in page
        assert "/staff/people/" not in page and "Okafor" not in page


@pytest.mark.parametrize("role", [Role.STUDENT, Role.EMPLOYER, Role.ALUMNI])
def test_only_staff_find_people(people, login_as, client, role):
    factory = {Role.STUDENT: StudentFactory, Role.EMPLOYER: EmployerFactory,
               Role.ALUMNI: AlumniFactory}[role]
    login_as(factory())
    assert client.get("/staff/people?q=okafor").status_code == 403
    assert client.get(f"/staff/people/{people['maya'].id}").status_code == 403
    assert db.session.scalar(sa.select(sa.func.count(RecordAccess.id))) == 0


def test_visitors_are_sent_to_log_in(people, client):
    for url in ("/staff/people?q=okafor", f"/staff/people/{people['maya'].id}"):
        response = client.get(url)
        assert response.status_code == 302 and "/auth/login" in response.headers["Location"]


def test_unknown_or_inactive_people_are_not_found(people, login_as, client):
    login_as(StaffFactory())
    assert client.get("/staff/people/999999").status_code == 404
    assert client.get(f"/staff/people/{people['gone'].id}").status_code == 404
    assert db.session.scalar(sa.select(sa.func.count(RecordAccess.id))) == 0


def a_student_with_records(people):
    student, alum = people["maya"], people["sam"]
    opportunity = OpportunityFactory(title="Robot Arm Intern", organization=people[
        "rita"].organization, created_by=people["rita"])
    other = OpportunityFactory(title="Weld Shop Shadow")
    hired = Application(opportunity=opportunity, student=student, status=ApplicationStatus.HIRED)
    pending = Application(opportunity=other, student=student, cover_letter="Hi")
    db.session.add_all([hired, pending])
    db.session.flush()
    db.session.add(Placement(application=hired, student_id=student.id,
                             opportunity_id=opportunity.id, status=PlacementStatus.COMPLETED,
                             hours=120, completed_at=utcnow()))
    starts = (utcnow() - timedelta(days=3)).replace(microsecond=0)
    slot = MentoringSlot(alumni_id=alum.id, starts_at=starts,
                         ends_at=starts + timedelta(minutes=30), duration_minutes=30,
                         time_zone="America/Chicago", topic="Life in a machine shop")
    db.session.add(slot)
    db.session.flush()
    db.session.add(Booking(slot_id=slot.id, student_id=student.id, starts_at=slot.starts_at,
                           ends_at=slot.ends_at, status=BookingStatus.COMPLETED))
    record_evidence(student.id, "experiential_learning", SourceKind.PLACEMENT, 1)
    record_evidence(student.id, "connections", SourceKind.PLACEMENT, 1)
    record_evidence(student.id, "connections", SourceKind.MENTORING, 2)
    db.session.commit()
    return hired, pending


def test_a_students_page_shows_their_records_and_logs_the_look(people, login_as, client):
    hired, pending = a_student_with_records(people)
    student = people["maya"]
    staff = StaffFactory(name="Dana Staff")
    db.session.commit()
    login_as(staff)
    response = client.get(f"/staff/people/{student.id}")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    for text in ("Maya Okafor", "mokafor@school.edu", "Mechanical Engineering",
                 "Robot Arm Intern", "Weld Shop Shadow", "Hired", "Submitted", "120",
                 "Life in a machine shop", "Sam Okafor", "Completed",
                 "2 of 6 outcomes have evidence", "Connections: 2 records"):
        assert text in page, text
    assert f'href="/employers/applications/{hired.id}"' in page  # the staff application page
    assert f'href="/employers/applications/{pending.id}"' in page
    assert f'href="/staff/people/{people["sam"].id}"' in page

    rows = db.session.scalars(sa.select(RecordAccess)).all()
    assert [(r.viewer_id, r.student_id, r.application_id, r.what) for r in rows] == [
        (staff.id, student.id, None, "profile")]
    client.get(f"/staff/people/{student.id}")
    assert db.session.scalar(sa.select(sa.func.count(RecordAccess.id))) == 2

    # The student sees it, on their list and on each application's page: one line per
    # viewer, with how often and when last.
    client.post("/auth/logout", data={"csrf_token": client.csrf_token()})
    login_as(student)
    mine = client.get("/students/applications").get_data(as_text=True)
    assert re.search(r"Dana Staff \(career staff\) viewed your profile: 2 times, last ", mine)
    one = client.get(f"/students/applications/{pending.id}").get_data(as_text=True)
    assert "Dana Staff (career staff) viewed your profile: 2 times" in one


def test_the_staff_access_log_shows_profile_looks_grouped(people, login_as, client):
    hired, _ = a_student_with_records(people)
    staff = StaffFactory(name="Dana Staff")
    db.session.commit()
    login_as(staff)
    for _ in range(2):
        client.get(f"/staff/people/{people['maya'].id}")
    client.get(f"/employers/applications/{hired.id}")
    grouped = client.get("/staff/access-log").get_data(as_text=True)
    assert re.search(r'<td data-label="Record">Profile</td><td data-label="Times">2 times</td>'
                     r'<td data-label="What">profile 2</td>', grouped)
    assert re.search(rf'<td data-label="Record">#{hired.id}</td><td data-label="Times">1 time'
                     r'</td><td data-label="What">application 1</td>', grouped)
    each = client.get("/staff/access-log?view=entries").get_data(as_text=True)
    assert each.count('<td data-label="What">profile</td><td data-label="Record">Profile</td>') \
        == 2


@pytest.mark.parametrize("who", ["rita", "sam", "staff"])
def test_a_look_at_anyone_but_a_student_is_not_logged(people, login_as, client, who):
    a_student_with_records(people)
    login_as(StaffFactory())
    page = client.get(f"/staff/people/{people[who].id}").get_data(as_text=True)
    assert people[who].name in page
    if who == "rita":
        assert "Harbor Robotics" in page and "Robot Arm Intern" in page
    if who == "sam":
        assert "Life in a machine shop" in page and "Maya Okafor" in page
        assert "Welder, Mill Co" in page
    assert db.session.scalar(sa.select(sa.func.count(RecordAccess.id))) == 0


def test_the_person_page_costs_a_fixed_number_of_queries(people, login_as, client,
                                                          count_queries):
    a_student_with_records(people)
    login_as(StaffFactory())
    url = f"/staff/people/{people['maya'].id}"
    client.get(url)
    with count_queries() as few:
        client.get(url)
    for _ in range(6):
        opportunity = OpportunityFactory()
        db.session.add(Application(opportunity=opportunity, student=people["maya"]))
    db.session.commit()
    with count_queries() as many:
        client.get(url)
    assert many.count == few.count
