"""campaigns remember the school their segment was limited to (a school's staff see
their school's campaigns only)

Revision ID: 0022_campaign_school
Revises: 0020_schools
Create Date: 2026-12-01 09:00:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0022_campaign_school'
down_revision = '0020_schools'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.add_column(sa.Column('school_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_campaign_school_id'), ['school_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_campaign_school_id_school'), 'school',
                                    ['school_id'], ['id'])


def downgrade():
    with op.batch_alter_table('campaign', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_campaign_school_id_school'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_campaign_school_id'))
        batch_op.drop_column('school_id')
