"""The supervisor, who has no account, confirms weekly hours and gives the mid-point and
final evaluations through signed links; the final one completes the placement with the
same evidence as the host's confirmation; reminders go once per due evaluation."""

from __future__ import annotations

from datetime import date, timedelta

import sqlalchemy as sa

from marketplace.blueprints.applications.models import Placement, PlacementStatus
from marketplace.blueprints.outcomes.models import OutcomeEvidence
from marketplace.blueprints.schools import services
from marketplace.blueprints.schools.models import (
    Evaluation,
    EvaluationKind,
    EvaluationReminder,
    WeeklyHours,
)
from marketplace.core.extensions import db
from marketplace.core.models import OutboxMessage
from marketplace.core.reference import NACE_COMPETENCIES
from tests.schools.helpers import hire, sign_in, years_ago
from tests.smtp_server import link_in
from tests.support import csrf_from

RATINGS = {f"rating_{key}": "4" for key in NACE_COMPETENCIES}


def with_supervisor(app, **dates):
    placement, employer, student = hire(years_ago(20), **dates)
    host = sign_in(app, employer)
    page = host.get(f"/employers/placements/{placement.id}/supervisor")
    assert page.status_code == 200
    bad = host.post(f"/employers/placements/{placement.id}/supervisor",
                    data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                          "supervisor_name": "Dana Cruz", "supervisor_email": "not an address"})
    assert bad.status_code == 422 and 'value="Dana Cruz"' in bad.get_data(as_text=True)
    saved = host.post(f"/employers/placements/{placement.id}/supervisor",
                      data={"csrf_token": csrf_from(page.get_data(as_text=True)),
                            "supervisor_name": "Dana Cruz",
                            "supervisor_email": "Dana@Clinic.example"})
    assert saved.status_code == 302
    db.session.expire_all()
    assert placement.supervisor_email == "dana@clinic.example"
    return placement, employer, student


def test_hours_confirmed_then_final_evaluation_completes_with_evidence(
        app, smtp, run_jobs):
    placement, employer, student = with_supervisor(app)
    # The student logs a week: an invalid entry is refused with its reason.
    anon = app.test_client()
    yesterday = date.today() - timedelta(days=1)  # begun in the institution's zone too
    browser = sign_in(app, student)
    page = browser.get(f"/students/placements/{placement.id}").get_data(as_text=True)
    bad = browser.post(f"/students/placements/{placement.id}",
                       data={"csrf_token": csrf_from(page), "week": "next tuesday",
                             "hours": "500"})
    text = bad.get_data(as_text=True)
    assert bad.status_code == 422 and "Enter a date like" in text and "0.5 to 80" in text
    logged = browser.post(f"/students/placements/{placement.id}",
                          data={"csrf_token": csrf_from(page), "week": yesterday.isoformat(),
                                "hours": "12.5", "note": "Front desk"})
    assert logged.status_code == 302
    run_jobs()
    mail = [m for m in smtp.messages if m["To"] == "dana@clinic.example"][-1]
    hours_link = link_in(mail, "/supervise/")
    confirm = anon.get(hours_link)
    html = confirm.get_data(as_text=True)
    assert confirm.status_code == 200 and "12.5" in html and "Front desk" in html
    assert student.email not in html  # only what a supervisor needs
    assert anon.post(hours_link, data={"csrf_token": csrf_from(html)}).status_code == 200
    again = anon.get(hours_link)
    assert again.status_code == 410 and "used already" in again.get_data(as_text=True)
    # The final evaluation link, sent by the host: every competency needed, 1 to 4.
    host = sign_in(app, employer)
    page = host.get(f"/employers/placements/{placement.id}/supervisor").get_data(as_text=True)
    host.post(f"/employers/placements/{placement.id}/evaluation-link/final",
              data={"csrf_token": csrf_from(page)})
    run_jobs()
    mail = [m for m in smtp.messages if m["To"] == "dana@clinic.example"][-1]
    final_link = link_in(mail, "/supervise/")
    form = anon.get(final_link).get_data(as_text=True)
    partial = anon.post(final_link, data={"csrf_token": csrf_from(form), "rating_teamwork": "9",
                                          "comment": "Kept"})
    assert partial.status_code == 422 and "Kept" in partial.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).status is PlacementStatus.ACTIVE
    done = anon.post(final_link, data={"csrf_token": csrf_from(form), **RATINGS,
                                       "comment": "Reliable."})
    assert done.status_code == 200, done.get_data(as_text=True)[:300]
    run_jobs()
    db.session.expire_all()
    finished = db.session.get(Placement, placement.id)
    assert (finished.status, finished.hours, finished.completed_by_id) == (
        PlacementStatus.COMPLETED, 12.5, None)
    assert finished.ratings == {key: 4 for key in NACE_COMPETENCIES}
    kinds = set(db.session.scalars(sa.select(OutcomeEvidence.outcome).where(
        OutcomeEvidence.student_id == student.id)))
    assert {"experiential_learning", "connections"} <= kinds
    assert anon.get(final_link).status_code == 410


def test_final_evaluation_needs_confirmed_hours(app, client):
    placement, _, _ = with_supervisor(app)
    link = f"/supervise/{services.supervisor_token(placement, 'final')}"
    db.session.commit()
    form = client.get(link).get_data(as_text=True)
    response = client.post(link, data={"csrf_token": csrf_from(form), **RATINGS})
    assert response.status_code == 422
    assert "Confirm the student&#39;s weekly hours" in response.get_data(as_text=True) or \
        "Confirm the student's weekly hours" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).status is PlacementStatus.ACTIVE


def test_a_new_supervisor_voids_the_old_links(app, client):
    placement, employer, _ = with_supervisor(app)
    old = f"/supervise/{services.supervisor_token(placement, 'midpoint')}"
    db.session.commit()
    assert client.get(old).status_code == 200
    host = sign_in(app, employer)
    page = host.get(f"/employers/placements/{placement.id}/supervisor").get_data(as_text=True)
    host.post(f"/employers/placements/{placement.id}/supervisor",
              data={"csrf_token": csrf_from(page), "supervisor_name": "Sam Ortiz",
                    "supervisor_email": "sam@clinic.example"})
    assert client.get(old).status_code == 410
    assert client.get("/supervise/not-a-token").status_code == 404


def test_midpoint_evaluation_once_and_placement_stays_active(app, client):
    placement, _, _ = with_supervisor(app)
    link = f"/supervise/{services.supervisor_token(placement, 'midpoint')}"
    db.session.commit()
    form = client.get(link).get_data(as_text=True)
    assert client.post(link, data={"csrf_token": csrf_from(form), **RATINGS}).status_code == 200
    db.session.expire_all()
    assert db.session.get(Placement, placement.id).status is PlacementStatus.ACTIVE
    assert db.session.scalar(sa.select(sa.func.count(Evaluation.id)).where(
        Evaluation.placement_id == placement.id)) == 1


def test_reminders_go_once_per_due_evaluation(app):
    start = date.today() - timedelta(days=40)
    placement, _, _ = with_supervisor(app, start=start, end=date.today() - timedelta(days=1))
    assert services.remind_due_evaluations(date.today()) == 2
    assert services.remind_due_evaluations(date.today()) == 0  # a rerun adds nothing
    db.session.commit()
    reminders = db.session.scalars(sa.select(EvaluationReminder.kind).where(
        EvaluationReminder.placement_id == placement.id)).all()
    assert sorted(reminders) == [EvaluationKind.FINAL, EvaluationKind.MIDPOINT]
    queued = [m.args for m in db.session.scalars(sa.select(OutboxMessage).where(
        OutboxMessage.job == "send_evaluation_request"))]
    assert sorted(queued).count([placement.id, 1]) == 1
    assert sorted(queued).count([placement.id, 2]) == 1
    # Nothing is due before the mid-point.
    later, _, _ = hire(years_ago(20), start=date.today(), end=date.today() + timedelta(days=60))
    later.supervisor_email = "x@clinic.example"
    db.session.commit()
    assert services.remind_due_evaluations(date.today()) == 0


def test_hours_only_by_the_student_on_their_own_active_placement(app):
    placement, employer, student = hire(years_ago(16))  # awaiting consent
    other = hire(years_ago(20))[2]
    assert sign_in(app, other).get(f"/students/placements/{placement.id}").status_code == 404
    browser = sign_in(app, student)
    page = browser.get(f"/students/placements/{placement.id}")
    assert page.status_code == 200 and "consent" in page.get_data(as_text=True)
    assert "Save hours" not in page.get_data(as_text=True)
    assert db.session.scalar(sa.select(sa.func.count(WeeklyHours.id))) == 0
