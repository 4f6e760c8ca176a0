"""The visitors' page cache: kept pages, the catalog version that retires them, and who
is never served one."""

from __future__ import annotations

import time
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from marketplace import create_app
from marketplace.blueprints.accounts.models import Organization, OrganizationStatus
from marketplace.blueprints.accounts.services import set_organization_status
from marketplace.blueprints.opportunities.models import (
    CatalogVersion,
    Opportunity,
    OpportunityStatus,
)
from marketplace.blueprints.opportunities.pagecache import CachedPage, PageCache
from marketplace.blueprints.opportunities.services import expire_opportunities
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from tests.factories import OpportunityFactory, StaffFactory, StudentFactory
from tests.support import app_config, at_once, migrated_app


@pytest.fixture
def posting():
    opportunity = OpportunityFactory(title="Solar Installer Apprentice",
                                     description="Panels on roofs.")
    db.session.commit()
    return opportunity


@pytest.fixture
def page_cache(app) -> PageCache:
    return app.extensions["page_cache"]


def test_a_visitor_is_served_the_kept_page_with_one_query(client, posting, page_cache,
                                                          count_queries):
    for path in ("/opportunities", f"/opportunities/{posting.id}"):
        first = client.get(path)
        assert first.status_code == 200 and "Solar Installer Apprentice" in first.text
        assert "Set-Cookie" not in first.headers  # browsing sets no cookie at all
        with count_queries() as counter:
            again = client.get(path)
        assert again.data == first.data
        assert counter.count == 1, counter.statements  # the catalog version, nothing else
        assert "catalog_version" in counter.statements[0]
        # The response is whole: security headers are added to kept pages too.
        assert again.headers["Content-Security-Policy"] == first.headers["Content-Security-Policy"]
    assert len(page_cache) == 2


def test_each_address_is_kept_apart(client, posting):
    OpportunityFactory(title="Welding Shadow", description="Sparks.")
    db.session.commit()
    assert "Welding Shadow" in client.get("/opportunities").text
    searched = client.get("/opportunities?q=solar")
    assert "Solar Installer" in searched.text and "Welding Shadow" not in searched.text
    assert "Welding Shadow" in client.get("/opportunities").text


def test_an_edit_shows_on_the_next_visit(client, posting):
    assert "Solar Installer Apprentice" in client.get("/opportunities").text
    assert "Solar Installer Apprentice" in client.get(f"/opportunities/{posting.id}").text
    posting.title = "Rooftop Solar Apprentice"
    db.session.commit()
    assert "Rooftop Solar Apprentice" in client.get("/opportunities").text
    assert "Rooftop Solar Apprentice" in client.get(f"/opportunities/{posting.id}").text


def test_a_suspended_organization_disappears_from_kept_pages_at_once(client, posting):
    assert client.get(f"/opportunities/{posting.id}").status_code == 200
    assert "Solar Installer" in client.get("/opportunities").text
    set_organization_status(posting.organization, OrganizationStatus.SUSPENDED,
                            StaffFactory(), reason="Asked students for fees")
    db.session.commit()
    assert client.get(f"/opportunities/{posting.id}").status_code == 404
    assert "Solar Installer" not in client.get("/opportunities").text


def test_a_bulk_update_outside_the_orm_retires_kept_pages(client, posting):
    assert "Solar Installer" in client.get("/opportunities").text
    # The expiry job updates rows with one UPDATE statement, not through the ORM.
    db.session.execute(sa.update(Opportunity).where(Opportunity.id == posting.id)
                       .values(application_deadline=date.today() - timedelta(days=3)))
    assert expire_opportunities() == 1
    db.session.commit()
    assert "Solar Installer" not in client.get("/opportunities").text


def test_logged_in_people_and_visitors_with_a_session_get_fresh_pages(
        app, client, login_as, posting, page_cache, count_queries):
    visitor = app.test_client()
    visitor.get("/opportunities")
    kept = len(page_cache)
    student = StudentFactory()
    db.session.commit()
    login_as(student)
    client.submit(f"/opportunities/{posting.id}/save", {}, page=f"/opportunities/{posting.id}")
    with count_queries() as counter:
        page = client.get("/opportunities")
    assert ">Saved<" in page.text  # the student's own view, rendered for them
    # The version is read once, by the results cache (kept cards); the page cache is
    # not asked.
    assert sum("catalog_version" in sql for sql in counter.statements) == 1
    # A visitor whose session holds anything (a flash, say) is not served a kept page either.
    with visitor.session_transaction() as session:
        session["_flashes"] = [("success", "You have logged out.")]
    with count_queries() as counter:
        page = visitor.get("/opportunities")
    assert "You have logged out." in page.text
    assert sum("catalog_version" in sql for sql in counter.statements) == 1
    assert len(page_cache) == kept  # and neither page was kept


def test_a_page_with_a_feature_is_kept_no_longer_than_the_feature(client, posting, page_cache):
    posting.featured_until = utcnow() + timedelta(seconds=5)
    db.session.commit()
    page = client.get("/opportunities")
    assert "Featured" in page.text
    (kept,) = page_cache._pages.values()
    assert kept.expires - time.monotonic() <= 5.0


def test_the_cache_keeps_the_most_recently_used_and_drops_stale_pages():
    cache = PageCache(size=2, seconds=30)
    page = CachedPage(b"x", "text/html", version=7, expires=100.0)
    cache.put("/a", page)
    cache.put("/b", page)
    assert cache.get("/a", 7, now=1.0) is page  # /a is now the most recent
    cache.put("/c", page)
    assert cache.get("/b", 7, now=1.0) is None  # the least recent went
    assert cache.get("/a", 8, now=1.0) is None  # another version: dropped
    assert cache.get("/c", 7, now=100.0) is None  # expired: dropped
    assert len(cache) == 0


def test_no_cache_when_turned_off():
    app = create_app(app_config("sqlite://", PAGE_CACHE_SIZE=0))
    assert app.extensions["page_cache"] is None


# --- the catalog version, with real commits ----------------------------------

@pytest.fixture(scope="module")
def committing_app():
    app = migrated_app("catalog_version")
    yield app
    with app.app_context():
        db.engine.dispose()


def read_version(app) -> int:
    with app.app_context(), db.engine.connect() as connection:
        return connection.execute(
            sa.select(CatalogVersion.version).where(CatalogVersion.id == 1)).scalar_one()


def add_organization(name: str) -> None:
    db.session.add(Organization(name=name, type="company", status=OrganizationStatus.VERIFIED))


@pytest.mark.no_db
def test_the_version_moves_when_a_change_commits_and_not_before(committing_app):
    app = committing_app
    before = read_version(app)
    with app.app_context():
        add_organization("Version Co")
        db.session.flush()
        # Other connections see the change and the new version together, at commit.
        assert read_version(app) == before
        db.session.commit()
    after_insert = read_version(app)
    assert after_insert > before
    with app.app_context():
        organization = db.session.scalar(sa.select(Organization).filter_by(name="Version Co"))
        organization.website = "https://version.example"
        db.session.rollback()
    assert read_version(app) == after_insert  # nothing committed, nothing counted


@pytest.mark.no_db
def test_a_statement_changing_many_rows_counts_once_on_postgresql(committing_app):
    app = committing_app
    with app.app_context():
        if db.engine.dialect.name != "postgresql":
            pytest.skip("SQLite counts each row; one writer at a time makes that harmless")
        for n in range(5):
            add_organization(f"Bulk {n}")
        db.session.commit()
        before = read_version(app)
        db.session.execute(sa.update(Organization).where(Organization.name.like("Bulk %"))
                           .values(website="https://bulk.example"))
        db.session.commit()
    assert read_version(app) == before + 1


@pytest.mark.no_db
def test_the_triggers_are_in_place_on_the_catalog_tables(committing_app):
    # Postings, organizations, and the schools a posting is open to (0023).
    tables = ("opportunity", "organization", "opportunity_school")
    with committing_app.app_context():
        if db.engine.dialect.name == "postgresql":
            names = set(db.session.scalars(sa.text(
                "SELECT tgname FROM pg_trigger WHERE tgname LIKE '%catalog_version%'")))
            assert names == {f"{table}_catalog_version" for table in tables}
        else:
            names = set(db.session.scalars(sa.text(
                "SELECT name FROM sqlite_master WHERE type = 'trigger' "
                "AND name LIKE '%catalog_version%'")))
            assert names == {f"{table}_catalog_version_{event}" for table in tables
                             for event in ("insert", "update", "delete")}


@pytest.mark.no_db
def test_writers_committing_at_once_are_each_counted_and_never_deadlock(committing_app):
    app = committing_app
    with app.app_context():
        add_organization("Shared Co")
        db.session.commit()
    before = read_version(app)

    def writer(n: int):
        def write() -> str:
            with app.app_context():
                add_organization(f"Parallel {n}")
                db.session.flush()
                # Each also touches a row the others touch, in a different order.
                for name in sorted({"Shared Co", f"Parallel {n}"}, reverse=n % 2 == 0):
                    db.session.execute(sa.update(Organization).where(Organization.name == name)
                                       .values(website=f"https://{n}.example"))
                db.session.commit()
                return "ok"
        return write

    assert at_once(*(writer(n) for n in range(6))) == ["ok"] * 6
    # Each writer changed three rows in three statements: PostgreSQL counts one per
    # statement, SQLite one per row.
    assert read_version(app) - before == 6 * 3


@pytest.mark.no_db
def test_the_published_page_follows_real_commits(committing_app):
    """Across processes' worth of connections: a kept page never outlives a commit."""
    app = committing_app
    client = app.test_client()
    with app.app_context():
        organization = Organization(name="Kept Page Co", type="company",
                                    status=OrganizationStatus.VERIFIED)
        posting = Opportunity(organization=organization, title="Kept Page Intern",
                              kind="internship", career_cluster="education", description="d",
                              location="x", status=OpportunityStatus.PUBLISHED,
                              published_at=utcnow())
        db.session.add(posting)
        db.session.commit()
        posting_id = posting.id
    assert "Kept Page Intern" in client.get("/opportunities").text
    with app.app_context():
        db.session.get(Opportunity, posting_id).status = OpportunityStatus.CLOSED
        db.session.commit()
    assert "Kept Page Intern" not in client.get("/opportunities").text
    assert client.get(f"/opportunities/{posting_id}").status_code == 404
