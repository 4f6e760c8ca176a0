"""catalog version: a count of committed changes to postings and organizations

Revision ID: 0008_catalog_version
Revises: 0007_payments
Create Date: 2026-11-23 02:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0008_catalog_version'
down_revision = '0007_payments'
branch_labels = None
depends_on = None

TABLES = ("opportunity", "organization")

# PostgreSQL: a deferred constraint trigger bumps the version at commit, so the
# row is locked only while a transaction commits (never across its statements,
# where two writers could deadlock on it), and a reader sees the new version
# exactly when it can see the change. Its WHEN condition runs as each row changes
# and queues the bump for the first row of each statement only, so an UPDATE of
# many rows costs one bump, not one per row.
PG_FUNCTIONS = [
    """
CREATE FUNCTION catalog_first_change_of_statement() RETURNS boolean LANGUAGE plpgsql AS $$
DECLARE
    mark text := txid_current()::text || ' ' || statement_timestamp()::text;
BEGIN
    IF current_setting('catalog.changed', true) IS NOT DISTINCT FROM mark THEN
        RETURN false;
    END IF;
    PERFORM set_config('catalog.changed', mark, true);
    RETURN true;
END
$$
""",
    """
CREATE FUNCTION bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
    RETURN NULL;
END
$$
""",
]
PG_TRIGGER = """
CREATE CONSTRAINT TRIGGER {table}_catalog_version
AFTER INSERT OR UPDATE OR DELETE ON {table}
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW WHEN (catalog_first_change_of_statement())
EXECUTE FUNCTION bump_catalog_version()
"""
# SQLite has one writer at a time: a plain trigger in the writing transaction.
SQLITE_TRIGGER = """
CREATE TRIGGER {table}_catalog_version_{event} AFTER {event} ON {table} BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END
"""
SQLITE_EVENTS = ("insert", "update", "delete")


def upgrade():
    op.create_table('catalog_version',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('version', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_version'))
    )
    op.execute("INSERT INTO catalog_version (id, version) VALUES (1, 0)")
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for function in PG_FUNCTIONS:
            op.execute(function)
        for table in TABLES:
            op.execute(PG_TRIGGER.format(table=table))
    elif dialect == "sqlite":
        for table in TABLES:
            for event in SQLITE_EVENTS:
                op.execute(SQLITE_TRIGGER.format(table=table, event=event))


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        for table in TABLES:
            op.execute(f"DROP TRIGGER IF EXISTS {table}_catalog_version ON {table}")
        op.execute("DROP FUNCTION IF EXISTS bump_catalog_version()")
        op.execute("DROP FUNCTION IF EXISTS catalog_first_change_of_statement()")
    elif dialect == "sqlite":
        for table in TABLES:
            for event in SQLITE_EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_catalog_version_{event}")
    op.drop_table('catalog_version')
