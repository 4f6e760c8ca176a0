"""Schema objects that exist only in the migrations: full-text search (see 0003)
and the trigram index for typos (0013).

The FTS5 table and its shadow tables on SQLite, the generated tsvector column
and its GIN index on PostgreSQL, and the trigram index over titles and skills
are written by the database, never the ORM.
Autogenerate and the migration test use this filter so they do not report them.
"""

from __future__ import annotations


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    if type_ == "table" and name and name.startswith("opportunity_fts"):
        return False
    if type_ == "column" and name == "search_vector":
        return False
    if type_ == "index" and name in ("ix_opportunity_search_vector",
                                     "ix_opportunity_search_trigram"):
        return False
    return True
