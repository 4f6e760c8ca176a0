"""What a search's words mean, as SQL: any word matches, all of them rank first.

A search is cut into terms: each word, or a work-mode phrase ("on site", "in person").
A posting matches when any term does, and is ranked by how many terms it matches, then
by the text rank. A term matches the posting's text (title, description and location:
a place word finds the postings there), and a work-mode term ("remote", "hybrid",
"onsite") also the posting's work mode. A short search (one or two words) that finds
fewer than ``TYPO_FALLBACK`` postings as typed is run again forgiving a typo in the
title or skills: PostgreSQL compares trigrams (``pg_trgm``, migration 0013), SQLite the
edit distance in Python. A typo match ranks below any exact match. Comparing trigrams
costs a hundred times what the text index does, so a search that already finds what
was typed does not pay for it.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cached_property

import sqlalchemy as sa

from marketplace.blueprints.opportunities.models import Opportunity, WorkMode

WORD = re.compile(r"\w+", re.UNICODE)


# Words beyond these are ignored: each term is one more test per candidate.
MAX_TERMS = 8


# Typos are forgiven only in short searches, and only in words this long: a short word
# is one letter away from too many others ("data", "date").
TYPO_MAX_TERMS = 2
TYPO_MIN_LENGTH = 5


# Typos are forgiven only when the words as typed find fewer postings than this.
TYPO_FALLBACK = 20


# pg_trgm's word similarity of a word typed with one letter wrong or missing: "analist"
# to "Analyst" is 0.5, "nursng" to "Nursing" 0.57 (pg_trgm's default 0.6 misses both).
TRIGRAM_THRESHOLD = 0.45


# An exact match of one term outweighs any number of typo matches and the text rank.
TERM_WEIGHT = 10


# Bounds on the SQLite typo check, per posting.
TYPO_MAX_TOKENS = 60


WORK_MODE_WORDS = {
    ("remote",): WorkMode.REMOTE, ("remotely",): WorkMode.REMOTE,
    ("hybrid",): WorkMode.HYBRID,
    ("onsite",): WorkMode.ONSITE, ("on", "site"): WorkMode.ONSITE,
    ("in", "person"): WorkMode.ONSITE, ("inperson",): WorkMode.ONSITE,
}


# The text the typo check reads: the same expression as the trigram index (0013).
TRIGRAM_TEXT = "(opportunity.title || ' ' || opportunity.skills::text)"


@dataclass(frozen=True)
class Term:
    words: tuple[str, ...]
    work_mode: WorkMode | None = None
    typo: bool = False  # also matched with a typo

    @property
    def text(self) -> str:
        return " ".join(self.words)


def parse_terms(q: str) -> list[Term]:
    """The distinct terms of ``q``, at most ``MAX_TERMS``, in the order typed."""
    words = [word.lower() for word in WORD.findall(q)]
    terms: list[Term] = []
    seen: set[tuple[str, ...]] = set()
    i = 0
    while i < len(words) and len(terms) < MAX_TERMS:
        pair = tuple(words[i:i + 2])
        if len(pair) == 2 and pair in WORK_MODE_WORDS:
            key, i = pair, i + 2
        else:
            key, i = (words[i],), i + 1
        if key not in seen:
            seen.add(key)
            terms.append(Term(key, WORK_MODE_WORDS.get(key)))
    if len(terms) <= TYPO_MAX_TERMS:
        terms = [Term(t.words, t.work_mode, typo=t.work_mode is None and len(t.words) == 1
                      and len(t.words[0]) >= TYPO_MIN_LENGTH and not t.words[0].isdigit())
                 for t in terms]
    return terms


class Search:
    """The SQL of one search: ``apply`` a statement over ``opportunity`` to keep the
    postings that match, and order by ``score``. Built once per request, so a statement
    that uses it twice (the page and its count) binds each word once. Without ``typos``
    every word must be found as typed."""

    def __init__(self, q: str, dialect: str, typos: bool = True):
        self.terms = parse_terms(q)
        if not typos:
            self.terms = [Term(term.words, term.work_mode) for term in self.terms]
        self.postgresql = dialect == "postgresql"

    @property
    def forgives_typos(self) -> bool:
        return any(term.typo for term in self.terms)

    # -- PostgreSQL: the generated tsvector, and trigrams --------------------------------

    def _tsquery(self, index: int, term: Term) -> sa.ColumnElement:
        # The words go into the SQL text (quoted by SQLAlchemy), not as a parameter: a
        # prepared statement's generic plan cannot tell a rare word from a common one.
        words = sa.bindparam(f"search_words_{index}", term.text, type_=sa.String,
                             literal_execute=True)
        return sa.func.plainto_tsquery("english", words)

    @cached_property
    def _vector(self) -> sa.ColumnElement:
        return sa.literal_column("opportunity.search_vector")

    @cached_property
    def _any_tsquery(self) -> sa.ColumnElement:
        queries = [self._tsquery(i, term) for i, term in enumerate(self.terms)]
        combined = queries[0]
        for query in queries[1:]:
            combined = combined.op("||")(query)
        return combined

    # -- SQLite: the FTS5 index, and an edit distance ------------------------------------

    @cached_property
    def _fts_matches(self) -> sa.Subquery:
        """Postings whose text has any term, with their bm25 rank (higher is better)."""
        phrases = " OR ".join(f'"{term.text}"' for term in self.terms)
        return (sa.select(sa.literal_column("rowid").label("id"),
                          (-sa.func.bm25(sa.literal_column("opportunity_fts"))).label("rank"))
                .select_from(sa.text("opportunity_fts"))
                .where(sa.text("opportunity_fts MATCH :fts_any").bindparams(fts_any=phrases))
                .subquery("text_matches"))

    def _fts_term(self, index: int, term: Term) -> sa.ColumnElement:
        return Opportunity.id.in_(
            sa.select(sa.literal_column("rowid")).select_from(sa.text("opportunity_fts"))
            .where(sa.text(f"opportunity_fts MATCH :fts_{index}")
                   .bindparams(**{f"fts_{index}": f'"{term.text}"'})))

    # -- Both -------------------------------------------------------------------------

    @cached_property
    def _exact(self) -> list[sa.ColumnElement]:
        """Per term: the posting matches it exactly (its text, or its work mode)."""
        tests = []
        for index, term in enumerate(self.terms):
            text = (self._vector.op("@@")(self._tsquery(index, term)) if self.postgresql
                    else self._fts_term(index, term))
            if term.work_mode is not None:
                text = sa.or_(Opportunity.work_mode == term.work_mode, text)
            tests.append(text)
        return tests

    @cached_property
    def _typos(self) -> list[sa.ColumnElement]:
        tests = []
        for index, term in enumerate(self.terms):
            if not term.typo:
                continue
            if self.postgresql:
                word = sa.bindparam(f"search_typo_{index}", term.text, type_=sa.String,
                                    literal_execute=True)
                tests.append(word.op("<%", is_comparison=True)(
                    sa.literal_column(TRIGRAM_TEXT)))
            else:
                tests.append(sa.func.search_typo(term.text, Opportunity.title,
                                                 Opportunity.skills) == 1)
        return tests

    @cached_property
    def _match(self) -> sa.ColumnElement:
        if self.postgresql:
            text = self._vector.op("@@")(self._any_tsquery)
        else:
            text = self._fts_matches.c.id.is_not(None)
        modes = {term.work_mode for term in self.terms if term.work_mode is not None}
        return sa.or_(text, *(Opportunity.work_mode == mode for mode in sorted(modes)),
                      *self._typos)

    def apply(self, statement: sa.Select) -> sa.Select:
        """``statement`` keeping only the postings that match."""
        if not self.postgresql:
            statement = statement.outerjoin(self._fts_matches,
                                            self._fts_matches.c.id == Opportunity.id)
        return statement.where(self._match)

    @cached_property
    def score(self) -> sa.ColumnElement:
        """Ten for each term matched exactly, one for each matched with a typo, plus the
        text rank scaled into [0, 1): all the words first, then most of them."""
        if self.postgresql:
            rank = sa.cast(sa.func.ts_rank_cd(self._vector, self._any_tsquery, 32),
                           sa.Float(precision=53))
        else:
            raw = sa.func.coalesce(self._fts_matches.c.rank, 0.0)
            rank = sa.func.max(raw, 0.0) / (sa.func.max(raw, 0.0) + 1.0)
        exact = sum((sa.case((test, TERM_WEIGHT), else_=0) for test in self._exact),
                    sa.literal(0))
        typos = sum((sa.case((test, 1), else_=0) for test in self._typos), sa.literal(0))
        return sa.cast(exact + typos, sa.Float(precision=53)) + rank

    def prepare(self, session) -> None:
        """Ready the connection for this search (PostgreSQL: the typo threshold, for
        this transaction only)."""
        if self.postgresql and self.forgives_typos:
            session.execute(sa.text(
                f"SET LOCAL pg_trgm.word_similarity_threshold = {TRIGRAM_THRESHOLD}"))


def _within_one_or_two(word: str, token: str) -> bool:
    """Whether ``token`` is ``word`` with at most one edit (two for long words): an
    insertion, deletion, substitution or two letters swapped."""
    limit = 1 if len(word) < 8 else 2
    if abs(len(word) - len(token)) > limit:
        return False
    if word == token:
        return True
    previous2: list[int] = []
    previous = list(range(len(token) + 1))
    for i, a in enumerate(word, 1):
        current = [i] + [0] * len(token)
        for j, b in enumerate(token, 1):
            current[j] = min(previous[j] + 1, current[j - 1] + 1,
                             previous[j - 1] + (a != b))
            if i > 1 and j > 1 and a == token[j - 2] and word[i - 2] == b:
                current[j] = min(current[j], previous2[j - 2] + 1)
        if min(current) > limit:
            return False
        previous2, previous = previous, current
    return previous[-1] <= limit


def typo_match(word: str, title: str | None, skills: str | None) -> int:
    """SQLite's ``search_typo``: 1 when a word of the title or skills is ``word`` with a
    typo. Bounded: at most ``TYPO_MAX_TOKENS`` words of each posting are read."""
    try:
        names = json.loads(skills) if skills else []
    except ValueError:
        names = []
    text = " ".join([title or "", *(name for name in names if isinstance(name, str))])
    return int(any(_within_one_or_two(word, token)
                   for token in WORD.findall(text.lower())[:TYPO_MAX_TOKENS]))


@sa.event.listens_for(sa.Engine, "connect")
def _register_sqlite_functions(dbapi_connection, connection_record):
    if type(dbapi_connection).__module__.startswith("sqlite3"):
        dbapi_connection.create_function("search_typo", 3, typo_match, deterministic=True)
