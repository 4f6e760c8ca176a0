"""What every signed-in request pays before its view runs: one query for the person and
their session together, and none at all for an answer that shows nothing of theirs —
while an ended session still stops working at its very next request."""

from __future__ import annotations

import re

import sqlalchemy as sa
from flask import render_template_string

from marketplace.blueprints.accounts.models import UserSession
from marketplace.blueprints.notifications.services import notify
from marketplace.blueprints.opportunities.models import SavedOpportunity
from marketplace.core.extensions import db
from tests.factories import DEFAULT_PASSWORD, OpportunityFactory, StudentFactory

NO_STORE = "no-store, private"


def key_lookups(counter) -> list[str]:
    """The statements that looked a session up by its cookie's key."""
    return [statement for statement in counter.statements
            if "user_session.key_hash =" in statement]


def test_a_signed_in_ping_runs_no_query_and_is_still_kept_out_of_caches(login_as, client,
                                                                        count_queries):
    login_as(StudentFactory())
    client.get("/ping")
    with count_queries() as counter:
        response = client.get("/ping")
    assert response.status_code == 200
    assert counter.count == 0, counter.statements
    assert response.headers["Cache-Control"] == NO_STORE
    assert "no-store" not in (client.get("/static/css/app.css").headers.get("Cache-Control")
                              or "")
    visitor = client.application.test_client()
    assert "no-store" not in (visitor.get("/ping").headers.get("Cache-Control") or "")


def test_the_person_and_their_session_are_found_in_one_query(login_as, client, count_queries):
    login_as(StudentFactory())
    client.get("/me/sessions")
    with count_queries() as counter:
        response = client.get("/me/sessions")
    assert response.status_code == 200
    assert "This device" in response.get_data(as_text=True)
    # The loader's query joins the person to the session; the page's own question
    # ("which of these is this browser?") is answered from it without asking again.
    [lookup] = key_lookups(counter)
    assert "user_account" in lookup and "JOIN" in lookup.upper()
    assert not any(statement.split("WHERE")[0].rstrip().endswith("FROM user_account")
                   for statement in counter.statements), counter.statements


def test_an_ended_session_stops_working_at_its_next_request(app, login_as):
    user = StudentFactory()
    db.session.commit()
    laptop = login_as(user)
    phone = app.test_client()
    phone.submit("/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    laptop_row = db.session.scalar(sa.select(UserSession).where(
        UserSession.user_id == user.id).order_by(UserSession.id).limit(1))
    assert laptop.get("/students/").status_code == 200
    assert laptop.get("/ping").headers["Cache-Control"] == NO_STORE

    response = phone.submit(f"/me/sessions/{laptop_row.id}/end", {}, page="/me/sessions")
    assert response.status_code == 302
    assert laptop.get("/students/").status_code == 302  # signed out at once
    assert laptop.get("/me/outcomes").status_code == 302
    assert phone.get("/students/").status_code == 200  # the other browser stays in


def test_ending_every_other_session_keeps_this_one(app, login_as):
    user = StudentFactory()
    db.session.commit()
    laptop = login_as(user)
    phone = app.test_client()
    phone.submit("/auth/login", {"email": user.email, "password": DEFAULT_PASSWORD})
    response = phone.submit("/me/sessions/end-others", {}, page="/me/sessions")
    assert response.status_code == 302
    assert laptop.get("/students/").status_code == 302
    assert phone.get("/students/").status_code == 200


def test_logging_out_ends_this_browsers_session(app, login_as):
    user = StudentFactory()
    db.session.commit()
    laptop = login_as(user)
    cookie = laptop.get_cookie("session")
    laptop.submit("/auth/logout", {}, page="/students/")
    assert db.session.scalar(sa.select(sa.func.count(UserSession.id)).where(
        UserSession.user_id == user.id, UserSession.ended_at.is_(None))) == 0
    stolen = app.test_client()
    stolen.set_cookie(cookie.key, cookie.value)  # the old cookie, replayed
    assert stolen.get("/students/").status_code == 302


def test_the_unread_count_is_asked_once_per_request(app, login_as, client, count_queries):
    user = StudentFactory()
    db.session.commit()
    login_as(user)
    with app.test_request_context("/"):
        from flask_login import login_user

        login_user(user)
        with count_queries() as counter:
            html = render_template_string(
                "{{ unread_notifications() }}/{{ unread_notifications() }}")
    assert html == "0/0"
    assert sum("notification" in statement for statement in counter.statements) == 1


def test_a_students_results_page_reads_kept_cards_and_marks_their_saved_postings(
        login_as, client, count_queries):
    student = StudentFactory()
    kept = OpportunityFactory(title="Kept role")
    OpportunityFactory(title="Other role")
    db.session.flush()
    db.session.add(SavedOpportunity(user_id=student.id, opportunity_id=kept.id))
    notify(student, "test", "Two things happened", email=False)
    notify(student, "test", "And another", email=False)
    db.session.commit()
    login_as(student)
    client.get("/opportunities")
    with count_queries() as counter:
        page = client.get("/opportunities").text
    # The person, their session, their unread count and their clusters (best match puts
    # them first); the catalog version the kept cards are checked against; which of the
    # cards they saved. The cards' own query is not run again.
    assert counter.count == 3, counter.statements
    assert "student_cluster" in counter.statements[0]
    assert "catalog_version" in counter.statements[1]
    assert "saved_opportunity" in counter.statements[2]
    assert '<span class="badge">2<span class="visually-hidden"> unread' in page
    cards = {re.search(r"<h2><a [^>]*>([^<]+)</a>", card).group(1): card
             for card in re.findall(r'<li class="result">.*?</ul>\s*</li>', page, re.S)}
    assert set(cards) == {"Kept role", "Other role"}
    assert "Saved" in cards["Kept role"] and "Saved" not in cards["Other role"]
