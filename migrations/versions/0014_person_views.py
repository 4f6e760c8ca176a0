"""person views: a look at a student's page of records is logged without an application

Revision ID: 0014_person_views
Revises: 0013_search_typos
Create Date: 2026-12-04 10:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0014_person_views'
down_revision = '0013_search_typos'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("record_access") as batch:
        batch.alter_column("application_id", existing_type=sa.Integer(), nullable=True)


def downgrade():
    # The old schema cannot hold a look at a whole record: those rows go.
    op.execute("DELETE FROM record_access WHERE application_id IS NULL")
    with op.batch_alter_table("record_access") as batch:
        batch.alter_column("application_id", existing_type=sa.Integer(), nullable=False)
