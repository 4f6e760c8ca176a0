"""The change feed (PostgreSQL): a worker keeps who is signed in, their saved postings and
pages of results until the database announces a change, and never past one.

Changes are made the way another worker would make them: on a connection of their own,
committed. This process's own commits count at once; another's once the notification
arrives (``heard``)."""

from __future__ import annotations

import importlib.util
import time
import uuid
from collections.abc import Callable

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.blueprints.accounts.models import User, UserSession
from marketplace.blueprints.notifications.models import Notification
from marketplace.blueprints.opportunities.models import Opportunity
from marketplace.blueprints.outcomes.models import OutcomeEvidence
from marketplace.core import changes
from marketplace.core.changes import ChangeFeed, user_topic
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from tests.factories import (
    DEFAULT_PASSWORD,
    AlumniFactory,
    OpportunityFactory,
    StudentFactory,
)
from tests.support import ON_SERVICES, ROOT, Client, migrated_app

pytestmark = pytest.mark.no_db
postgresql = pytest.mark.skipif(not ON_SERVICES, reason="needs PostgreSQL (make test-services)")
UNREAD = '>1<span class="visually-hidden"> unread'
SAVED_BADGE = 'badge--ok">Saved<'


def heard(condition: Callable[[], bool], seconds: float = 5.0) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return condition()


@pytest.fixture(scope="module")
def feed_app():
    app = migrated_app("change_feed", CHANGE_FEED=True)
    app.config["WTF_CSRF_ENABLED"] = False
    yield app
    app.extensions["change_feed"].close()
    with app.app_context():
        db.engine.dispose()


@pytest.fixture(scope="module")
def elsewhere(feed_app):
    """Another worker's connection: its commits reach this process only as notifications."""
    engine = sa.create_engine(feed_app.config["SQLALCHEMY_DATABASE_URI"])
    yield engine
    engine.dispose()


@pytest.fixture
def feed(feed_app) -> ChangeFeed:
    feed = feed_app.extensions["change_feed"]
    with feed_app.test_request_context():
        feed.stamp()  # starts listening in this process
    assert heard(lambda: feed.live), "the feed never connected"
    return feed


@pytest.fixture
def student(feed_app, feed):
    with feed_app.app_context():
        person = StudentFactory(email=f"feed{time.monotonic_ns()}@school.edu")
        posting = OpportunityFactory(title=f"Feed posting {person.id}")
        db.session.commit()
        return {"id": person.id, "email": person.email, "posting": posting.id}


def caught_up(app) -> None:
    """Wait until the feed has heard every change committed so far: PostgreSQL delivers
    notifications in the order their transactions committed, so once a marker sent now
    is heard, so is everything before it (a sign-in's own, say)."""
    feed = app.extensions["change_feed"]
    marker = f"marker:{uuid.uuid4().hex}"
    with app.app_context(), db.engine.begin() as connection:
        connection.execute(sa.text("SELECT pg_notify('cc_changes', :marker)"),
                           {"marker": marker})
    assert heard(lambda: (feed.stamp(marker) or (0, 0, 0))[2] == 1), "the marker was not heard"


def signed_in(app, student):
    client = app.test_client()
    response = client.post("/auth/login", data={"email": student["email"],
                                                "password": DEFAULT_PASSWORD})
    assert response.status_code == 302 and response.location.endswith("/students/")
    caught_up(app)  # what the sign-in changed is heard before anything is kept
    return client


def statements_during(app, request: Callable[[], object]) -> tuple[list[str], object]:
    seen: list[str] = []

    def note(conn, cursor, statement, *args):
        seen.append(statement)

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", note)
    try:
        result = request()
    finally:
        sa.event.remove(engine, "before_cursor_execute", note)
    return seen, result


@postgresql
def test_a_signed_in_student_browses_without_a_query_once_kept(feed_app, student):
    client = signed_in(feed_app, student)
    first = client.get("/opportunities")
    assert first.status_code == 200 and f"Feed posting {student['id']}" in first.text
    seen, again = statements_during(feed_app, lambda: client.get("/opportunities"))
    assert again.status_code == 200 and f"Feed posting {student['id']}" in again.text
    assert seen == []  # the person, their saved postings and the page of results: kept
    # A page that needs more than what is kept still asks the database.
    seen, home = statements_during(feed_app, lambda: client.get("/students/"))
    assert home.status_code == 200 and seen


@postgresql
def test_a_session_ended_by_another_worker_stops_working(feed_app, feed, elsewhere, student):
    client = signed_in(feed_app, student)
    assert client.get("/students/").status_code == 200
    before = feed.stamp(user_topic(student["id"]))
    with elsewhere.begin() as connection:
        connection.execute(sa.update(UserSession).where(UserSession.user_id == student["id"])
                           .values(ended_at=utcnow()))
    assert heard(lambda: feed.stamp(user_topic(student["id"])) != before)
    response = client.get("/students/")
    assert response.status_code == 302 and "/auth/login" in response.location


@postgresql
def test_a_notification_from_another_worker_shows_in_the_header(feed_app, feed, elsewhere,
                                                                 student):
    client = signed_in(feed_app, student)
    assert UNREAD not in client.get("/opportunities").text
    before = feed.stamp(user_topic(student["id"]))
    with elsewhere.begin() as connection:
        connection.execute(sa.insert(Notification).values(
            user_id=student["id"], kind="test", title="Hello", body="", created_at=utcnow()))
    assert heard(lambda: feed.stamp(user_topic(student["id"])) != before)
    assert UNREAD in client.get("/opportunities").text


@postgresql
def test_a_posting_changed_by_another_worker_shows_on_the_next_page(feed_app, feed, elsewhere,
                                                                  student):
    client = signed_in(feed_app, student)
    assert f"Feed posting {student['id']}" in client.get("/opportunities").text
    before = feed.stamp("catalog")
    with elsewhere.begin() as connection:
        connection.execute(sa.update(Opportunity).where(Opportunity.id == student["posting"])
                           .values(title=f"Renamed posting {student['id']}"))
    assert heard(lambda: feed.stamp("catalog") != before)
    page = client.get("/opportunities").text
    assert f"Renamed posting {student['id']}" in page
    assert f"Feed posting {student['id']}" not in page


@postgresql
def test_the_students_own_save_shows_at_once(feed_app, feed, student):
    client = signed_in(feed_app, student)
    assert "Save for later" in client.get(f"/opportunities/{student['posting']}").text
    assert SAVED_BADGE not in client.get("/opportunities").text  # their saved postings: kept

    def own_writes() -> int:
        with feed_app.test_request_context():
            return feed.stamp()[1]

    before = own_writes()
    client.get("/opportunities")
    assert own_writes() == before  # reading writes nothing
    response = client.post(f"/opportunities/{student['posting']}/save")
    assert response.status_code == 302
    # This process's own commit counts at once, not when its notification arrives.
    assert own_writes() == before + 1
    assert "Remove from saved" in client.get(f"/opportunities/{student['posting']}").text
    assert SAVED_BADGE in client.get("/opportunities").text


@postgresql
def test_the_students_home_and_outcomes_are_kept_until_what_they_show_changes(
        feed_app, feed, elsewhere, student):
    client = signed_in(feed_app, student)
    assert "Hello," in client.get("/students/").text
    assert "Mock interview" not in client.get("/me/outcomes").text
    for path in ("/students/", "/me/outcomes"):
        seen, page = statements_during(feed_app, lambda path=path: client.get(path))
        assert page.status_code == 200 and seen == []  # kept: no query
    before = feed.stamp(user_topic(student["id"]))
    with elsewhere.begin() as connection:
        connection.execute(sa.update(User).where(User.id == student["id"])
                           .values(name="Renamed Student"))
        connection.execute(sa.insert(OutcomeEvidence).values(
            student_id=student["id"], outcome="career_design", source_kind="staff",
            source_id=1, recorded_at=utcnow(), details={"description": "Mock interview"}))
    assert heard(lambda: feed.stamp(user_topic(student["id"])) != before)
    assert "Hello, Renamed Student" in client.get("/students/").text
    assert "Mock interview" in client.get("/me/outcomes").text


@postgresql
def test_a_posting_page_is_kept_until_the_posting_changes(feed_app, feed, elsewhere, student):
    client = signed_in(feed_app, student)
    path = f"/opportunities/{student['posting']}"
    assert "Send application" in client.get(path).text
    seen, page = statements_during(feed_app, lambda: client.get(path))
    assert page.status_code == 200 and seen == []
    before = feed.stamp("catalog")
    with elsewhere.begin() as connection:
        connection.execute(sa.update(Opportunity).where(Opportunity.id == student["posting"])
                           .values(description="**Now with a new description.**"))
    assert heard(lambda: feed.stamp("catalog") != before)
    assert "<strong>Now with a new description.</strong>" in client.get(path).text
    # Withdrawn by its employer: gone for the student on the next page, not a kept one.
    before = feed.stamp("catalog")
    with elsewhere.begin() as connection:
        connection.execute(sa.update(Opportunity).where(Opportunity.id == student["posting"])
                           .values(status="closed"))
    assert heard(lambda: feed.stamp("catalog") != before)
    assert client.get(path).status_code == 404


@postgresql
def test_a_lost_connection_keeps_nothing_until_the_feed_is_back(feed_app, feed, elsewhere,
                                                                student):
    client = signed_in(feed_app, student)
    client.get("/opportunities")
    seen, _ = statements_during(feed_app, lambda: client.get("/opportunities"))
    assert seen == []
    with feed_app.test_request_context():
        epoch = feed.stamp()[0]
    with elsewhere.begin() as connection:
        connection.execute(sa.text(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
            "WHERE application_name = 'change-feed' AND datname = current_database()"))
    # Until it is back (half a second at least) there is no stamp: nothing kept is served,
    # and what is read is not kept.
    assert heard(lambda: feed.stamp() is None)
    for _ in range(2):
        seen, page = statements_during(feed_app, lambda: client.get("/opportunities"))
        assert page.status_code == 200 and seen
    assert heard(lambda: feed.live, seconds=10), "the feed did not reconnect"
    with feed_app.test_request_context():
        assert feed.stamp()[0] != epoch  # what was kept before counts for nothing


@postgresql
def test_truncating_a_table_forgets_everything(feed_app, feed, elsewhere):
    with feed_app.test_request_context():
        epoch = feed.stamp()[0]
    with elsewhere.begin() as connection:
        connection.execute(sa.text("TRUNCATE saved_opportunity"))
    assert heard(lambda: (feed.stamp() or (epoch,))[0] != epoch)


@postgresql
def test_every_table_the_migration_lists_announces_its_changes(feed_app):
    spec = importlib.util.spec_from_file_location(
        "change_feed_migration", ROOT / "migrations" / "versions" / "0024_change_feed.py")
    migration = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(migration)
    with feed_app.app_context():
        triggers = {tuple(row) for row in db.session.execute(sa.text(
            "SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid "
            "WHERE t.tgname LIKE '%announce%'"))}
        bump = db.session.scalar(sa.text(
            "SELECT prosrc FROM pg_proc WHERE proname = 'bump_catalog_version'"))
    expected = {(table, f"{table}_announce_person") for table in migration.PERSON_TABLES}
    expected |= {(table, f"{table}_announce_{topic}")
                 for table, topic in migration.SHARED_TABLES.items()}
    expected |= {(table, f"{table}_announce_truncate") for table in migration._tables()}
    expected.add(("user_account", "user_account_announce_mentor"))
    assert triggers == expected
    assert "pg_notify('cc_changes', 'catalog')" in bump
    # What a signed-in page keeps is among them.
    for table in ("user_account", "user_session", "student_profile", "student_cluster",
                  "notification", "saved_opportunity", "application", "booking",
                  "placement", "outcome_evidence"):
        assert table in migration.PERSON_TABLES


@postgresql
def test_an_alum_leaving_is_announced_to_everyone_but_a_sign_in_is_not(feed_app, feed,
                                                                       elsewhere):
    with feed_app.app_context():
        alum = AlumniFactory()
        db.session.commit()
        alum_id = alum.id
    with feed_app.test_request_context():
        before = feed.stamp("mentoring")
    with elsewhere.begin() as connection:
        connection.execute(sa.update(User).where(User.id == alum_id)
                           .values(last_login_at=utcnow()))
    assert heard(lambda: feed.stamp(user_topic(alum_id))[2] > 0)
    with feed_app.test_request_context():
        assert feed.stamp("mentoring") == before
    with elsewhere.begin() as connection:
        connection.execute(sa.update(User).where(User.id == alum_id).values(active=False))
    assert heard(lambda: feed.stamp("mentoring") != before)


@postgresql
def test_within_a_request_each_part_of_a_stamp_is_taken_once(feed_app, feed, elsewhere,
                                                             student):
    topic = user_topic(student["id"])
    with feed_app.test_request_context():
        first = changes.stamp(topic)
        with elsewhere.begin() as connection:
            connection.execute(sa.update(User).where(User.id == student["id"])
                               .values(name="Changed Meanwhile"))
        assert heard(lambda: feed.stamp(topic) != first)
        # Read after the change, kept under the count before it: a miss next time.
        assert changes.stamp(topic) == first
        assert changes.stamp(topic, "catalog")[:3] == first
    with feed_app.test_request_context():
        assert changes.stamp(topic) != first


def test_without_the_feed_every_signed_in_page_asks_the_database():
    app = migrated_app("no_change_feed")  # SQLite, or PostgreSQL with CHANGE_FEED off
    app.test_client_class = Client
    with app.app_context():
        person = StudentFactory()
        db.session.commit()
        email = person.email
    client = app.test_client()
    assert client.submit("/auth/login", {"email": email, "password": DEFAULT_PASSWORD}
                         ).status_code == 302
    for path in ("/opportunities", "/students/", "/me/outcomes"):
        client.get(path)
        seen, page = statements_during(app, lambda path=path: client.get(path))
        assert page.status_code == 200
        assert any("user_session" in statement for statement in seen), path
    with app.app_context():
        db.engine.dispose()


def test_without_postgresql_there_is_no_feed():
    app = create_app({"SQLALCHEMY_DATABASE_URI": "sqlite://", "SECRET_KEY": "x"})
    assert app.extensions["change_feed"] is None
