"""organization changes: a verified organization's new name or website waits for staff;
verified names are unique

Revision ID: 0009_organization_changes
Revises: 0008_catalog_version
Create Date: 2026-11-29 22:10:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0009_organization_changes'
down_revision = '0008_catalog_version'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("organization") as batch:
        batch.add_column(sa.Column("pending_name", sa.String(200), nullable=True))
        batch.add_column(sa.Column("pending_website", sa.String(300), nullable=True))
        batch.add_column(sa.Column("change_requested_at", sa.DateTime(timezone=True),
                                   nullable=True))
    # Two verified organizations can never show the same name (whatever its case).
    op.create_index("uq_organization_verified_name", "organization",
                    [sa.text("lower(name)")], unique=True,
                    postgresql_where=sa.text("status = 'verified'"),
                    sqlite_where=sa.text("status = 'verified'"))


def downgrade():
    op.drop_index("uq_organization_verified_name", table_name="organization")
    with op.batch_alter_table("organization") as batch:
        batch.drop_column("change_requested_at")
        batch.drop_column("pending_website")
        batch.drop_column("pending_name")
