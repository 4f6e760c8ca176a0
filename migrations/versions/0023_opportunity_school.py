"""postings open to some schools of a district only (none listed: every school); a change
to the list bumps the catalog version, as a change to the posting does

Revision ID: 0023_opportunity_school
Revises: 0022_campaign_school
Create Date: 2026-12-02 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0023_opportunity_school'
down_revision = '0022_campaign_school'
branch_labels = None
depends_on = None

# The kept pages of results (and visitors' pages) are valid for one catalog version: who
# may see a posting is part of what they show. The functions are 0008's.
PG_TRIGGER = """
CREATE CONSTRAINT TRIGGER opportunity_school_catalog_version
AFTER INSERT OR UPDATE OR DELETE ON opportunity_school
DEFERRABLE INITIALLY DEFERRED
FOR EACH ROW WHEN (catalog_first_change_of_statement())
EXECUTE FUNCTION bump_catalog_version()
"""
SQLITE_TRIGGER = """
CREATE TRIGGER opportunity_school_catalog_version_{event} AFTER {event} ON opportunity_school
BEGIN
    UPDATE catalog_version SET version = version + 1 WHERE id = 1;
END
"""
SQLITE_EVENTS = ("insert", "update", "delete")


def upgrade():
    op.create_table('opportunity_school',
    sa.Column('opportunity_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['opportunity_id'], ['opportunity.id'], name=op.f('fk_opportunity_school_opportunity_id_opportunity')),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_opportunity_school_school_id_school')),
    sa.PrimaryKeyConstraint('opportunity_id', 'school_id', name=op.f('pk_opportunity_school'))
    )
    with op.batch_alter_table('opportunity_school', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_opportunity_school_school_id'), ['school_id'], unique=False)
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute(PG_TRIGGER)
    elif dialect == "sqlite":
        for event in SQLITE_EVENTS:
            op.execute(SQLITE_TRIGGER.format(event=event))


def downgrade():
    dialect = op.get_bind().dialect.name
    if dialect == "postgresql":
        op.execute("DROP TRIGGER IF EXISTS opportunity_school_catalog_version "
                   "ON opportunity_school")
    elif dialect == "sqlite":
        for event in SQLITE_EVENTS:
            op.execute(f"DROP TRIGGER IF EXISTS opportunity_school_catalog_version_{event}")
    with op.batch_alter_table('opportunity_school', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_opportunity_school_school_id'))
    op.drop_table('opportunity_school')
