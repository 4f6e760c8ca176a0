"""Each role's home says what to do next; a student's suggestions carry their reasons."""

from __future__ import annotations

from datetime import timedelta

import pytest

from marketplace.blueprints.accounts.models import (
    AlumniProfile,
    OrganizationStatus,
    UserSession,
)
from marketplace.blueprints.applications.models import (
    Application,
    ApplicationStatus,
    Placement,
    PlacementStatus,
)
from marketplace.blueprints.home import services as homes
from marketplace.blueprints.home.recommendations import recommend
from marketplace.blueprints.home.services import Activity, Stage, stage_of
from marketplace.blueprints.home.services import staff as staff_services
from marketplace.blueprints.mentoring.models import Booking, BookingStatus, MentoringSlot
from marketplace.blueprints.opportunities.models import OpportunityStatus, SavedOpportunity
from marketplace.core.clock import institution_today
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.models import OutboxMessage
from tests.factories import (
    DEFAULT_PASSWORD,
    AlumniFactory,
    EmployerFactory,
    OpportunityFactory,
    OrganizationFactory,
    StaffFactory,
    StudentFactory,
)

HEALTH = "healthcare_human_services"
DIGITAL = "digital_technology"


# -- helpers: rows the services would write ----------------------------------------------


def student_with(clusters=(), major="Biology", **values):
    student = StudentFactory(**values)
    student.student_profile.clusters = list(clusters)
    student.student_profile.major = major
    db.session.flush()
    return student


def apply(student, opportunity, status=ApplicationStatus.SUBMITTED, **values):
    application = Application(opportunity=opportunity, student=student, status=status, **values)
    db.session.add(application)
    db.session.flush()
    return application


def place(application, status=PlacementStatus.ACTIVE, **values):
    placement = Placement(application=application, student_id=application.student_id,
                          opportunity_id=application.opportunity_id, status=status, **values)
    db.session.add(placement)
    db.session.flush()
    return placement


def save(student, opportunity):
    db.session.add(SavedOpportunity(user_id=student.id, opportunity_id=opportunity.id))
    db.session.flush()


def slot_for(alum, hours_from_now: float = 48, capacity: int = 1, **values):
    starts = (utcnow() + timedelta(hours=hours_from_now)).replace(microsecond=0)
    slot = MentoringSlot(alumni_id=alum.id, starts_at=starts,
                         ends_at=starts + timedelta(minutes=30), duration_minutes=30,
                         time_zone=values.pop("time_zone", "America/Chicago"), capacity=capacity,
                         topic=values.pop("topic", "Careers in data"), **values)
    db.session.add(slot)
    db.session.flush()
    return slot


def book(student, slot, status=BookingStatus.BOOKED, **values):
    booking = Booking(slot_id=slot.id, student_id=student.id, starts_at=slot.starts_at,
                      ends_at=slot.ends_at, status=status, **values)
    slot.booked_count += 1 if status is BookingStatus.BOOKED else 0
    db.session.add(booking)
    db.session.flush()
    return booking


def alum_at(employer="Acme", cluster=DIGITAL, name=None):
    alum = AlumniFactory(**({"name": name} if name else {}))
    alum.alumni_profile.employer = employer
    alum.alumni_profile.cluster = cluster
    db.session.flush()
    return alum


def page_of(client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.get_data(as_text=True)


# -- the stage rule -------------------------------------------------------------------------


@pytest.mark.parametrize(("activity", "stage"), [
    (Activity(), Stage.AWARENESS),
    (Activity(saved=True), Stage.EXPLORATION),
    (Activity(applied=True), Stage.EXPLORATION),
    (Activity(mentoring=True), Stage.EXPLORATION),
    (Activity(applied=True, hired=True), Stage.EXPERIENCE),
    (Activity(applied=True, hired=True, completed=True), Stage.PREPARATION),
    (Activity(completed=True), Stage.PREPARATION),
])
def test_the_stage_rule(activity, stage):
    assert stage_of(activity) is stage


def test_a_new_student_is_told_to_choose_clusters(client, login_as):
    login_as(student_with(clusters=[], major=None))
    page = page_of(client, "/students/")
    assert "Where you are: Awareness" in page
    assert 'aria-current="step">Awareness' in page
    assert "Choose the career clusters you care about" in page
    assert "Suggestions come from your career clusters" in page  # nothing to suggest yet


def test_clusters_chosen_the_next_step_is_a_mentor_in_them(client, login_as):
    alum = alum_at(name="Maya Mentor", cluster=HEALTH)
    slot = slot_for(alum, career_cluster=HEALTH, topic="Public health careers")
    login_as(student_with(clusters=[HEALTH]))
    page = page_of(client, "/students/")
    assert "Where you are: Awareness" in page
    assert "Choose the career clusters" not in page
    assert f'href="/mentoring/slots/{slot.id}">Book a conversation with Maya Mentor' in page
    assert "Mentors in your cluster Healthcare &amp; Human Services" in page


def test_saving_moves_to_exploration_and_an_offer_is_the_next_step(client, login_as):
    student = student_with(clusters=[DIGITAL])
    save(student, OpportunityFactory())
    login_as(student)
    assert "Where you are: Exploration" in page_of(client, "/students/")
    offered = apply(student, OpportunityFactory(title="Data Intern"),
                    status=ApplicationStatus.OFFERED)
    page = page_of(client, "/students/")
    assert f'href="/students/applications/{offered.id}">Answer your offer from ' \
           f'{offered.opportunity.organization.name}' in page


def test_an_accepted_offer_is_experience_and_a_completed_placement_preparation(client, login_as):
    student = student_with(clusters=[DIGITAL])
    application = apply(student, OpportunityFactory(), status=ApplicationStatus.HIRED)
    placement = place(application)
    login_as(student)
    page = page_of(client, "/students/")
    assert "Where you are: Experience" in page
    assert f'href="/students/applications/{application.id}">Write what you are learning' in page
    placement.status = PlacementStatus.COMPLETED
    db.session.flush()
    page = page_of(client, "/students/")
    assert "Where you are: Preparation" in page
    assert "See which career outcomes you still need" in page
    assert page.count("(done)") == 3


def test_student_home_lists_open_applications_sessions_and_saved_deadlines(client, login_as):
    student = student_with(clusters=[DIGITAL])
    apply(student, OpportunityFactory(title="Reviewing One"), status=ApplicationStatus.REVIEWING)
    apply(student, OpportunityFactory(title="Submitted One"))
    apply(student, OpportunityFactory(title="Submitted Two"))
    apply(student, OpportunityFactory(title="Declined One"), status=ApplicationStatus.DECLINED)
    alum = alum_at(name="Sol Mentor")
    book(student, slot_for(alum, hours_from_now=30, topic="Getting into data"))
    soon_posting = OpportunityFactory(title="Closing Soon",
                                      application_deadline=institution_today() + timedelta(days=3))
    save(student, soon_posting)
    save(student, OpportunityFactory(title="Gone By", status=OpportunityStatus.EXPIRED,
                                     application_deadline=institution_today() - timedelta(days=1)))
    login_as(student)
    page = page_of(client, "/students/")
    reviewing, submitted = page.index(">Reviewing <"), page.index(">Submitted <")
    assert reviewing < submitted
    assert '<span class="badge">2</span>' in page[submitted:]  # two submitted
    assert "Submitted Two" in page and "Declined One" not in page
    assert "Getting into data</a> with Sol Mentor" in page
    assert "Times in New York time." in page
    assert "Closing Soon</a>: apply by" in page and "in 3 days" in page
    assert "Gone By" not in page


# -- recommendations ------------------------------------------------------------------------


def test_postings_are_suggested_by_cluster_major_and_skills_with_their_reasons():
    student = student_with(clusters=[HEALTH], major="Biology")
    chosen = OpportunityFactory(career_cluster=DIGITAL, skills=["Python", "SQL"])
    save(student, chosen)
    cluster = OpportunityFactory(title="Clinic Intern", career_cluster=HEALTH)
    major = OpportunityFactory(title="Field Biology Assistant", career_cluster="agriculture")
    skills = OpportunityFactory(title="Data Helper", career_cluster="education",
                                skills=["python"])
    OpportunityFactory(title="Unrelated", career_cluster="construction")
    OpportunityFactory(title="Hidden", career_cluster=HEALTH,
                       status=OpportunityStatus.PENDING_REVIEW)
    OpportunityFactory(title="Unverified", career_cluster=HEALTH,
                       organization=OrganizationFactory(status=OrganizationStatus.PENDING))
    OpportunityFactory(title="Past deadline", career_cluster=HEALTH,
                       application_deadline=institution_today() - timedelta(days=2))
    applied = OpportunityFactory(title="Applied already", career_cluster=HEALTH)
    apply(student, applied)

    picks = {pick.opportunity.title: pick.reasons for pick in recommend(student).postings}
    assert picks == {
        "Clinic Intern": ["Matches your cluster Healthcare & Human Services"],
        "Field Biology Assistant": ["Mentions your major, Biology"],
        "Data Helper": ["Asks for python, like postings you chose"],
    }
    order = [pick.opportunity.id for pick in recommend(student).postings]
    assert order == [cluster.id, major.id, skills.id]  # cluster, then major, then skills


def test_a_major_inside_another_word_is_no_reason():
    student = student_with(clusters=[], major="Art")
    OpportunityFactory(title="Start-up helper", career_cluster="construction")
    art = OpportunityFactory(title="Art studio assistant", career_cluster="construction")
    assert [pick.opportunity.id for pick in recommend(student).postings] == [art.id]


def test_mentors_are_suggested_once_each_with_their_reason():
    student = student_with(clusters=[HEALTH], major="Biology")
    apply(student, OpportunityFactory(organization=OrganizationFactory(name="Mercy Health")))
    by_cluster = alum_at(name="Cluster Alum", cluster=HEALTH, employer="Elsewhere")
    slot_for(by_cluster, hours_from_now=72)
    slot_for(by_cluster, hours_from_now=96)  # a second slot: still one suggestion
    by_employer = alum_at(name="Employer Alum", cluster="construction", employer="mercy health")
    slot_for(by_employer)
    by_topic = alum_at(name="Topic Alum", cluster="construction", employer="Nowhere")
    slot_for(by_topic, topic="From biology to lab work")
    full = alum_at(name="Full Alum", cluster=HEALTH)
    book(StudentFactory(), slot_for(full))
    slot_for(alum_at(name="Past Alum", cluster=HEALTH), hours_from_now=-2)
    slot_for(alum_at(name="Other Alum", cluster="construction", employer="Nowhere"))

    picks = {pick.alum.name: pick.reasons for pick in recommend(student).mentors}
    assert picks == {
        "Cluster Alum": ["Mentors in your cluster Healthcare & Human Services"],
        "Employer Alum": ["Works at Mercy Health, where you applied"],
        "Topic Alum": ["Talks about your major, Biology"],
    }


def test_no_profile_signal_no_suggestion():
    student = student_with(clusters=[], major=None)
    OpportunityFactory()
    slot_for(alum_at())
    assert recommend(student).postings == [] and recommend(student).mentors == []


def test_the_api_returns_the_same_suggestions_with_reasons(api_client):
    student = student_with(clusters=[HEALTH])
    posting = OpportunityFactory(title="Clinic Intern", career_cluster=HEALTH)
    alum = alum_at(name="Maya Mentor", cluster=HEALTH)
    slot = slot_for(alum)
    db.session.commit()
    response = api_client(student).get("/api/v1/me/recommendations")
    assert response.status_code == 200
    body = response.get_json()
    assert [(item["id"], item["reason"], item["url"]) for item in body["opportunities"]] == [
        (posting.id, "Matches your cluster Healthcare & Human Services",
         f"/opportunities/{posting.id}")]
    [mentor] = body["mentors"]
    assert mentor["id"] == alum.id and mentor["next_slot"]["id"] == slot.id
    assert mentor["reason"] == "Mentors in your cluster Healthcare & Human Services"
    assert mentor["next_slot"]["url"] == f"/mentoring/slots/{slot.id}"


@pytest.mark.parametrize("factory", [EmployerFactory, AlumniFactory, StaffFactory])
def test_the_api_is_for_students_only(api_client, client, factory):
    response = api_client(factory()).get("/api/v1/me/recommendations")
    assert response.status_code == 403
    assert client.get("/api/v1/me/recommendations").status_code == 401


def test_the_api_operation_documents_who_may_call_it(client):
    operation = client.get("/api/v1/openapi.json").get_json()["paths"][
        "/me/recommendations"]["get"]
    assert set(operation["responses"]) >= {"200", "401", "403"}
    assert "other roles get 403" in operation["description"]


# -- employers ------------------------------------------------------------------------------


def test_employer_home_shows_applicants_by_stage_new_since_the_last_visit(client, login_as):
    employer = EmployerFactory()
    organization = employer.organization
    busy = OpportunityFactory(title="Busy Posting", organization=organization)
    quiet = OpportunityFactory(title="Quiet Posting", organization=organization)
    OpportunityFactory(title="Someone Else's", organization=OrganizationFactory())
    OpportunityFactory(title="Draft One", organization=organization,
                       status=OpportunityStatus.DRAFT)
    long_ago = utcnow() - timedelta(days=10)
    last_visit = utcnow() - timedelta(days=2)
    # An earlier sign-in, last seen two days ago.
    db.session.add(UserSession(user_id=employer.id, key_hash="0" * 64,
                               created_at=long_ago, last_seen_at=last_visit))
    apply(StudentFactory(), quiet, created_at=long_ago)
    apply(StudentFactory(), busy, created_at=long_ago, status=ApplicationStatus.INTERVIEWING)
    apply(StudentFactory(), busy, created_at=long_ago, status=ApplicationStatus.DECLINED)
    apply(StudentFactory(), busy)
    apply(StudentFactory(), busy)
    db.session.commit()
    login_as(employer)
    page = page_of(client, "/employers/")
    assert page.index("Busy Posting") < page.index("Quiet Posting")  # new ones first
    busy_part = page[page.index("Busy Posting"):page.index("Quiet Posting")]
    assert '<span class="badge badge--ok">2 new</span>' in busy_part
    assert '<span class="pipeline__count">2</span> Submitted' in busy_part
    assert '<span class="pipeline__count">1</span> Interviewing' in busy_part
    assert "3 applicants" in busy_part  # the declined one is counted, not as new
    quiet_part = page[page.index("Quiet Posting"):]
    assert " new</span>" not in quiet_part.split("</li>")[0]
    assert "“New” means since your last visit" in page
    assert "Someone Else" not in page
    assert "Not live yet:\n      1 draft" in page


def test_employer_home_shows_postings_closing_and_placements_to_confirm(client, login_as):
    employer = EmployerFactory()
    closing = OpportunityFactory(title="Closing Posting", organization=employer.organization,
                                 application_deadline=institution_today() + timedelta(days=2))
    OpportunityFactory(title="Later Posting", organization=employer.organization,
                       application_deadline=institution_today() + timedelta(days=40))
    student = StudentFactory(name="Pat Placed")
    application = apply(student, closing, status=ApplicationStatus.HIRED)
    place(application, end_date=institution_today() - timedelta(days=1))
    other = apply(StudentFactory(name="Done Already"), closing, status=ApplicationStatus.HIRED)
    place(other, status=PlacementStatus.COMPLETED)
    login_as(employer)
    page = page_of(client, "/employers/")
    closing_part = page[page.index("Closing within a week"):page.index("Placements to confirm")]
    assert "Closing Posting</a>: applications close in 2 days" in closing_part
    assert "Later Posting" not in closing_part
    placements = page[page.index("Placements to confirm"):]
    assert f'href="/employers/applications/{application.id}">Pat Placed</a>' in placements
    assert "ended" in placements and "Done Already" not in placements


def test_previous_visit_is_the_latest_other_sign_in():
    employer = EmployerFactory()
    now = utcnow()
    older = UserSession(user_id=employer.id, key_hash="1" * 64, created_at=now - timedelta(days=9),
                        last_seen_at=now - timedelta(days=3))
    phone = UserSession(user_id=employer.id, key_hash="2" * 64, created_at=now - timedelta(days=5),
                        last_seen_at=now - timedelta(hours=5))
    current = UserSession(user_id=employer.id, key_hash="3" * 64, created_at=now, last_seen_at=now)
    db.session.add_all([older, phone, current])
    db.session.flush()
    assert homes.previous_visit(employer, current.id) == phone.last_seen_at
    assert homes.previous_visit(EmployerFactory(), None) is None


# -- alumni ---------------------------------------------------------------------------------


def test_alum_home_shows_sessions_to_confirm_the_weekly_cap_and_the_city(client, login_as):
    alum = alum_at(name="Ana Alum")
    alum.alumni_profile.time_zone = "America/New_York"
    student = StudentFactory(name="Sam Student")
    upcoming = book(student, slot_for(alum, hours_from_now=50, topic="Data careers",
                                      weekly_cap=3), agenda="First job questions")
    held = book(StudentFactory(name="Past Student"), slot_for(alum, hours_from_now=-3,
                                                            topic="Old talk"))
    book(StudentFactory(name="Cancelled Student"), slot_for(alum, hours_from_now=-30),
         status=BookingStatus.CANCELLED)
    slot_for(AlumniFactory(), hours_from_now=5)  # someone else's
    login_as(alum)
    page = page_of(client, "/alumni/")
    assert "<dt>Time zone</dt><dd>New York</dd>" in page
    assert "America/New_York" not in page and "America/New York" not in page
    assert "Times are in New York time." in page
    confirm = page[page.index("Did these sessions happen?"):page.index("Upcoming sessions")]
    assert "Past Student" in confirm and "Cancelled Student" not in confirm
    assert f'action="/mentoring/bookings/{held.id}/complete"' in confirm
    assert f'action="/mentoring/bookings/{held.id}/no-show"' in confirm
    assert "Sam Student · Data careers" in page and "Agenda: First job questions" in page
    assert f'href="/mentoring/slots/{upcoming.slot_id}"' in page
    assert "of 3</strong> sessions booked this week" in page


def test_alum_without_a_cap_or_bookings_is_told_how(client, login_as):
    alum = AlumniFactory()
    slot_for(alum)
    login_as(alum)
    page = page_of(client, "/alumni/")
    assert "No student has booked a session yet. You have 1 open slot." in page
    assert "You have no weekly limit" in page
    assert "Did these sessions happen?" not in page
    assert "Chicago" in page


# -- staff ----------------------------------------------------------------------------------


def test_staff_home_shows_queues_with_their_oldest_wait(client, login_as, monkeypatch):
    now = utcnow()
    OpportunityFactory(status=OpportunityStatus.PENDING_REVIEW,
                       submitted_at=now - timedelta(days=3, hours=2))
    OpportunityFactory(status=OpportunityStatus.PENDING_REVIEW,
                       submitted_at=now - timedelta(hours=5))
    OrganizationFactory(status=OrganizationStatus.PENDING, created_at=now - timedelta(hours=7))
    monkeypatch.setattr(staff_services, "redis_connection", lambda: None)
    # Past its three retries: failed. One attempt in: still retrying.
    db.session.add(OutboxMessage(job="send_notification_email", args=[1], attempts=4,
                                 last_error="boom", last_attempt_at=now))
    db.session.add(OutboxMessage(job="send_notification_email", args=[2], attempts=1,
                                 last_error="retrying", last_attempt_at=now))
    db.session.flush()
    login_as(StaffFactory())
    page = page_of(client, "/staff/")
    postings = page[page.index("postings waiting for review") - 120:]
    assert '<span class="stat__value">2</span>' in postings[:200]
    assert "oldest waiting 3 days" in postings[:400]
    assert "oldest waiting 7 hours" in page
    failed = page[page.index("failed background tasks") - 120:page.index("failed background tasks")]
    assert '<span class="stat__value">1</span>' in failed


def test_staff_home_counts_this_month(client, login_as):
    before = homes.staff_home().month
    start = homes.month_start()
    application = apply(StudentFactory(), OpportunityFactory())
    place(application)
    old = apply(StudentFactory(), OpportunityFactory())
    old.created_at = start - timedelta(days=1)  # last month: not counted
    held = book(StudentFactory(), slot_for(AlumniFactory(), hours_from_now=-1),
                status=BookingStatus.COMPLETED)
    held.starts_at = start + timedelta(seconds=1)
    book(StudentFactory(), slot_for(AlumniFactory(), hours_from_now=-2),
         status=BookingStatus.NO_SHOW)
    db.session.flush()
    month = homes.staff_home().month
    assert {key: month[key] - before[key] for key in month} == {
        "applications": 1, "placements": 1, "sessions": 1, "students": 4}
    login_as(StaffFactory())
    page = page_of(client, "/staff/")
    assert f'{month["applications"]}</span> <span class="stat__label">applications' in page


# -- cost -----------------------------------------------------------------------------------


def fill(student, employer, alum, size: int) -> None:
    """``size`` of everything each home lists, for the four people."""
    for n in range(size):
        posting = OpportunityFactory(organization=employer.organization, career_cluster=HEALTH,
                                     skills=["Python"], title=f"Posting {n}")
        other = OpportunityFactory(career_cluster=HEALTH, skills=["Python"])
        save(student, other)
        apply(student, posting, status=ApplicationStatus.REVIEWING)
        hired = apply(StudentFactory(), posting, status=ApplicationStatus.HIRED)
        place(hired)
        mentor = alum_at(cluster=HEALTH)
        slot_for(mentor, hours_from_now=24 + n)
        book(student, slot_for(alum, hours_from_now=100 + n, capacity=2))
        book(StudentFactory(), slot_for(alum, hours_from_now=-(n + 2)))
        OpportunityFactory(status=OpportunityStatus.PENDING_REVIEW, submitted_at=utcnow())
    db.session.commit()


@pytest.mark.parametrize("role", ["student", "employer", "alum", "staff"])
def test_each_home_costs_the_same_queries_whatever_the_data(app, count_queries, role):
    counts = []
    for size in (1, 8):
        student = student_with(clusters=[HEALTH])
        employer = EmployerFactory()
        alum = alum_at()
        fill(student, employer, alum, size)
        person = {"student": student, "employer": employer, "alum": alum,
                  "staff": StaffFactory()}[role]
        client = app.test_client()
        assert client.submit("/auth/login", {"email": person.email,
                                             "password": DEFAULT_PASSWORD}).status_code == 302
        client.get("/notifications/")  # the first page after logging in does extra work
        with count_queries() as counter:
            response = client.get({"student": "/students/", "employer": "/employers/",
                                   "alum": "/alumni/", "staff": "/staff/"}[role])
        assert response.status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts
    assert counts[1] <= 20, counts


def test_recommendations_cost_a_fixed_number_of_queries(api_client, count_queries):
    student = student_with(clusters=[HEALTH])
    for n in range(10):
        OpportunityFactory(career_cluster=HEALTH)
        slot_for(alum_at(cluster=HEALTH), hours_from_now=24 + n)
    db.session.commit()
    client = api_client(student)
    client.get("/api/v1/me")
    with count_queries() as counter:
        body = client.get("/api/v1/me/recommendations").get_json()
    assert len(body["opportunities"]) == 5 and len(body["mentors"]) == 3
    # Token and user, the profile and its clusters, interests, postings, slots.
    assert counter.count <= 9, counter.statements


def test_alumni_profile_without_employer_is_fine(client, login_as):
    alum = AlumniFactory()
    alum.alumni_profile = AlumniProfile(time_zone="Europe/Berlin")
    db.session.flush()
    login_as(alum)
    page = page_of(client, "/alumni/")
    assert "<dd>Berlin</dd>" in page


def test_no_other_students_data_leaks_into_a_home(client, login_as):
    me = student_with(clusters=[DIGITAL])
    someone = StudentFactory()
    apply(someone, OpportunityFactory(title="Their Application"))
    save(someone, OpportunityFactory(title="Their Saved", career_cluster="construction",
                                     application_deadline=institution_today() + timedelta(days=1)))
    login_as(me)
    page = page_of(client, "/students/")
    assert "Their Application" not in page.split("Your open applications")[1]
    assert "Their Saved" not in page


def test_stage_query_is_one_statement(count_queries):
    student = StudentFactory()
    with count_queries() as counter:
        homes.activity_of(student.id)
    assert counter.count == 1


@pytest.mark.parametrize(("age", "words"), [
    (timedelta(seconds=20), "1 minute"), (timedelta(minutes=59), "59 minutes"),
    (timedelta(hours=1), "1 hour"), (timedelta(hours=23, minutes=59), "23 hours"),
    (timedelta(days=1, hours=5), "1 day"), (timedelta(days=3, hours=2), "3 days")])
def test_waits_in_words(age, words):
    now = utcnow()
    assert homes.waited(now - age, now) == words


def test_suggested_postings_are_kept_until_the_catalog_or_the_interests_change(
        client, login_as, count_queries):
    student = student_with(clusters=[HEALTH])
    clinic = OpportunityFactory(title="Clinic Intern", career_cluster=HEALTH)
    db.session.commit()
    login_as(student)
    client.get("/notifications/")
    with count_queries() as asked:
        assert "Clinic Intern" in suggestions(client.get("/students/").text)
    with count_queries() as kept:
        assert "Clinic Intern" in suggestions(client.get("/students/").text)
    # Kept: the query scoring the newest postings is the one not run again.
    assert kept.count == asked.count - 1, (asked.statements, kept.statements)
    assert set(kept.statements) < set(asked.statements)
    clinic.title = "Ward Assistant"  # any change to a posting retires what was kept
    db.session.commit()
    assert "Ward Assistant" in suggestions(client.get("/students/").text)
    # Saving it is a new interest: it leaves the suggestions at once.
    db.session.add(SavedOpportunity(user_id=student.id, opportunity_id=clinic.id))
    db.session.commit()
    assert "Ward Assistant" not in suggestions(client.get("/students/").text)


def suggestions(page: str) -> str:
    """The suggested postings' part of a student's home."""
    start = page.find('<ul class="results">')
    return page[start:page.find("</ul>", start)] if start >= 0 else ""


def test_the_kept_suggestions_know_every_save_not_only_the_latest_few():
    from marketplace.blueprints.home.recommendations import INTEREST_WINDOW, interests_of

    student = student_with(clusters=[HEALTH])
    postings = [OpportunityFactory(career_cluster=HEALTH) for _ in range(INTEREST_WINDOW + 3)]
    db.session.flush()
    for posting in postings:
        db.session.add(SavedOpportunity(user_id=student.id, opportunity_id=posting.id))
    db.session.flush()
    before = interests_of(student)
    oldest = db.session.get(SavedOpportunity, (student.id, postings[0].id))
    db.session.delete(oldest)
    db.session.flush()
    after = interests_of(student)
    # Only the latest few are read for their skills; the set left out is counted whole.
    assert len(before.touched) == INTEREST_WINDOW
    assert before.seen == (INTEREST_WINDOW + 3, sum(p.id for p in postings))
    assert after.seen != before.seen
