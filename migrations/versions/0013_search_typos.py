"""search typos: pg_trgm and a trigram index over titles and skills (PostgreSQL only)

Revision ID: 0013_search_typos
Revises: 0013_email_ownership
Create Date: 2026-12-02 09:00:00.000000

"""
from alembic import op

# revision identifiers, used by Alembic.
revision = '0013_search_typos'
down_revision = '0013_email_ownership'
branch_labels = None
depends_on = None


# A short search forgives a typo in a posting's title or skills: `word <% text` with
# pg_trgm, on this index (the same expression as `search.TRIGRAM_TEXT`). SQLite checks
# the edit distance in Python instead (`search.typo_match`), so there is nothing to make.
# Like the full-text index of 0003, the models do not know it (see search_schema).
def upgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    # A trusted extension since PostgreSQL 13: the database's owner may create it.
    op.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    op.execute("CREATE INDEX ix_opportunity_search_trigram ON opportunity USING gin "
               "((title || ' ' || skills::text) gin_trgm_ops)")


def downgrade():
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute("DROP INDEX IF EXISTS ix_opportunity_search_trigram")
    # The extension stays: other databases' objects may use it, and it holds no data.
