"""Outreach campaigns: the segment, a stored holdout never written to, the 7-day limit,
one-click unsubscribing, and each arm's numbers on a known cohort."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
import sqlalchemy as sa

from marketplace.blueprints.accounts.models import StudentProfile
from marketplace.blueprints.notifications.models import Notification
from marketplace.blueprints.outcomes.campaigns import services
from marketplace.blueprints.outcomes.campaigns.models import (
    Arm,
    Campaign,
    CampaignContact,
    CampaignMember,
    CampaignOptOut,
    NextStep,
)
from marketplace.blueprints.outcomes.models import SourceKind
from marketplace.blueprints.outcomes.services import record_evidence
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from tests.factories import DEFAULT_PASSWORD, StaffFactory, StudentFactory
from tests.support import ON_SERVICES, at_once, in_transaction


def student(year=2027, first_gen=None, major="Biology"):
    user = StudentFactory(student_profile=StudentProfile(
        graduation_year=year, major=major, first_generation=first_gen))
    db.session.flush()
    return user


def messaged(campaign_subject: str) -> set[int]:
    return set(db.session.scalars(sa.select(Notification.user_id).where(
        Notification.kind == "campaign", Notification.title == campaign_subject)))


def arms(campaign: Campaign) -> dict[Arm, set[int]]:
    found: dict[Arm, set[int]] = {}
    for member in db.session.scalars(sa.select(CampaignMember).where(
            CampaignMember.campaign_id == campaign.id)):
        found.setdefault(member.arm, set()).add(member.student_id)
    return found


def send(segment, subject, by, holdout=10, rng=None, **kwargs):
    campaign = services.create_campaign(segment, subject, "Book a resume review this week.",
                                        NextStep.DOCUMENT_REVIEW, by, holdout, rng=rng, **kwargs)
    db.session.commit()
    return campaign


def test_the_segment_is_the_class_missing_the_outcome_and_the_holdout_gets_nothing(
        run_jobs, smtp):
    staff = StaffFactory()
    members = [student(first_gen=n % 2 == 0) for n in range(40)]
    done = [student() for _ in range(3)]
    for user in done:
        record_evidence(user.id, "articulation", SourceKind.STAFF, user.id)
    other_class = student(year=2028)
    db.session.commit()
    segment = services.Segment(2027, "articulation")
    assert services.preview(segment) == {"segment_size": 40, "holdout": 4, "reachable": 36,
                                         "blocked": 0}
    first_gen = services.Segment(2027, "articulation", "first_generation", "yes")
    assert services.preview(first_gen)["segment_size"] == 20
    campaign = send(segment, "Your resume, reviewed", staff)
    run_jobs()
    db.session.refresh(campaign)
    split = arms(campaign)
    assert len(split[Arm.HOLDOUT]) == 4 and len(split[Arm.CONTACTED]) == 36
    assert split[Arm.HOLDOUT] | split[Arm.CONTACTED] == {user.id for user in members}
    # Written to: the contacted arm, all of it; never the holdout, those who have the
    # outcome, or another class.
    assert messaged("Your resume, reviewed") == split[Arm.CONTACTED]
    assert campaign.sent == 36 and campaign.status.value == "sent"
    assert other_class.id not in split[Arm.CONTACTED] | split[Arm.HOLDOUT]
    # By e-mail too, each with a one-click unsubscribe link; transactional mail has none.
    mails = [m for m in smtp.messages if m["Subject"] == "Your resume, reviewed"]
    assert len(mails) == 36
    assert mails[0]["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    header = str(mails[0]["List-Unsubscribe"]).strip()
    assert header.startswith("<http://127.0.0.1/campaigns/unsubscribe/") and header.endswith(">")
    assert "/campaigns/unsubscribe/" in mails[0].get_body(("plain",)).get_content()
    assert all("List-Unsubscribe" not in m for m in smtp.messages
               if m["Subject"] != "Your resume, reviewed")


def test_the_holdout_share_is_drawn_at_random_and_stored():
    staff = StaffFactory()
    for _ in range(30):
        student()
    db.session.commit()
    segment = services.Segment(2027, "job_search")
    one = send(segment, "One", staff, holdout=20, rng=random.Random(1))
    two = send(segment, "Two", staff, holdout=20, rng=random.Random(2))
    assert one.holdout_size == two.holdout_size == 6
    # Two draws, two different sets (the chance of the same six is 1 in 593,775).
    assert arms(one)[Arm.HOLDOUT] != arms(two)[Arm.HOLDOUT]


def test_nobody_gets_a_second_campaign_message_within_seven_days(run_jobs):
    staff = StaffFactory()
    for _ in range(10):
        student()
    db.session.commit()
    first = send(services.Segment(2027, "connections"), "First", staff, holdout=0)
    run_jobs()
    second = send(services.Segment(2027, "job_search"), "Second", staff, holdout=0)
    run_jobs()
    db.session.refresh(first)
    db.session.refresh(second)
    assert first.sent == 10
    assert second.sent == 0 and second.skipped_recent == 10
    assert messaged("Second") == set()
    page_preview = services.preview(services.Segment(2027, "job_search"), 0)
    assert page_preview["blocked"] == 10 and page_preview["reachable"] == 0
    # Eight days later they may be written to again.
    db.session.execute(sa.update(CampaignContact).values(
        last_sent_at=utcnow() - timedelta(days=8)))
    db.session.commit()
    third = send(services.Segment(2027, "job_search"), "Third", staff, holdout=0)
    run_jobs()
    db.session.refresh(third)
    assert third.sent == 10 and third.skipped_recent == 0


def test_one_click_unsubscribe_stops_campaigns_only(app, client, login_as, run_jobs):
    staff = StaffFactory()
    ana, bo = student(), student()
    db.session.commit()
    with app.test_request_context():
        token = services.unsubscribe_token(ana.id)
    page = client.get(f"/campaigns/unsubscribe/{token}")
    assert page.status_code == 200 and "Unsubscribe from campaign messages" in page.text
    # What a mail program sends (RFC 8058): no cookie, no CSRF token.
    response = client.post(f"/campaigns/unsubscribe/{token}",
                           data={"List-Unsubscribe": "One-Click"})
    assert response.status_code == 200 and "no more campaign messages" in response.text
    assert client.post(f"/campaigns/unsubscribe/{token}").status_code == 200  # again: same
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CampaignOptOut)) == 1
    assert client.get("/campaigns/unsubscribe/forged-token").status_code == 404
    campaign = send(services.Segment(2027, "career_design"), "Plans", staff, holdout=0)
    run_jobs()
    db.session.refresh(campaign)
    assert messaged("Plans") == {bo.id}
    assert campaign.skipped_unsubscribed == 1 and arms(campaign)[Arm.SKIPPED_UNSUBSCRIBED] \
        == {ana.id}
    # The link only unsubscribes (it may have been forwarded): subscribing again takes
    # the person, signed in, on the same page.
    refused = client.post(f"/campaigns/unsubscribe/{token}", data={"action": "resubscribe"})
    assert refused.status_code == 403
    assert db.session.get(CampaignOptOut, ana.id) is not None
    someone = app.test_client()
    someone.submit("/auth/login", {"email": bo.email, "password": DEFAULT_PASSWORD})
    assert someone.post(f"/campaigns/unsubscribe/{token}",
                        data={"action": "resubscribe"}).status_code == 403
    login_as(ana)
    page = client.get(f"/campaigns/unsubscribe/{token}").text
    assert "Get campaign messages again" in page
    again = client.post(f"/campaigns/unsubscribe/{token}", data={"action": "resubscribe"})
    assert again.status_code == 200 and "campaign messages again" in again.text
    assert db.session.get(CampaignOptOut, ana.id) is None


def test_each_arms_numbers_on_a_known_cohort():
    staff = StaffFactory()
    students = [student() for _ in range(20)]
    db.session.commit()
    campaign = send(services.Segment(2027, "experiential_learning"), "Known", staff,
                    holdout=50, rng=random.Random(7))
    split = arms(campaign)
    contacted, held = sorted(split[Arm.CONTACTED]), sorted(split[Arm.HOLDOUT])
    assert len(contacted) == len(held) == 10
    start = utcnow() - timedelta(days=120)
    campaign.created_at = start
    db.session.execute(sa.update(CampaignMember).where(
        CampaignMember.arm == Arm.CONTACTED).values(sent_at=start))
    for student_id, day in ([(s, 10) for s in contacted[:6]] + [(s, 45) for s in contacted[6:8]]
                            + [(held[0], 20), (held[1], 100)]):
        record_evidence(student_id, "experiential_learning", SourceKind.STAFF, student_id,
                        occurred_at=start + timedelta(days=day))
    # Before the campaign does not count as gained.
    record_evidence(held[2], "experiential_learning", SourceKind.STAFF, held[2],
                    occurred_at=start - timedelta(days=3))
    db.session.commit()
    result = services.results(campaign)
    assert (result.contacted, result.holdout) == (10, 10)
    assert [(w.days, w.contacted.gained, w.holdout.gained) for w in result.windows] == [
        (30, 6, 1), (60, 8, 1), (90, 8, 1)]
    thirty = result.windows[0]
    assert not thirty.contacted.open
    assert thirty.difference == 50.0
    # Wilson's 95 % interval of 6 in 10 is 31.3 % to 83.2 %; of 1 in 10, 1.8 % to 40.4 %.
    assert (round(thirty.contacted.low, 3), round(thirty.contacted.high, 3)) == (0.313, 0.832)
    assert (round(thirty.holdout.low, 3), round(thirty.holdout.high, 3)) == (0.018, 0.404)
    # Newcombe's interval of the difference: above zero, so the message did something.
    assert 0 < thirty.difference_low < 50 < thirty.difference_high < 100
    assert students  # the cohort above


def test_staff_preview_send_and_read_a_campaign_in_the_browser_forms(client, login_as,
                                                                   run_jobs):
    login_as(StaffFactory())
    for _ in range(12):
        student(major="Nursing")
    db.session.commit()
    page = client.get("/staff/outcomes/campaigns/new")
    assert page.status_code == 200
    fields = {"graduation_year": "2027", "missing_outcome": "articulation", "group": "",
              "major": "nursing", "subject": "Resume reviews this week",
              "message": "Drop your resume in the review queue.",
              "next_step": "document_review", "holdout": "25"}
    preview = client.submit("/staff/outcomes/campaigns/new", {**fields, "action": "preview"})
    assert preview.status_code == 200
    assert "<strong>12</strong> students in this segment: 3 held out" in preview.text
    # What was typed survives an error.
    bad = client.submit("/staff/outcomes/campaigns/new",
                        {**fields, "holdout": "80", "action": "send"})
    assert bad.status_code == 422 and "Between 0 and 50." in bad.text
    assert "Drop your resume in the review queue." in bad.text
    sent = client.submit("/staff/outcomes/campaigns/new", {**fields, "action": "send"},
                         follow_redirects=True)
    assert sent.status_code == 200 and "Sending to 9 students; 3 are held out." in sent.text
    run_jobs()
    campaign = db.session.scalar(sa.select(Campaign))
    page = client.get(f"/staff/outcomes/campaigns/{campaign.id}")
    assert "9 sent in the app and by e-mail" in page.text and "Did it work?" in page.text
    assert "Resume reviews this week" in client.get("/staff/outcomes/campaigns").text


def test_the_campaign_api(api_client, run_jobs):
    staff = api_client(StaffFactory())
    for n in range(8):
        student(first_gen=n < 4)
    db.session.commit()
    response = staff.post("/api/v1/campaigns", json={
        "graduation_year": 2027, "missing_outcome": "connections",
        "group": "first_generation=yes", "message": "Meet a mentor.\nIt takes 30 minutes.",
        "holdout": 25, "next_step": "mentor"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert (body["segment_size"], body["holdout"], body["subject"]) == (4, 1, "Meet a mentor.")
    run_jobs()
    again = staff.get(f"/api/v1/campaigns/{body['id']}").get_json()
    assert again["sent"] == 3 and again["status"] == "sent"
    assert again["arms"]["contacted"] == {"n": 3, "gained_30": 0, "gained_60": 0,
                                          "gained_90": 0}
    assert again["arms"]["holdout"]["n"] == 1
    refused = staff.post("/api/v1/campaigns", json={"graduation_year": 2027,
                                                   "missing_outcome": "luck", "message": "x"})
    assert refused.status_code == 422 and "missing_outcome" in refused.get_json()["error"][
        "fields"]
    too_big = staff.post("/api/v1/campaigns", json={
        "graduation_year": 2027, "missing_outcome": "connections", "message": "x",
        "next_step": "posting", "posting_id": 1099511627776})
    assert too_big.status_code == 422 and "posting_id" in too_big.get_json()["error"]["fields"]
    empty = staff.post("/api/v1/campaigns", json={"graduation_year": 2031,
                                                 "missing_outcome": "connections",
                                                 "message": "Hello"})
    assert empty.status_code == 422
    assert api_client(StudentFactory()).get(f"/api/v1/campaigns/{body['id']}").status_code \
        == 403
    assert staff.get("/api/v1/campaigns/999999").status_code == 404


@pytest.mark.no_db
@pytest.mark.skipif(not ON_SERVICES, reason="needs PostgreSQL (make test-services)")
def test_two_campaigns_sending_at_once_write_to_each_student_once():
    from tests.support import migrated_app

    app = migrated_app("campaign_race")
    with app.app_context():
        staff = StaffFactory()
        for _ in range(30):
            student()
        db.session.commit()
        ids = []
        for subject in ("Left", "Right"):
            campaign = services.create_campaign(
                services.Segment(2027, "connections"), subject, "Hello", NextStep.OUTCOMES,
                staff, 0)
            ids.append(campaign.id)
        # Not sent by the outbox here: the two senders below race each other instead.
        db.session.commit()
    outcomes = at_once(*[lambda campaign_id=campaign_id: in_transaction(
        app, lambda: services.send_batch(campaign_id)) for campaign_id in ids])
    assert outcomes == ["ok", "ok"]
    with app.app_context():
        left, right = (db.session.get(Campaign, campaign_id) for campaign_id in ids)
        assert left.sent + right.sent == 30
        assert left.skipped_recent + right.skipped_recent == 30
        per_student = db.session.execute(
            sa.select(Notification.user_id, sa.func.count()).where(
                Notification.kind == "campaign").group_by(Notification.user_id)).all()
        assert len(per_student) == 30 and {count for _, count in per_student} == {1}
        db.engine.dispose()


def test_the_dashboard_leads_to_a_campaign_for_the_students_missing_an_outcome(client,
                                                                               login_as):
    login_as(StaffFactory())
    student(year=2027)
    student(year=2026)
    db.session.commit()
    page = client.get("/staff/outcomes?graduation_year=2027").text
    link = "/staff/outcomes/campaigns/new?graduation_year=2027&amp;outcome=articulation"
    assert link in page
    form = client.get(link.replace("&amp;", "&")).text
    assert '<option selected value="2027">' in form or 'value="2027" selected' in form
    assert ('<option selected value="articulation">' in form
            or 'value="articulation" selected' in form)
