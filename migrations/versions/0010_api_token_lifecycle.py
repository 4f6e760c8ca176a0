"""api token lifecycle: a name, an expiry (90 days for tokens issued before)

Revision ID: 0010_api_token_lifecycle
Revises: 0009_organization_changes
Create Date: 2026-11-29 22:15:00.000000

"""
from datetime import UTC, datetime, timedelta

from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0010_api_token_lifecycle'
down_revision = '0009_organization_changes'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("api_token") as batch:
        batch.add_column(sa.Column("name", sa.String(80), nullable=False,
                                   server_default="API token"))
        batch.add_column(sa.Column("expires_at", sa.DateTime(timezone=True), nullable=True))
    # Tokens issued before expiry existed: 90 days from today, announced in the notes.
    op.execute(sa.text("UPDATE api_token SET expires_at = :until WHERE expires_at IS NULL")
               .bindparams(until=datetime.now(UTC) + timedelta(days=90)))
    with op.batch_alter_table("api_token") as batch:
        batch.alter_column("expires_at", existing_type=sa.DateTime(timezone=True),
                           nullable=False)


def downgrade():
    with op.batch_alter_table("api_token") as batch:
        batch.drop_column("expires_at")
        batch.drop_column("name")
