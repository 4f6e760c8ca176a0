"""Browse and full-text search of published postings, with keyset pagination.

PostgreSQL searches a generated ``tsvector`` (GIN index), SQLite an FTS5 index;
what the words mean (any of them matches, all of them rank first) is in
``search``. Pages are cut by a cursor holding the last row's sort key and id, so
page 500 costs what page 1 does and the number of queries per page is fixed: the
count of matches rides in the page's own query.

Result cards are the same for every reader of the same search, so a page of them is
kept (the results cache, ``init_app``) under the catalog version it was read at: the
next reader of that search, signed in or not, gets it without its query until a posting
or an organization changes. What is personal is never kept: which of them a student
saved is asked per request, and best match without words is kept per set of clusters.
In a district what a reader may see depends on their school (``audience``): pages are
kept per school.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, selectinload

from marketplace.blueprints.accounts.models import (
    Organization,
    OrganizationStatus,
    User,
)
from marketplace.blueprints.accounts.policies import staff_school_limit
from marketplace.blueprints.accounts.services import viewer_clusters
from marketplace.blueprints.opportunities.audience import open_to_school, student_school_id
from marketplace.blueprints.opportunities.models import (
    Opportunity,
    OpportunityStatus,
)
from marketplace.blueprints.opportunities.pagecache import add_kept_values, kept_until_change
from marketplace.blueprints.opportunities.search import TYPO_FALLBACK, Search
from marketplace.core.db import utcnow
from marketplace.core.extensions import db
from marketplace.core.policies import Role

SORTS = ("relevance", "newest", "deadline")


PAGE_SIZE = 20


MAX_PAGE_SIZE = 50


MAX_QUERY_LENGTH = 200


RANK_WINDOW = 300


# Matches are counted up to this many; past it the page says "1,000+".
COUNT_BOUND = 1000


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
    # A signed-in student: best match without words puts their clusters first.
    student_id: int | None = None
    # Whose postings (``audience``): those open to every school and, with ``school_id``,
    # to that school too (a student's, a school's staff's); ``every_school``: all of them
    # (district or college staff). Set from the reader by ``reader_filters``.
    school_id: int | None = None
    every_school: bool = False

    @property
    def default_sort(self) -> str:
        return "relevance" if self.q or self.student_id else "newest"

    def as_args(self) -> dict:
        """The filters as URL arguments (without the cursor), for links and bookmarks."""
        args = {"q": self.q, "kind": self.kind, "cluster": self.cluster, "remote": self.remote,
                "location": self.location,
                "paid": "" if self.paid is None else ("true" if self.paid else "false")}
        if self.sort != self.default_sort:
            args["sort"] = self.sort
        return {key: value for key, value in args.items() if value}

    def audience(self) -> sa.ColumnElement[bool]:
        """The WHERE clause keeping the postings these readers may see."""
        return sa.true() if self.every_school else open_to_school(self.school_id)


def reader_filters(user) -> dict:
    """The ``BrowseFilters`` fields that depend on who reads: a student (best match by
    their clusters; their school's postings), staff (their school's, or every school's),
    anyone else nothing (postings open to every school)."""
    if not getattr(user, "is_authenticated", False):
        return {}
    if user.role is Role.STUDENT:
        return {"student_id": user.id, "school_id": student_school_id(user)}
    if user.role is Role.STAFF:
        school_id = staff_school_limit(user)
        return {"school_id": school_id, "every_school": school_id is None}
    return {}




class Cursor(tuple):
    """(last sort key, last id); ``typos``: the pages before forgave typos, so this one
    does too (whether a search forgives them is decided on its first page)."""

    typos: bool = False


def encode_cursor(sort: str, key, row_id: int, typos: bool = False) -> str:
    if isinstance(key, (date, datetime)):
        key = key.isoformat()
    elif isinstance(key, tuple):  # best match without words: (in the clusters, published)
        key = [key[0], key[1].isoformat()]
    fields = [sort, key, row_id, 1] if typos else [sort, key, row_id]
    raw = json.dumps(fields, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def decode_cursor(text: str, sort: str) -> tuple | None:
    if len(text) > 200:
        return None
    try:
        raw = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
        cursor_sort, key, row_id, *flags = json.loads(raw)
    except (binascii.Error, ValueError, TypeError, UnicodeDecodeError):
        return None
    if cursor_sort != sort or not isinstance(row_id, int) or isinstance(row_id, bool):
        return None
    if flags not in ([], [1]):
        return None
    try:
        if sort == "newest":
            key = datetime.fromisoformat(key)
            if key.tzinfo is None:
                return None
        elif sort == "deadline":
            key = date.fromisoformat(key)
        elif isinstance(key, list):
            flag, published = key
            key = (flag, datetime.fromisoformat(published))
            if flag not in (0, 1) or isinstance(flag, bool) or key[1].tzinfo is None:
                return None
        elif not isinstance(key, (int, float)) or isinstance(key, bool):
            return None
    except (TypeError, ValueError):
        return None
    cursor = Cursor((key, row_id))
    cursor.typos = bool(flags)
    return cursor


def _public(*columns) -> sa.Select:
    """``columns`` of published postings of verified organizations (joined)."""
    return (sa.select(*columns).select_from(Opportunity).join(Opportunity.organization)
            .where(Opportunity.status == OpportunityStatus.PUBLISHED,
                   Organization.status == OrganizationStatus.VERIFIED))


def public_postings(school_id: int | None = None) -> sa.Select:
    """Published postings of verified organizations open to every school and, with
    ``school_id``, to that school: what a student of it (or without one) may see."""
    return (_public(Opportunity).where(open_to_school(school_id))
            .options(contains_eager(Opportunity.organization)))


def featured_postings(limit: int = 3, filters: BrowseFilters | None = None) -> list[Opportunity]:
    """Public postings with a paid feature running, newest feature first: those the
    readers of ``filters`` may see (without: those open to every school)."""
    now = utcnow()
    # Almost always none: one look at the partial index, without the ORM, says so.
    if db.session.execute(sa.select(Opportunity.id).where(
            Opportunity.featured_until > now).limit(1)).first() is None:
        return []
    audience = filters.audience() if filters is not None else open_to_school(None)
    return list(db.session.scalars(
        _public(Opportunity).where(audience, Opportunity.featured_until > now)
        .options(contains_eager(Opportunity.organization))
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
    # How many postings match, exactly or (``total_is_estimate``) at least this many.
    total: int = 0
    total_is_estimate: bool = False


def _matching(filters: BrowseFilters, *columns, organization: bool = True,
              search: Search | None = None) -> sa.Select:
    """``columns`` of the public postings that pass ``filters`` and ``search``. With
    ``organization``, the organization is joined (for its columns); without, its
    status is checked by a subquery."""
    if organization:
        statement = _public(*columns)
    else:
        # The same rule without a join: the few organizations not verified, as a
        # hashed set the newest-first index walk checks each posting against.
        statement = sa.select(*columns).where(
            Opportunity.status == OpportunityStatus.PUBLISHED,
            Opportunity.organization_id.not_in(sa.select(Organization.id).where(
                Organization.status != OrganizationStatus.VERIFIED)))
    statement = statement.where(filters.audience())
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
    return statement if search is None else search.apply(statement)


def _count(filters: BrowseFilters, search: Search | None) -> sa.ScalarSelect:
    """How many postings match, up to ``COUNT_BOUND`` + 1 (then there are more)."""
    matching = _matching(filters, Opportunity.id, organization=False, search=search)
    return (sa.select(sa.func.count()).select_from(matching.limit(COUNT_BOUND + 1).subquery())
            .scalar_subquery())


def _clusters_first(filters: BrowseFilters, clusters: tuple[str, ...]) -> sa.Subquery:
    """Ids of the next page in best-match order without words: the postings in the
    student's clusters newest first, then the others newest first.

    Two walks down the newest-first index (one page each), not a sort of every posting
    by a computed flag; the cursor says which walk it is in and where.
    """
    clusters = list(clusters)
    parts = []
    for flag, in_part in ((1, Opportunity.career_cluster.in_(clusters)),
                          (0, Opportunity.career_cluster.not_in(clusters))):
        part = _matching(filters, Opportunity.id.label("id"),
                         sa.literal(flag).label("cluster_first"), organization=False)
        part = part.where(in_part)
        if filters.cursor is not None:
            (cursor_flag, published), last_id = filters.cursor
            if cursor_flag < flag:
                continue  # this walk is behind the cursor already
            if cursor_flag == flag:
                part = part.where(sa.tuple_(Opportunity.published_at, Opportunity.id)
                                  < (published, last_id))
        part = (part.order_by(Opportunity.published_at.desc(), Opportunity.id.desc())
                .limit(filters.limit + 1).subquery())
        parts.append(sa.select(part.c.id, part.c.cluster_first))
    return sa.union_all(*parts).subquery("clusters_first")


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


def init_app(app) -> None:
    add_kept_values(app, "results_cache")


def clusters_of(student_id: int) -> tuple[str, ...]:
    """The student's clusters, sorted (read with the signed-in person: no query)."""
    student = db.session.get(User, student_id)
    return viewer_clusters(student) if student is not None else ()


def browse(filters: BrowseFilters, cards: bool = False) -> Page:
    """One page of public postings and the cursor of the next page (None at the end).

    A search is first run with its words as typed; when they find fewer than
    ``TYPO_FALLBACK`` postings and the search is short, it is run again forgiving typos
    (see ``search``), and its later pages too (their cursor says so).

    Pages of cards are kept in the results cache under the catalog version (see the
    module's note); a kept page is the same object for every reader, not to be changed.
    """
    clusters = None
    if filters.sort == "relevance" and not filters.q:  # best match without words
        clusters = clusters_of(filters.student_id) if filters.student_id is not None else ()
    if not cards:
        return _search(filters, cards, clusters)
    # The readers' school too: a student of one school never gets another's kept page.
    key = (filters.q, filters.kind, filters.cluster, filters.remote, filters.paid,
           filters.location, filters.sort, filters.limit, clusters,
           "every school" if filters.every_school else filters.school_id,
           None if filters.cursor is None
           else (tuple(filters.cursor), getattr(filters.cursor, "typos", False)))
    return kept_until_change("results_cache", key,
                             lambda: _search(filters, cards, clusters))


def _search(filters: BrowseFilters, cards: bool, clusters: tuple[str, ...] | None) -> Page:
    if not filters.q:
        return _browse(filters, cards, None, clusters)
    dialect = db.session.get_bind().dialect.name
    typos = getattr(filters.cursor, "typos", False)
    page = _browse(filters, cards, Search(filters.q, dialect, typos=typos))
    if filters.cursor is None and page.total < TYPO_FALLBACK:
        forgiving = Search(filters.q, dialect)
        if forgiving.forgives_typos:
            page = _browse(filters, cards, forgiving)
    return page


def _browse(filters: BrowseFilters, cards: bool, search: Search | None,
            clusters: tuple[str, ...] | None = None) -> Page:
    """One page of ``browse``, with ``search`` for the words (None without words).

    Items are whole postings, or with ``cards`` rows of ``CARD_COLUMNS``.

    Best match with words ranks the ``RANK_WINDOW`` newest matching postings, not every
    match: ranking reads each candidate's whole text vector, so a common word among a
    hundred thousand postings would cost tens of milliseconds, while the newest few
    hundred are found along the newest-first index. The page says when the window is
    full; newest and deadline order still reach every match. Best match without words
    puts a student's career ``clusters`` first, then the newest.

    The page's query also counts the matches (up to ``COUNT_BOUND``): still one query.
    """
    columns = CARD_COLUMNS if cards else (Opportunity,)
    relevance = filters.sort == "relevance"
    clusters_first = relevance and search is None and clusters is not None
    keys: tuple
    if relevance and search is not None:
        search.prepare(db.session)
        # Without joining the organization: joined here, it hides from the planner how
        # many postings match, and it would rank every match instead of walking the index.
        candidates = _matching(filters, Opportunity.id.label("id"), organization=False,
                               search=search)
        window = (candidates.add_columns(search.score.label("rank"))
                  .order_by(Opportunity.published_at.desc(), Opportunity.id.desc())
                  .limit(RANK_WINDOW).cte("ranked_window"))
        statement = (_public(*columns).join(window, window.c.id == Opportunity.id)
                     .add_columns(window.c.rank.label("search_rank"),
                                  sa.select(sa.func.count()).select_from(window)
                                  .scalar_subquery().label("window_size")))
        keys, descending = (window.c.rank,), True
    elif clusters_first:
        page_ids = _clusters_first(filters, clusters)
        statement = (_public(*columns).join(page_ids, page_ids.c.id == Opportunity.id)
                     .add_columns(page_ids.c.cluster_first.label("cluster_first")))
        keys, descending = (page_ids.c.cluster_first, Opportunity.published_at), True
    else:
        if search is not None:
            search.prepare(db.session)
        statement = _matching(filters, *columns, search=search)
        if filters.sort == "deadline":
            keys, descending = (Opportunity.application_deadline,), False
        else:
            keys, descending = (Opportunity.published_at,), True
    statement = statement.add_columns(_count(filters, search).label("total"))
    if not cards:
        # The API shows each posting's schools: one more query per page, not per posting.
        statement = statement.options(contains_eager(Opportunity.organization),
                                      selectinload(Opportunity.school_rows))
    elif filters.cursor is None:
        # Whether the featured strip has anything to show, in the same round trip.
        statement = statement.add_columns(
            sa.exists().where(FEATURED.c.featured_until > utcnow()).label("any_featured"))
    if filters.cursor is not None and not clusters_first:  # those walks start at it
        # A row comparison, (key, id) < (last key, last id), not the same test spelt with
        # OR: the database walks the index from the cursor instead of from the first page
        # (page 500 of 20 read 10,000 postings to throw them away).
        after = sa.tuple_(*keys, Opportunity.id)
        last = tuple(filters.cursor)  # bound with the columns' own types
        statement = statement.where(after < last if descending else after > last)
    order = [key.desc() if descending else key.asc() for key in (*keys, Opportunity.id)]
    rows = db.session.execute(statement.order_by(*order).limit(filters.limit + 1)).all()
    items = rows if cards else [row[0] for row in rows]
    page = Page(items, None)
    if rows:
        total = rows[0].total
    elif filters.cursor is not None:  # past the last match: counted on its own
        total = db.session.scalar(sa.select(_count(filters, search)))
    else:
        total = 0
    page.total, page.total_is_estimate = min(total, COUNT_BOUND), total > COUNT_BOUND
    if relevance and search is not None and rows and rows[0].window_size >= RANK_WINDOW:
        page.ranked_window = RANK_WINDOW
    if cards and filters.cursor is None and rows:
        page.any_featured = rows[0].any_featured
    if len(items) > filters.limit:
        page.items = items[: filters.limit]
        last_row = rows[filters.limit - 1]
        last = last_row if cards else last_row[0]
        sort_value = (last_row.search_rank if relevance and search is not None
                      else (last_row.cluster_first, last.published_at) if clusters_first
                      else last.application_deadline if filters.sort == "deadline"
                      else last.published_at)
        page.next_cursor = encode_cursor(filters.sort, sort_value, last.id,
                                         typos=search is not None and search.forgives_typos)
    return page
