"""Pages of result cards kept for every reader until postings change: what is shared
(the cards), what is not (a student's saved marks, their clusters' order)."""

from __future__ import annotations

import re

import pytest

from marketplace.blueprints.opportunities.models import SavedOpportunity
from marketplace.core.extensions import db
from tests.factories import OpportunityFactory, StudentFactory


def titles(page: str) -> list[str]:
    return re.findall(r'<li class="result">\s*<h2><a [^>]*>([^<]+)</a>', page)


def results_query(sql: str) -> bool:
    return "FROM opportunity" in sql and "LIMIT" in sql


def saved_titles(page: str) -> set[str]:
    cards = re.findall(r'<li class="result">.*?</ul>\s*</li>', page, re.S)
    return {re.search(r"<h2><a [^>]*>([^<]+)</a>", card).group(1) for card in cards
            if ">Saved<" in card}


@pytest.fixture
def posting_pair():
    pair = (OpportunityFactory(title="Kept role"), OpportunityFactory(title="Other role"))
    db.session.commit()
    return pair


def test_a_second_reader_of_a_search_gets_the_kept_cards(app, login_as, client,
                                                         count_queries):
    OpportunityFactory(title="Solar Installer Apprentice", description="Panels on roofs.")
    db.session.commit()
    visitor = app.test_client()  # a visitor reads the search first
    with count_queries() as counter:
        page = visitor.get("/opportunities?q=solar&sort=newest").text
    assert titles(page) == ["Solar Installer Apprentice"]
    assert any(results_query(sql) for sql in counter.statements)
    login_as(StudentFactory())
    with count_queries() as counter:
        page = client.get("/opportunities?q=solar&sort=newest").text
    assert titles(page) == ["Solar Installer Apprentice"]
    assert not any(results_query(sql) for sql in counter.statements)
    assert sum("catalog_version" in sql for sql in counter.statements) == 1


def test_saved_marks_are_each_students_own(login_as, client, posting_pair):
    kept, other = posting_pair
    alice, bob = StudentFactory(), StudentFactory()
    db.session.flush()
    db.session.add(SavedOpportunity(user_id=alice.id, opportunity_id=kept.id))
    db.session.commit()
    login_as(alice)
    assert saved_titles(client.get("/opportunities?sort=newest").text) == {"Kept role"}
    client.post("/auth/logout", data={"csrf_token": csrf(client)})
    login_as(bob)
    assert saved_titles(client.get("/opportunities?sort=newest").text) == set()


def test_best_match_without_words_is_kept_per_set_of_clusters(login_as, client):
    OpportunityFactory(title="Clinic aide", career_cluster="healthcare_human_services")
    OpportunityFactory(title="Data helper", career_cluster="digital_technology")
    nurse, coder = StudentFactory(), StudentFactory()
    nurse.student_profile.clusters = ["healthcare_human_services"]
    coder.student_profile.clusters = ["digital_technology"]
    db.session.commit()
    login_as(nurse)
    assert titles(client.get("/opportunities").text)[0] == "Clinic aide"
    client.post("/auth/logout", data={"csrf_token": csrf(client)})
    login_as(coder)
    assert titles(client.get("/opportunities").text)[0] == "Data helper"
    # Changing one's clusters changes the order at once (the clusters are in the key).
    coder.student_profile.clusters = ["healthcare_human_services"]
    db.session.commit()
    assert titles(client.get("/opportunities").text)[0] == "Clinic aide"


def test_an_edit_retires_kept_cards_for_signed_in_readers_too(login_as, client, posting_pair):
    kept, _ = posting_pair
    login_as(StudentFactory())
    assert "Kept role" in titles(client.get("/opportunities?sort=newest").text)
    kept.title = "Renamed role"
    db.session.commit()
    assert "Renamed role" in titles(client.get("/opportunities?sort=newest").text)


def csrf(client) -> str:
    page = client.get("/notifications/").text
    return re.search(r'name="csrf-token" content="([^"]+)"', page).group(1)
