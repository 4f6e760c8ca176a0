"""outreach campaigns: segments, a stored holdout, messages and unsubscribes

Revision ID: 0017_campaigns
Revises: 0016_events
Create Date: 2026-11-30 03:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0017_campaigns'
down_revision = '0016_events'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('campaign',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('graduation_year', sa.Integer(), nullable=False),
    sa.Column('missing_outcome', sa.String(length=40), nullable=False),
    sa.Column('group_by', sa.String(length=40), nullable=True),
    sa.Column('group_value', sa.String(length=200), nullable=True),
    sa.Column('subject', sa.String(length=150), nullable=False),
    sa.Column('message', sa.Text(), nullable=False),
    sa.Column('next_step', sa.Enum('mentor', 'document_review', 'posting', 'outcomes', name='nextstep', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('posting_id', sa.Integer(), nullable=True),
    sa.Column('holdout_percent', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('sending', 'sent', name='campaignstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('segment_size', sa.Integer(), nullable=False),
    sa.Column('holdout_size', sa.Integer(), nullable=False),
    sa.Column('sent', sa.Integer(), nullable=False),
    sa.Column('skipped_recent', sa.Integer(), nullable=False),
    sa.Column('skipped_unsubscribed', sa.Integer(), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('finished_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_campaign_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['posting_id'], ['opportunity.id'], name=op.f('fk_campaign_posting_id_opportunity')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_campaign'))
    )
    op.create_table('campaign_member',
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('arm', sa.Enum('contacted', 'holdout', 'skipped_recent', 'skipped_unsubscribed', name='arm', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_member_campaign_id_campaign')),
    sa.ForeignKeyConstraint(['student_id'], ['user_account.id'], name=op.f('fk_campaign_member_student_id_user_account')),
    sa.PrimaryKeyConstraint('campaign_id', 'student_id', name=op.f('pk_campaign_member'))
    )
    op.create_index(op.f('ix_campaign_member_student_id'), 'campaign_member', ['student_id'], unique=False)
    op.create_table('campaign_contact',
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('last_sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('campaign_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['campaign_id'], ['campaign.id'], name=op.f('fk_campaign_contact_campaign_id_campaign')),
    sa.ForeignKeyConstraint(['student_id'], ['user_account.id'], name=op.f('fk_campaign_contact_student_id_user_account')),
    sa.PrimaryKeyConstraint('student_id', name=op.f('pk_campaign_contact'))
    )
    op.create_table('campaign_opt_out',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_campaign_opt_out_user_id_user_account')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_campaign_opt_out'))
    )


def downgrade():
    op.drop_table('campaign_opt_out')
    op.drop_table('campaign_contact')
    op.drop_index(op.f('ix_campaign_member_student_id'), table_name='campaign_member')
    op.drop_table('campaign_member')
    op.drop_table('campaign')
