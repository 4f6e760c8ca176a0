"""Search that finds what people type: any word (all of them first), work-mode and place
words, typos in short searches, a count of the results, and best match for a student."""

from __future__ import annotations

import pytest

from marketplace.blueprints.opportunities.models import WorkMode
from marketplace.blueprints.opportunities.search import _within_one_or_two, parse_terms
from marketplace.core.extensions import db
from tests.factories import OpportunityFactory, StudentFactory


def titles(response) -> list[str]:
    return [item["title"] for item in response.get_json()["items"]]


def search(client, q: str, **params) -> list[str]:
    response = client.get("/api/v1/opportunities", query_string={"q": q, **params})
    assert response.status_code == 200, response.get_json()
    return titles(response)


@pytest.fixture
def postings():
    """Older first: the newest-first order would put the last one first."""
    OpportunityFactory(title="Nursing Internship", location="Columbus, OH",
                       description="An internship on a hospital floor.",
                       career_cluster="healthcare_human_services", skills=["Patient care"])
    OpportunityFactory(title="Nursing Assistant", location="Columbus, OH",
                       description="Help the nurses with patient care.",
                       career_cluster="healthcare_human_services")
    OpportunityFactory(title="Marketing Internship", location="Columbus, OH",
                       description="Social media for a small firm.", career_cluster="marketing")
    OpportunityFactory(title="Data Analyst Intern", location="", work_mode=WorkMode.REMOTE,
                       description="Dashboards for the finance team.",
                       career_cluster="digital_technology", skills=["SQL", "Excel"])
    OpportunityFactory(title="Data Entry Clerk", location="Columbus, OH",
                       description="Typing records.", career_cluster="business_management")
    OpportunityFactory(title="Policy Analyst", location="Dayton, OH",
                       description="Research for the city council.",
                       work_mode=WorkMode.HYBRID, career_cluster="government_public_admin")
    OpportunityFactory(title="Welding Apprentice", location="Springfield, OH",
                       description="MIG and TIG in a fabrication shop.",
                       career_cluster="advanced_manufacturing")
    db.session.commit()


def test_any_word_matches_and_all_words_rank_first(client, postings):
    found = search(client, "nursing internship")
    assert found[0] == "Nursing Internship"  # both words, though the oldest
    assert set(found[1:3]) == {"Nursing Assistant", "Marketing Internship"}
    # After them at most a near miss ("Intern" is like "internship"), never the rest.
    assert set(found[3:]) <= {"Data Analyst Intern"}
    found = search(client, "data analyst")
    assert found[0] == "Data Analyst Intern"
    assert set(found) == {"Data Analyst Intern", "Data Entry Clerk", "Policy Analyst"}


def test_a_word_matched_by_fewer_postings_still_ranks_by_how_many_words_match(client,
                                                                           postings):
    # Three words: two of them beat one of them, whatever the age.
    found = search(client, "nursing patient internship")
    assert set(found[:2]) == {"Nursing Internship", "Nursing Assistant"}
    assert found[2:] == ["Marketing Internship"]


def test_work_mode_words_match_the_work_mode(client, postings):
    # No posting has the word "remote" in its text.
    assert search(client, "remote") == ["Data Analyst Intern"]
    assert search(client, "hybrid") == ["Policy Analyst"]
    for words in ("onsite", "on-site", "on site", "in person", "In-Person"):
        found = search(client, words)
        assert "Welding Apprentice" in found and "Data Analyst Intern" not in found, words
        assert "Policy Analyst" not in found, words
    # With another word: the remote data posting has both, so it comes first.
    found = search(client, "remote data")
    assert found[0] == "Data Analyst Intern" and "Data Entry Clerk" in found


def test_a_place_word_matches_the_location(client, postings):
    assert search(client, "Dayton") == ["Policy Analyst"]
    found = search(client, "analyst dayton")
    assert found[0] == "Policy Analyst" and "Data Analyst Intern" in found


@pytest.mark.parametrize("typed, expected", [
    ("nursng", {"Nursing Internship", "Nursing Assistant"}),
    ("analist", {"Data Analyst Intern", "Policy Analyst"}),
    ("weldng", {"Welding Apprentice"}),
    ("exel", set()),  # a word this short is not guessed at
])
def test_a_typo_in_a_short_search_still_finds(client, postings, typed, expected):
    assert set(search(client, typed)) == expected
    assert set(search(client, typed, sort="newest")) == expected


def test_typo_matches_rank_below_exact_ones(client, postings):
    OpportunityFactory(title="Analist Trainee", location="Toledo, OH",
                       description="A trainee post (sic).", career_cluster="finance")
    db.session.commit()
    found = search(client, "analist")
    assert found[0] == "Analist Trainee"  # the exact word, though an older posting has it
    assert set(found[1:]) == {"Data Analyst Intern", "Policy Analyst"}


def test_a_typo_in_the_skills_is_forgiven(client, postings):
    # A letter missing in a skill; a word of a description is not guessed at.
    assert search(client, "patint") == ["Nursing Internship"]
    assert search(client, "dashbords") == []


def test_long_searches_do_not_guess_typos(client, postings):
    assert search(client, "nursng weldng analist") == []


def test_the_count_in_the_api_and_on_the_page(client, postings):
    words = "nursing marketing welding"
    body = client.get("/api/v1/opportunities", query_string={"q": words, "limit": 1}).get_json()
    assert body["total"] == 4 and body["total_is_estimate"] is False
    assert len(body["items"]) == 1 and body["next_cursor"]
    # Every page says the same total.
    again = client.get("/api/v1/opportunities", query_string={
        "q": words, "limit": 1, "cursor": body["next_cursor"]}).get_json()
    assert again["total"] == 4
    assert client.get("/api/v1/opportunities").get_json()["total"] == 7
    assert client.get("/api/v1/opportunities?kind=job_shadow").get_json()["total"] == 0
    page = client.get("/opportunities", query_string={"q": words}).text
    assert f"4 postings match “{words}”, those with all the words first." in page
    assert "1 postings" not in client.get("/opportunities?q=dayton").text
    assert "1 posting match “dayton”." in client.get("/opportunities?q=dayton").text
    assert "No postings match “zzyzx”." in client.get("/opportunities?q=zzyzx").text
    assert "7 postings." in client.get("/opportunities").text


def test_past_the_bound_the_count_is_a_lower_bound(client, postings, monkeypatch):
    monkeypatch.setattr("marketplace.blueprints.opportunities.browse.COUNT_BOUND", 5)
    body = client.get("/api/v1/opportunities").get_json()
    assert body["total"] == 5 and body["total_is_estimate"] is True
    body = client.get("/api/v1/opportunities?q=nursing").get_json()
    assert body["total"] == 2 and body["total_is_estimate"] is False
    assert "5+ postings." in client.get("/opportunities").text
    monkeypatch.setattr("marketplace.blueprints.opportunities.browse.COUNT_BOUND", 1000)
    for n in range(3):
        OpportunityFactory(title=f"Extra {n}")
    db.session.commit()
    assert "10 postings." in client.get("/opportunities").text


def test_the_count_is_documented(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    listing = spec["components"]["schemas"]["OpportunityList"]
    assert {"total", "total_is_estimate"} <= set(listing["required"])
    assert listing["properties"]["total_is_estimate"]["type"] == "boolean"


def test_best_match_without_words_puts_a_students_clusters_first(client, login_as, postings,
                                                                 api_client):
    student = StudentFactory()
    student.student_profile.clusters = ["healthcare_human_services", "advanced_manufacturing"]
    db.session.commit()
    expected = ["Welding Apprentice", "Nursing Assistant", "Nursing Internship",
                "Policy Analyst", "Data Entry Clerk", "Data Analyst Intern",
                "Marketing Internship"]
    api = api_client(student)
    assert titles(api.get("/api/v1/opportunities")) == expected
    # Page by page, with the cursor, each posting once and in the same order.
    seen, cursor = [], None
    for _ in range(10):
        body = api.get("/api/v1/opportunities",
                       query_string={"limit": 2, **({"cursor": cursor} if cursor else {})}
                       ).get_json()
        seen += [item["title"] for item in body["items"]]
        assert body["total"] == 7
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert seen == expected
    # Newest is still newest when asked for.
    newest = titles(api.get("/api/v1/opportunities?sort=newest"))
    assert newest[0] == "Welding Apprentice" and newest[1] == "Policy Analyst"
    # The page: best match is the default, and it is what the list shows.
    login_as(student)
    page = client.get("/opportunities").text
    assert page.index("Welding Apprentice") < page.index("Nursing Internship") \
        < page.index("Policy Analyst")
    assert '<option value="" selected>Best match</option>' in page


def test_best_match_without_words_is_newest_for_visitors(client, postings):
    found = titles(client.get("/api/v1/opportunities"))
    assert found == titles(client.get("/api/v1/opportunities?sort=newest"))
    assert found == titles(client.get("/api/v1/opportunities?sort=relevance"))
    assert found[:2] == ["Welding Apprentice", "Policy Analyst"]


def test_a_cursor_from_another_best_match_is_refused(client, login_as, api_client, postings):
    student = StudentFactory()
    db.session.commit()
    api = api_client(student)
    cursor = api.get("/api/v1/opportunities?limit=2").get_json()["next_cursor"]
    response = api.get("/api/v1/opportunities", query_string={"q": "data", "cursor": cursor})
    assert response.status_code == 400 and "cursor" in response.get_json()["error"]["fields"]


def test_queries_per_search_page_are_fixed(client, login_as, count_queries, api_client):
    for n in range(30):
        OpportunityFactory(title=f"Nursing role {n}", description="patient care",
                           career_cluster="healthcare_human_services" if n % 2 else "education")
    student = StudentFactory()
    student.student_profile.clusters = ["education"]
    db.session.commit()
    api = api_client(student)
    api.get("/api/v1/opportunities")  # the token's first use is written down once
    for params in ({"q": "nursng"}, {"q": "nursing remote care"}, {}):
        counts = set()
        for limit in (3, 25):
            with count_queries() as counter:
                body = api.get("/api/v1/opportunities",
                               query_string={**params, "limit": limit}).get_json()
            assert body["total"] == 30
            counts.add(counter.count)
        assert len(counts) == 1, (params, counts, counter.statements)


def test_terms():
    assert [t.text for t in parse_terms("Nursing  nursing, on-site in person!")] == [
        "nursing", "on site", "in person"]
    assert [t.work_mode for t in parse_terms("remote hybrid onsite")] == [
        WorkMode.REMOTE, WorkMode.HYBRID, WorkMode.ONSITE]
    assert [t.typo for t in parse_terms("nursing data")] == [True, False]
    assert not any(t.typo for t in parse_terms("nursing analyst welding"))
    assert len(parse_terms(" ".join(f"w{n}" for n in range(20)))) == 8


@pytest.mark.parametrize("word, token, close", [
    ("nursng", "nursing", True), ("analist", "analyst", True), ("nusring", "nursing", True),
    ("nursing", "nursing", True), ("nrsng", "nursing", False), ("welding", "wedding", True),
    ("accountng", "accounting", True), ("acountng", "accounting", True),
    ("acntng", "accounting", False),
])
def test_edit_distance(word, token, close):
    assert _within_one_or_two(word, token) is close
