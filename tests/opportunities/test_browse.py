"""Browse and search: filters, ranking, keyset pagination, odd input, queries per page."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from marketplace.blueprints.accounts.models import OrganizationStatus
from marketplace.blueprints.opportunities.browse import encode_cursor
from marketplace.blueprints.opportunities.models import (
    Opportunity,
    OpportunityKind,
    OpportunityStatus,
    WorkMode,
)
from marketplace.core.extensions import db
from tests.factories import (
    EmployerFactory,
    OpportunityFactory,
    OrganizationFactory,
    StaffFactory,
    StudentFactory,
)


def titles(response) -> list[str]:
    return [item["title"] for item in response.get_json()["items"]]


@pytest.fixture
def catalogue():
    OpportunityFactory(title="Welding Apprentice", kind=OpportunityKind.APPRENTICESHIP,
                       career_cluster="advanced_manufacturing",
                       description="Learn MIG and TIG welding in a fabrication shop.")
    OpportunityFactory(title="Nursing Assistant Intern", career_cluster="healthcare_human_services",
                       description="Patient care on a busy hospital floor; welding not needed.",
                       work_mode=WorkMode.ONSITE, location="Riverbend, OH")
    OpportunityFactory(title="Remote Data Intern", description="Dashboards and SQL for analysts.",
                       work_mode=WorkMode.REMOTE, location="", paid=False, pay_min=None)
    OpportunityFactory(title="Café Barista Shadow", kind=OpportunityKind.JOB_SHADOW,
                       career_cluster="hospitality_events_tourism",
                       description="Latte art and café management — über fun.")
    OpportunityFactory(title="Hidden Draft", status=OpportunityStatus.DRAFT,
                       description="welding draft")
    db.session.commit()


def test_only_public_postings_are_listed(client, catalogue):
    listed = titles(client.get("/api/v1/opportunities"))
    assert "Hidden Draft" not in listed and len(listed) == 4


def test_search_finds_a_word_of_the_description_and_ranks_titles_first(client, catalogue):
    found = titles(client.get("/api/v1/opportunities?q=welding"))
    assert found[0] == "Welding Apprentice"
    assert set(found) == {"Welding Apprentice", "Nursing Assistant Intern"}
    assert titles(client.get("/api/v1/opportunities?q=dashboards")) == ["Remote Data Intern"]


@pytest.mark.parametrize("query, expected", [
    ("kind=apprenticeship", {"Welding Apprentice"}),
    ("cluster=healthcare_human_services", {"Nursing Assistant Intern"}),
    ("remote=remote", {"Remote Data Intern"}),
    ("paid=false", {"Remote Data Intern"}),
    ("location=riverbend", {"Nursing Assistant Intern"}),
    ("q=welding&kind=internship", {"Nursing Assistant Intern"}),
])
def test_filters(client, catalogue, query, expected):
    assert set(titles(client.get(f"/api/v1/opportunities?{query}"))) == expected


@pytest.mark.parametrize("q", ['"welding', "welding OR", "NEAR(a b)", "-welding", "wel*ding",
                               "a" * 199, "café", "über", "日本語", "'; DROP TABLE x; --",
                               "()", "\"\"", "%_%", "\\'", "a\tb"])
def test_odd_search_syntax_works_or_is_refused_cleanly(client, catalogue, q):
    for sort in ("", "newest"):
        response = client.get("/api/v1/opportunities", query_string={"q": q, "sort": sort})
        assert response.status_code == 200
        html = client.get("/opportunities", query_string={"q": q, "sort": sort})
        assert html.status_code == 200
    assert client.get("/opportunities", query_string={"location": q}).status_code == 200


@pytest.mark.parametrize("q", ["a\x00b", "weld\x00ing", "a\tb\x7f", "x\x1b[31m"])
def test_control_characters_are_refused_with_a_message(client, catalogue, q):
    for path in ("/api/v1/opportunities", "/opportunities"):
        response = client.get(path, query_string={"q": q})
        assert response.status_code == 400
        assert "control characters" in response.get_data(as_text=True)


def test_non_latin_and_accents(client, catalogue):
    assert titles(client.get("/api/v1/opportunities", query_string={"q": "café"})) == [
        "Café Barista Shadow"]


@pytest.mark.parametrize("query, field", [
    ("kind=spaceship", "kind"), ("cluster=nope", "cluster"), ("remote=moon", "remote"),
    ("paid=maybe", "paid"), ("sort=random", "sort"), ("cursor=%%%", "cursor"),
    ("cursor=eyJ4IjoxfQ", "cursor"), ("limit=0", "limit"), ("limit=abc", "limit"),
    ("q=" + "x" * 201, "q"),
])
def test_malformed_filters_are_400_in_the_api_and_a_message_in_html(client, query, field):
    response = client.get(f"/api/v1/opportunities?{query}")
    assert response.status_code == 400
    assert field in response.get_json()["error"]["fields"]
    html = client.get(f"/opportunities?{query}")
    assert html.status_code == 200 and "not understood" in html.get_data(as_text=True)


@pytest.mark.parametrize("sort", ["newest", "deadline", "relevance"])
def test_keyset_pages_cover_everything_once(client, sort):
    for n in range(23):
        OpportunityFactory(title=f"Posting {n:02d}", description="common words here",
                           application_deadline=date.today() + timedelta(days=n % 5 + 1))
    db.session.commit()
    seen, cursor = [], None
    for _ in range(10):
        params = {"limit": 5, "sort": sort, "q": "common"}
        if cursor:
            params["cursor"] = cursor
        body = client.get("/api/v1/opportunities", query_string=params).get_json()
        seen += [item["id"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert len(seen) == 23 and len(set(seen)) == 23
    if sort == "deadline":
        deadlines = [client.get(f"/api/v1/opportunities/{i}").get_json()["application_deadline"]
                     for i in seen]
        assert deadlines == sorted(deadlines)


def test_best_match_ranks_the_newest_matches_and_says_so(client, monkeypatch):
    monkeypatch.setattr("marketplace.blueprints.opportunities.browse.RANK_WINDOW", 4)
    # The oldest posting has the word in its title: it would rank first, but it is
    # outside the window of the four newest matches.
    OpportunityFactory(title="Kiln kiln kiln", description="kiln kiln kiln")
    for n in range(5):
        OpportunityFactory(title=f"Pottery {n}", description="a kiln in the studio")
    db.session.commit()
    seen, cursor = [], None
    for _ in range(5):
        params = {"limit": 3, "q": "kiln", **({"cursor": cursor} if cursor else {})}
        body = client.get("/api/v1/opportunities", query_string=params).get_json()
        seen += [item["title"] for item in body["items"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == ["Pottery 1", "Pottery 2", "Pottery 3", "Pottery 4"]
    page = client.get("/opportunities?q=kiln").get_data(as_text=True)
    assert "Best match ranks the 4 newest postings" in page
    assert "sort=newest" in page
    newest = client.get("/api/v1/opportunities?q=kiln&sort=newest&limit=10").get_json()
    assert len(newest["items"]) == 6
    # Fewer matches than the window (only "Pottery 0" has the word "0"): no note.
    assert "Best match ranks" not in client.get("/opportunities?q=0").text


@pytest.mark.parametrize("status", [OrganizationStatus.SUSPENDED, OrganizationStatus.PENDING])
def test_postings_students_cannot_see_take_no_place_in_the_window(client, monkeypatch, status):
    monkeypatch.setattr("marketplace.blueprints.opportunities.browse.RANK_WINDOW", 4)
    OpportunityFactory(title="Kiln technician", description="kiln")
    hidden = OrganizationFactory(status=status)
    for n in range(4):  # newer, and many: a suspended spammer's postings
        OpportunityFactory(organization=hidden, title=f"Kiln offer {n}", description="kiln")
    db.session.commit()
    assert titles(client.get("/api/v1/opportunities?q=kiln")) == ["Kiln technician"]
    page = client.get("/opportunities?q=kiln").text
    assert "Kiln technician" in page and "Kiln offer" not in page
    assert "Best match ranks" not in page  # one public match: the window is not full


def test_queries_per_page_do_not_grow_with_page_size_or_number(client, count_queries):
    for n in range(60):
        OpportunityFactory(title=f"Role {n}")
    db.session.commit()
    counts = {}
    for limit in (5, 40):
        with count_queries() as counter:
            client.get(f"/opportunities?limit={limit}")
        counts[f"limit {limit}"] = counter.count
    cursor = None
    for page in range(1, 6):
        params = {"limit": 10}
        if cursor:
            params["cursor"] = cursor
        with count_queries() as counter:
            body = client.get("/api/v1/opportunities", query_string=params).get_json()
        counts[f"api page {page}"] = counter.count
        cursor = body["next_cursor"]
    assert counts["limit 5"] == counts["limit 40"]
    assert len({v for k, v in counts.items() if k.startswith("api")}) == 1, counts


def rows_read(connection, sql: str, params) -> int:
    """Rows PostgreSQL read from postings to answer ``sql``: kept plus filtered out."""
    (plan,) = connection.exec_driver_sql("EXPLAIN (ANALYZE, FORMAT JSON) " + sql,
                                         params).scalar()

    def walk(node) -> int:
        own = 0
        if node.get("Relation Name") == "opportunity":
            own = (node["Actual Rows"] + node.get("Rows Removed by Filter", 0)
                   + node.get("Rows Removed by Index Recheck", 0)) * node["Actual Loops"]
        return own + sum(walk(child) for child in node.get("Plans", []))

    return walk(plan["Plan"])


def test_page_500_by_cursor_reads_about_what_page_1_reads(client):
    organization = OrganizationFactory()
    db.session.flush()
    start = datetime(2026, 1, 1, tzinfo=UTC)
    total = 12_000  # page 500 (20 a page) is followed by 2,000 older postings
    db.session.execute(sa.insert(Opportunity), [dict(
        organization_id=organization.id, title=f"Posting {n}", kind="internship",
        status="published", description="d", location="x", work_mode="onsite", paid=True,
        positions=1, career_cluster="education", skills=[], risk_flags=[],
        published_at=start + timedelta(minutes=n), created_at=start, updated_at=start)
        for n in range(total)])
    db.session.commit()
    connection = db.session.connection()
    postgresql = connection.dialect.name == "postgresql"
    if postgresql:
        connection.exec_driver_sql("ANALYZE opportunity")
    # Newest first, 20 a page: page 499 ends with posting 2020, whose cursor opens page 500.
    last_of_499 = db.session.scalar(sa.select(Opportunity.id).filter_by(title="Posting 2020"))
    page_500 = encode_cursor("newest", start + timedelta(minutes=2020), last_of_499)

    queries = {}

    def capture(conn, cursor, statement, parameters, *args):
        if "LIMIT" in statement and "FROM opportunity" in statement:
            queries.setdefault(page, []).append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        for page, query in (("1", "limit=20"), ("500", f"limit=20&cursor={page_500}")):
            body = client.get(f"/api/v1/opportunities?{query}").get_json()
            first = total - 1 if page == "1" else 2019
            assert [item["title"] for item in body["items"]] == [
                f"Posting {n}" for n in range(first, first - 20, -1)]
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    assert len(queries["1"]) == len(queries["500"]) == 1
    if postgresql:
        read = {page: rows_read(connection, *queries[page][0]) for page in queries}
        # The index is entered at the cursor: page 500 reads its 21 rows, not 10,000.
        assert read["500"] <= read["1"] + 5, read
    else:
        sql, params = queries["500"][0]
        plan = " ".join(row[3] for row in connection.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + sql, params))
        assert "ix_opportunity_browse_newest (status=? AND published_at<?)" in plan, plan


def test_student_html_browse_and_detail(login_as, client, catalogue):
    login_as(StudentFactory())
    page = client.get("/opportunities?q=welding&kind=apprenticeship").get_data(as_text=True)
    assert "Welding Apprentice" in page and "Nursing Assistant" not in page


def test_api_create_patch_submit_approve(api_client):
    employer = EmployerFactory()
    staff = StaffFactory()
    db.session.commit()
    employer_api, staff_api = api_client(employer), api_client(staff)
    body = {"title": "API Intern", "kind": "internship", "description": "Build things.",
            "location": "Dayton, OH", "remote": "hybrid", "paid": True, "pay_min": 20,
            "career_cluster": "digital_technology", "positions": 2,
            "application_deadline": (date.today() + timedelta(days=10)).isoformat(),
            "skills": ["Python"]}
    created = employer_api.post("/api/v1/opportunities", json=body)
    assert created.status_code == 201, created.get_json()
    data = created.get_json()
    assert data["status"] == "draft" and data["organization"]["id"] == employer.organization_id
    opportunity_id = data["id"]
    patched = employer_api.patch(f"/api/v1/opportunities/{opportunity_id}",
                                 json={"positions": 3})
    assert patched.get_json()["positions"] == 3 and patched.get_json()["title"] == "API Intern"
    assert employer_api.post(f"/api/v1/opportunities/{opportunity_id}/submit").get_json()[
        "status"] == "pending_review"
    assert employer_api.post(f"/api/v1/opportunities/{opportunity_id}/approve").status_code == 403
    approved = staff_api.post(f"/api/v1/opportunities/{opportunity_id}/approve")
    assert approved.get_json()["status"] == "published"
    again = staff_api.post(f"/api/v1/opportunities/{opportunity_id}/reject",
                           json={"reason": "late"})
    assert again.status_code == 409 and "already decided" in again.get_json()["error"]["message"]
    closed = employer_api.post(f"/api/v1/opportunities/{opportunity_id}/close")
    assert closed.get_json()["status"] == "closed"
    assert employer_api.post(f"/api/v1/opportunities/{opportunity_id}/close").status_code == 409


@pytest.mark.parametrize("body, field", [
    ({"title": 5}, "title"), ({"kind": "spaceship"}, "kind"), ({"paid": "yes"}, "paid"),
    ({"positions": 0}, "positions"), ({"positions": 1.5}, "positions"),
    ({"application_deadline": "2020-13-45"}, "application_deadline"),
    ({"remote": "moon"}, "remote"), ({"skills": "x"}, "skills"), ({"bogus": 1}, "bogus"),
    ({"pay_min": 30, "pay_max": 10}, "pay_max"), ({"title": None}, "title"),
])
def test_api_validation_errors_name_the_field(api_client, body, field):
    employer = EmployerFactory()
    db.session.commit()
    base = {"title": "T", "kind": "internship", "description": "D", "location": "X",
            "remote": "onsite", "paid": True, "career_cluster": "education", "positions": 1}
    response = api_client(employer).post("/api/v1/opportunities", json={**base, **body})
    assert response.status_code == 422, response.get_json()
    assert field in response.get_json()["error"]["fields"]


def test_api_roles(api_client, client):
    student = StudentFactory()
    opportunity = OpportunityFactory(status=OpportunityStatus.DRAFT)
    other_employer = EmployerFactory()
    db.session.commit()
    assert api_client(student).post("/api/v1/opportunities", json={}).status_code == 403
    assert client.post("/api/v1/opportunities", json={}).status_code == 401
    assert api_client(other_employer).patch(f"/api/v1/opportunities/{opportunity.id}",
                                            json={"title": "x"}).status_code == 404
    staff_list = api_client(StaffFactory()).get("/api/v1/opportunities?status=draft")
    assert opportunity.id in [item["id"] for item in staff_list.get_json()["items"]]
    student_list = api_client(student).get("/api/v1/opportunities?status=draft")
    assert opportunity.id not in [item["id"] for item in student_list.get_json()["items"]]
