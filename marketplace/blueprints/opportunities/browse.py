"""Browse and full-text search of published postings, with keyset pagination.

PostgreSQL searches a generated ``tsvector`` (GIN index) with
``websearch_to_tsquery``; SQLite an FTS5 index with ``bm25``. Pages are cut by
a cursor holding the last row's sort key and id, so page 500 costs what page 1
does and the number of queries per page is fixed.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from marketplace.blueprints.accounts.models import Organization, OrganizationStatus
from marketplace.blueprints.opportunities.models import (
    Opportunity,
    OpportunityStatus,
)
from marketplace.core.db import utcnow
from marketplace.core.extensions import db

SORTS = ("relevance", "newest", "deadline")


PAGE_SIZE = 20


MAX_PAGE_SIZE = 50


MAX_QUERY_LENGTH = 200


RANK_WINDOW = 300


WORD = re.compile(r"\w+", re.UNICODE)


# Control characters (NUL above all, which PostgreSQL refuses in text) mean nothing in a
# search: they are read as spaces.
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


TRUE_VALUES = {"true", "1", "yes", "on"}


FALSE_VALUES = {"false", "0", "no", "off"}


@dataclass
class BrowseFilters:
    q: str = ""
    kind: str = ""
    cluster: str = ""
    remote: str = ""
    paid: bool | None = None
    location: str = ""
    sort: str = "newest"
    cursor: tuple | None = None
    limit: int = PAGE_SIZE

    def as_args(self) -> dict:
        """The filters as URL arguments (without the cursor), for links and bookmarks."""
        args = {"q": self.q, "kind": self.kind, "cluster": self.cluster, "remote": self.remote,
                "location": self.location,
                "paid": "" if self.paid is None else ("true" if self.paid else "false")}
        if self.sort != ("relevance" if self.q else "newest"):
            args["sort"] = self.sort
        return {key: value for key, value in args.items() if value}




def encode_cursor(sort: str, key, row_id: int) -> str:
    if isinstance(key, (date, datetime)):
        key = key.isoformat()
    raw = json.dumps([sort, key, row_id], separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str, sort: str) -> tuple | None:
    if len(text) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        cursor_sort, key, row_id = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        return None
    if cursor_sort != sort or not isinstance(row_id, int) or isinstance(row_id, bool):
        return None
    try:
        if sort == "newest":
            key = datetime.fromisoformat(key)
            if key.tzinfo is None:
                return None
        elif sort == "deadline":
            key = date.fromisoformat(key)
        elif not isinstance(key, (int, float)) or isinstance(key, bool):
            return None
    except (TypeError, ValueError):
        return None
    return key, row_id


def fts5_query(q: str) -> str:
    """Every word quoted: FTS5 syntax in the input is taken as plain words."""
    return " ".join(f'"{word}"' for word in WORD.findall(q))


def _public(*columns) -> sa.Select:
    """``columns`` of published postings of verified organizations (joined)."""
    return (sa.select(*columns).select_from(Opportunity).join(Opportunity.organization)
            .where(Opportunity.status == OpportunityStatus.PUBLISHED,
                   Organization.status == OrganizationStatus.VERIFIED))


def public_postings() -> sa.Select:
    """Published postings of verified organizations: what students may see."""
    return _public(Opportunity).options(contains_eager(Opportunity.organization))


def featured_postings(limit: int = 3) -> list[Opportunity]:
    """Public postings with a paid feature running, newest feature first."""
    now = utcnow()
    # Almost always none: one look at the partial index, without the ORM, says so.
    if db.session.execute(sa.select(Opportunity.id).where(
            Opportunity.featured_until > now).limit(1)).first() is None:
        return []
    return list(db.session.scalars(
        public_postings().where(Opportunity.featured_until > now)
        .order_by(Opportunity.featured_until.desc(), Opportunity.id.desc()).limit(limit)
    ).unique())


@dataclass
class Page:
    items: list  # postings, or card rows (``browse(cards=True)``)
    next_cursor: str | None
    # Best match ranked only this many of the newest matching postings: there are more.
    ranked_window: int | None = None
    # First page of cards: whether any posting is featured now (None: not asked).
    any_featured: bool | None = None


def _matching(filters: BrowseFilters, *columns, organization: bool = True
              ) -> tuple[sa.Select, sa.ColumnElement | None]:
    """``columns`` of the public postings that pass ``filters``, and the text rank
    (None without a search). With ``organization``, the organization is joined (for
    its columns); without, its status is checked by a subquery."""
    if organization:
        statement = _public(*columns)
    else:
        # The same rule without a join: the few organizations not verified, as a
        # hashed set the newest-first index walk checks each posting against.
        statement = sa.select(*columns).where(
            Opportunity.status == OpportunityStatus.PUBLISHED,
            Opportunity.organization_id.not_in(sa.select(Organization.id).where(
                Organization.status != OrganizationStatus.VERIFIED)))
    if filters.kind:
        statement = statement.where(Opportunity.kind == filters.kind)
    if filters.cluster:
        statement = statement.where(Opportunity.career_cluster == filters.cluster)
    if filters.remote:
        statement = statement.where(Opportunity.work_mode == filters.remote)
    if filters.paid is not None:
        statement = statement.where(Opportunity.paid.is_(filters.paid))
    if filters.location:
        pattern = "%" + filters.location.replace("\\", "\\\\").replace("%", "\\%") \
            .replace("_", "\\_") + "%"
        statement = statement.where(Opportunity.location.ilike(pattern, escape="\\"))
    if not filters.q:
        return statement, None
    if db.session.get_bind().dialect.name == "postgresql":
        vector = sa.literal_column("opportunity.search_vector")
        # The words go into the SQL text (quoted by SQLAlchemy), not as a parameter: a
        # prepared statement's generic plan cannot tell a rare word from a common one,
        # and for a common word it ranked every match (20 ms at 100,000 postings).
        words = sa.bindparam("search_words", filters.q, type_=sa.String, literal_execute=True)
        query = sa.func.websearch_to_tsquery("english", words)
        rank = sa.cast(sa.func.ts_rank_cd(vector, query), sa.Float(precision=53))
        return statement.where(vector.op("@@")(query)), rank
    matches = (sa.select(sa.literal_column("rowid").label("id"),
                         (-sa.func.bm25(sa.literal_column("opportunity_fts"))).label("rank"))
               .select_from(sa.text("opportunity_fts"))
               .where(sa.text("opportunity_fts MATCH :fts_query"))
               .subquery())
    statement = statement.join(matches, matches.c.id == Opportunity.id).params(
        fts_query=fts5_query(filters.q))
    return statement, matches.c.rank


# What a result card shows: a page of these costs a fraction of loading whole postings
# (with their JSON columns and full descriptions) and their organizations.
CARD_COLUMNS = (
    Opportunity.id, Opportunity.title, Opportunity.kind, Opportunity.work_mode,
    Opportunity.location, Opportunity.paid, Opportunity.application_deadline,
    Opportunity.career_cluster, Opportunity.published_at,
    # Enough of the description for the excerpt (``text.plain_excerpt`` reads 880).
    sa.func.substr(Opportunity.description, 1, 1000).label("description"),
    Organization.name.label("organization_name"),
)


# Postings again, for the featured check beside a page's own query (made once: an
# alias of the table costs a proxy per column to build).
FEATURED = Opportunity.__table__.alias("featured")


def browse(filters: BrowseFilters, cards: bool = False) -> Page:
    """One page of public postings and the cursor of the next page (None at the end).

    Items are whole postings, or with ``cards`` rows of ``CARD_COLUMNS``.

    Best match ranks the ``RANK_WINDOW`` newest matching postings, not every match:
    ranking reads each candidate's whole text vector, so a common word among a
    hundred thousand postings would cost tens of milliseconds, while the newest few
    hundred are found along the newest-first index. The page says when the window
    is full; newest and deadline order still reach every match.
    """
    columns = CARD_COLUMNS if cards else (Opportunity,)
    relevance = bool(filters.q) and filters.sort == "relevance"
    if relevance:
        # Without joining the organization: joined here, it hides from the planner how
        # many postings match, and it would rank every match instead of walking the index.
        candidates, rank = _matching(filters, Opportunity.id.label("id"), organization=False)
        window = (candidates.add_columns(rank.label("rank"))
                  .order_by(Opportunity.published_at.desc(), Opportunity.id.desc())
                  .limit(RANK_WINDOW).cte("ranked_window"))
        statement = (_public(*columns).join(window, window.c.id == Opportunity.id)
                     .add_columns(window.c.rank.label("search_rank"),
                                  sa.select(sa.func.count()).select_from(window)
                                  .scalar_subquery().label("window_size")))
        key, descending = window.c.rank, True
    else:
        statement, _ = _matching(filters, *columns)
        if filters.sort == "deadline":
            key, descending = Opportunity.application_deadline, False
        else:
            key, descending = Opportunity.published_at, True
    if not cards:
        statement = statement.options(contains_eager(Opportunity.organization))
    elif filters.cursor is None:
        # Whether the featured strip has anything to show, in the same round trip.
        statement = statement.add_columns(
            sa.exists().where(FEATURED.c.featured_until > utcnow()).label("any_featured"))
    if filters.cursor is not None:
        # A row comparison, (key, id) < (last key, last id), not the same test spelt with
        # OR: the database walks the index from the cursor instead of from the first page
        # (page 500 of 20 read 10,000 postings to throw them away).
        after = sa.tuple_(key, Opportunity.id)
        last = tuple(filters.cursor)  # bound with the columns' own types
        statement = statement.where(after < last if descending else after > last)
    order = (key.desc(), Opportunity.id.desc()) if descending else (key.asc(), Opportunity.id.asc())
    rows = db.session.execute(statement.order_by(*order).limit(filters.limit + 1)).all()
    items = rows if cards else [row[0] for row in rows]
    page = Page(items, None)
    if relevance and rows and rows[0].window_size >= RANK_WINDOW:
        page.ranked_window = RANK_WINDOW
    if cards and filters.cursor is None and rows:
        page.any_featured = rows[0].any_featured
    if len(items) > filters.limit:
        page.items = items[: filters.limit]
        last_row = rows[filters.limit - 1]
        last = last_row if cards else last_row[0]
        sort_value = (last_row.search_rank if relevance
                      else last.application_deadline if filters.sort == "deadline"
                      else last.published_at)
        page.next_cursor = encode_cursor(filters.sort, sort_value, last.id)
    return page
