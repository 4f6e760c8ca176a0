"""outcome reports: what the annual outcomes report needs (nothing yet)

Revision ID: 0018_outcome_reports
Revises: 0017_campaigns
Create Date: 2026-11-30 03:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0018_outcome_reports'
down_revision = '0017_campaigns'
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
