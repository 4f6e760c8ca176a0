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
# exactly when it can see the change. A commit touching many rows bumps once.
PG_FUNCTION = """
CREATE FUNCTION bump_catalog_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    UPDATE catalog_version
       SET version = version + 1, bumped_by = txid_current(), bumped_at = statement_timestamp()
     WHERE id = 1
       AND (bumped_by IS DISTINCT FROM txid_current()
            OR bumped_at IS DISTINCT FROM statement_timestamp());
    RETURN NULL;
END
$$
"""
PG_TRIGGER = """
CREATE CONSTRAINT TRIGGER {table}_catalog_version
AFTER INSERT OR UPDATE OR DELETE ON {table}
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW EXECUTE FUNCTION bump_catalog_version()
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
    sa.Column('bumped_by', sa.BigInteger(), nullable=True),
    sa.Column('bumped_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_catalog_version'))
    )
    op.execute("INSERT INTO catalog_version (id, version) VALUES (1, 0)")
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_FUNCTION)
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
    elif dialect == "sqlite":
        for table in TABLES:
            for event in SQLITE_EVENTS:
                op.execute(f"DROP TRIGGER IF EXISTS {table}_catalog_version_{event}")
    op.drop_table('catalog_version')
