"""The employer's pipeline board, one-click moves, next and previous, and who looked."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from marketplace.blueprints.accounts.models import StudentProfile
from marketplace.blueprints.applications.models import (
    Application,
    ApplicationEvent,
    ApplicationStatus,
    RecordAccess,
)
from marketplace.blueprints.applications.policies import applicant_profile
from marketplace.blueprints.applications.services import neighbours, pipeline_board
from marketplace.blueprints.notifications.models import Notification
from marketplace.core.extensions import db
from tests.factories import (
    DEFAULT_PASSWORD,
    AlumniFactory,
    EmployerFactory,
    OpportunityFactory,
    StaffFactory,
    StudentFactory,
)
from tests.support import form_fields

A = ApplicationStatus
START = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


@pytest.fixture
def posting():
    """A posting with eight applicants, applied a day apart, in every kind of stage."""
    opportunity = OpportunityFactory(positions=3, title="Lab Intern")
    employer = EmployerFactory(organization=opportunity.organization, name="Erin Employer")
    opportunity.created_by = employer
    statuses = [A.SUBMITTED, A.REVIEWING, A.SUBMITTED, A.INTERVIEWING, A.DECLINED,
                A.REVIEWING, A.WITHDRAWN, A.HIRED]
    applications = []
    for day, status in enumerate(statuses):
        student = StudentFactory(name=f"Student {day}", student_profile=StudentProfile(
            graduation_year=2026 + day % 2, major=f"Major {day}", first_generation=True,
            pell_eligible=True))
        applications.append(Application(opportunity=opportunity, student=student,
                                        cover_letter="Hello", status=status,
                                        created_at=START + timedelta(days=day)))
    db.session.add_all(applications)
    db.session.commit()
    return opportunity, employer, applications


def signed_in(app, user):
    """A browser of its own for ``user``, signed in through the log-in form."""
    client = app.test_client()
    assert client.submit("/auth/login", {"email": user.email,
                                         "password": DEFAULT_PASSWORD}).status_code == 302
    return client


def board_path(opportunity) -> str:
    return f"/employers/opportunities/{opportunity.id}/applicants"


def stage_counts(html: str) -> dict[str, int]:
    return {label: int(count) for label, count in re.findall(
        r'<h2 id="stage-[a-z]+" class="board__heading">([A-Za-z]+) <span class="badge">(\d+)',
        html)}


def test_the_board_counts_each_stage(posting, login_as, client):
    opportunity, employer, applications = posting
    login_as(employer)
    html = client.get(board_path(opportunity)).get_data(as_text=True)
    assert stage_counts(html) == {"Submitted": 2, "Reviewing": 2, "Interviewing": 1,
                                  "Offered": 0, "Hired": 1, "Closed": 2}
    # The filter names every status with its count, and still filters.
    assert re.search(r">Reviewing <span class=\"stage-filter__count\">2</span>", html)
    filtered = client.get(board_path(opportunity) + "?status=reviewing").get_data(as_text=True)
    assert "Student 1" in filtered and "Student 5" in filtered and "Student 0" not in filtered
    assert list(stage_counts(filtered)) == ["Reviewing"]


def test_cards_show_class_and_major_and_mark_new_applicants(posting, app, login_as, client):
    opportunity, employer, applications = posting
    login_as(employer)
    html = client.get(board_path(opportunity)).get_data(as_text=True)
    assert "Class of 2026 · Major 0" in html and "Class of 2027 · Major 3" in html
    # Self-reported background is for the career center's reports only.
    assert not re.search(r"first.generation|pell", html, re.IGNORECASE)
    assert html.count('badge--warn">New<') == 2
    # Opened by career staff: still new to the host. Opened by the host: no longer new.
    staff = StaffFactory()
    db.session.commit()
    signed_in(app, staff).get(f"/employers/applications/{applications[0].id}")
    assert client.get(board_path(opportunity)).get_data(as_text=True).count(
        'badge--warn">New<') == 2
    client.get(f"/employers/applications/{applications[0].id}")
    html = client.get(board_path(opportunity)).get_data(as_text=True)
    assert html.count('badge--warn">New<') == 1 and "1 new" in html


def test_next_and_previous_follow_the_board(posting, login_as, client):
    opportunity, employer, applications = posting
    # Stage by stage, newest applicant first within each stage.
    order = [applications[i].id for i in (2, 0, 5, 1, 3, 7, 6, 4)]
    board = pipeline_board(opportunity, employer)
    assert [card.application.id for stage in board.stages for card in stage.cards] == order
    for index, application_id in enumerate(order):
        application = db.session.get(Application, application_id)
        assert neighbours(application) == (order[index - 1] if index else None,
                                           order[index + 1] if index + 1 < len(order) else None)
    login_as(employer)
    html = client.get(f"/employers/applications/{order[3]}").get_data(as_text=True)
    assert f'href="/employers/applications/{order[2]}" rel="prev"' in html
    assert f'href="/employers/applications/{order[4]}" rel="next"' in html
    first = client.get(f"/employers/applications/{order[0]}").get_data(as_text=True)
    assert 'rel="prev"' not in first and 'rel="next"' in first


def test_one_click_makes_the_same_move_as_before(posting, login_as, client, api_client):
    opportunity, employer, applications = posting
    by_button, by_api = applications[1], applications[5]  # both reviewing
    login_as(employer)
    page = f"/employers/applications/{by_button.id}"
    html = client.get(page).get_data(as_text=True)
    buttons = re.findall(r'<button type="submit" name="status" value="([a-z]+)"[^>]*>([^<]+)<',
                         html)
    assert buttons == [("interviewing", "Move to interviewing"), ("offered", "Make an offer"),
                       ("declined", "Decline")]
    assert 'class="button"' in html.split('value="interviewing"')[1].split(">")[0]
    response = client.submit(f"{page}/move", {"status": "interviewing"}, page=page)
    assert response.status_code == 302 and response.location.endswith(page)
    api_client(employer).post(f"/api/v1/applications/{by_api.id}/status",
                              json={"status": "interviewing"})
    db.session.expire_all()
    assert by_button.status is by_api.status is A.INTERVIEWING
    for application in (by_button, by_api):
        event = db.session.scalars(sa.select(ApplicationEvent).where(
            ApplicationEvent.application_id == application.id)).all()[-1]
        assert (event.status, event.actor_id) == (A.INTERVIEWING, employer.id)
    told = {n.user_id: n.title for n in db.session.scalars(sa.select(Notification).where(
        Notification.kind == "application_update"))}
    assert told[by_button.student_id] == "Your application for “Lab Intern” moved to interviews"
    assert told[by_api.student_id] == told[by_button.student_id]
    # Without a token nothing moves.
    assert client.post(f"{page}/move", data={"status": "offered"}).status_code == 400
    db.session.expire_all()
    assert by_button.status is A.INTERVIEWING


def test_one_click_offer_still_warns_when_every_position_is_taken(posting, login_as, client):
    opportunity, employer, applications = posting
    opportunity.positions = 1  # the hire takes it
    db.session.commit()
    login_as(employer)
    page = f"/employers/applications/{applications[3].id}"
    warned = client.submit(f"{page}/move", {"status": "offered", "note": "Join us"}, page=page)
    assert warned.status_code == 422
    html = warned.get_data(as_text=True)
    assert "Make the offer anyway" in html and "Join us" in html
    fields = form_fields(html, f"{page}/move", page=page)
    assert fields["status"] == "offered" and "confirm_over_positions" not in fields
    assert client.post(f"{page}/move", data=fields).status_code == 422  # still not confirmed
    fields["confirm_over_positions"] = "y"
    assert client.post(f"{page}/move", data=fields).status_code == 302
    db.session.expire_all()
    assert applications[3].status is A.OFFERED


def test_bulk_decline_sits_in_a_disclosure_and_still_works(posting, login_as, client):
    opportunity, employer, applications = posting
    login_as(employer)
    html = client.get(board_path(opportunity)).get_data(as_text=True)
    start = html.index('<details class="bulk-decline">')
    disclosure = html[start:html.index("</details>", start)]
    assert "data-confirm=" in disclosure
    offered = re.findall(r'name="application_ids" value="(\d+)"', disclosure)
    # Only open applications can be declined: not the hired, withdrawn or declined ones.
    assert sorted(map(int, offered)) == sorted(a.id for a in applications if a.is_open)
    action = f"{board_path(opportunity)}/decline"
    fields = form_fields(html, action, page=board_path(opportunity))
    fields.setlist("application_ids", [str(applications[0].id), str(applications[2].id)])
    fields["note"] = "Thank you for applying."
    response = client.post(action, data=fields)
    assert response.status_code == 302
    db.session.expire_all()
    assert applications[0].status is applications[2].status is A.DECLINED
    assert applications[1].status is A.REVIEWING
    assert "Declined 2 applicants" in client.get(board_path(opportunity)).get_data(as_text=True)


def test_another_employer_cannot_see_the_board_or_move_anyone(posting, app, login_as):
    opportunity, employer, applications = posting
    outsider = EmployerFactory(name="Other Org Person")
    db.session.commit()
    client = login_as(outsider)
    assert client.get(board_path(opportunity)).status_code == 404
    assert client.get(f"/employers/applications/{applications[1].id}").status_code == 404
    token = client.csrf_token()
    for status in ("interviewing", "declined"):
        response = client.post(f"/employers/applications/{applications[1].id}/move",
                               data={"csrf_token": token, "status": status})
        assert response.status_code == 404
    response = client.post(f"{board_path(opportunity)}/decline",
                           data={"csrf_token": token, "application_ids": [applications[1].id]})
    assert response.status_code == 404
    db.session.expire_all()
    assert applications[1].status is A.REVIEWING
    assert db.session.scalar(sa.select(sa.func.count(RecordAccess.id))) == 0
    # What of an applicant's profile each kind of viewer may see.
    assert applicant_profile(employer, applications[1]) == {"graduation_year": 2027,
                                                            "major": "Major 1"}
    for viewer in (outsider, AlumniFactory(), StudentFactory()):
        assert applicant_profile(viewer, applications[1]) == {}


def test_seven_views_by_one_employer_are_one_line(posting, app, login_as, client):
    opportunity, employer, applications = posting
    application = applications[1]
    login_as(employer)
    for _ in range(6):
        client.get(f"/employers/applications/{application.id}")
    client.get(f"/employers/opportunities/{opportunity.id}/applicants.csv")  # the seventh
    db.session.expire_all()
    assert db.session.scalar(sa.select(sa.func.count(RecordAccess.id)).where(
        RecordAccess.application_id == application.id)) == 7  # one row per view, as before
    last = db.session.scalar(sa.select(sa.func.max(RecordAccess.created_at)))
    student = signed_in(app, application.student)
    html = student.get(f"/students/applications/{application.id}").get_data(as_text=True)
    section = html[html.index('<ul class="viewer-list">'):]
    section = section[:section.index("</ul>")]
    assert section.count("<li>") == 1 and section.count("Erin Employer") == 1
    assert ("Erin Employer (" + opportunity.organization.name + ") viewed your application and "
            "record in a CSV export: 7 times, last <time datetime="
            f"\"{last.isoformat(timespec='seconds')}\">") in section
    assert "(application 6, CSV export 1)" in section

    staff = signed_in(app, StaffFactory())
    log = staff.get("/staff/access-log").get_data(as_text=True)
    rows = [row for row in log.split("<tr>") if f"#{application.id}<" in row]
    assert len(rows) == 1 and "7 times" in rows[0] and "application 6, export 1" in rows[0]
    every = staff.get("/staff/access-log?view=entries").get_data(as_text=True)
    assert len([row for row in every.split("<tr>") if f"#{application.id}<" in row]) == 7


def test_the_staff_log_pages_by_person_and_application(posting, login_as, client):
    opportunity, employer, applications = posting
    staff = StaffFactory()
    db.session.add_all([RecordAccess(viewer_id=employer.id, student_id=a.student_id,
                                     application_id=a.id, what="application")
                        for a in applications for _ in range(2)])
    db.session.commit()
    from marketplace.blueprints.applications.services import access_log_page

    first, more = access_log_page(1, per_page=5)
    second, after = access_log_page(2, per_page=5)
    assert more and not after and len(first) == 5 and len(second) == 3
    assert {line.application_id for line in first + second} == {a.id for a in applications}
    assert all(line.times == 2 for line in first + second)
    login_as(staff)
    assert client.get("/staff/access-log?page=2").status_code == 200
