"""events and career fairs: events, registrations and waitlists, check-in codes, employers at fairs, conversations

Revision ID: 0016_events
Revises: 0015_outcome_rules
Create Date: 2026-11-30 03:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0016_events'
down_revision = '0015_outcome_rules'
branch_labels = None
depends_on = None


# The ledger's source kinds, as SPEC "Outcomes from real work" names them; this migration
# adds ``event`` (a conversation an employer logged at an event). The CHECK constraint is
# written whole, so it holds whichever of the other kinds an earlier revision added.
SOURCE_KINDS = ('placement', 'mentoring', 'staff', 'career_plan', 'evaluation',
                'document_review', 'job_search')


def _source_kinds(kinds):
    with op.batch_alter_table('outcome_evidence', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outcome_evidence_sourcekind'), type_='check')
        batch_op.create_check_constraint(
            'sourcekind', "source_kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")")


def upgrade():
    op.create_table('checkin_code',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('code', sa.String(length=16), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['student_id'], ['user_account.id'], name=op.f('fk_checkin_code_student_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_checkin_code')),
    sa.UniqueConstraint('code', name=op.f('uq_checkin_code_code'))
    )
    with op.batch_alter_table('checkin_code', schema=None) as batch_op:
        batch_op.create_index('uq_checkin_code_live', ['student_id'], unique=True, sqlite_where=sa.text('retired_at IS NULL'), postgresql_where=sa.text('retired_at IS NULL'))

    op.create_table('event',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('workshop', 'info_session', 'career_fair', name='eventkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('title', sa.String(length=200), nullable=False),
    sa.Column('description', sa.Text(), nullable=False),
    sa.Column('host_organization_id', sa.Integer(), nullable=True),
    sa.Column('place', sa.String(length=300), nullable=False),
    sa.Column('video_link', sa.String(length=500), nullable=False),
    sa.Column('starts_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('ends_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('time_zone', sa.String(length=64), nullable=False),
    sa.Column('capacity', sa.Integer(), nullable=False),
    sa.Column('registered_count', sa.Integer(), nullable=False),
    sa.Column('waitlist_counter', sa.Integer(), nullable=False),
    sa.Column('registration_deadline', sa.DateTime(timezone=True), nullable=True),
    sa.Column('audience_years', sa.JSON(), nullable=False),
    sa.Column('audience_clusters', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum('draft', 'published', 'cancelled', name='eventstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('sequence', sa.Integer(), nullable=False),
    sa.CheckConstraint('capacity >= 1 AND capacity <= 5000', name=op.f('ck_event_capacity_range')),
    sa.CheckConstraint('ends_at > starts_at', name=op.f('ck_event_ends_after_start')),
    sa.CheckConstraint('registered_count >= 0 AND registered_count <= capacity', name=op.f('ck_event_registered_within_capacity')),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_event_created_by_id_user_account')),
    sa.ForeignKeyConstraint(['host_organization_id'], ['organization.id'], name=op.f('fk_event_host_organization_id_organization')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event'))
    )
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.create_index('ix_event_status_starts', ['status', 'starts_at'], unique=False)

    op.create_table('registration_pause',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('paused_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('reason', sa.String(length=300), nullable=False),
    sa.Column('lifted_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('lifted_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['lifted_by_id'], ['user_account.id'], name=op.f('fk_registration_pause_lifted_by_id_user_account')),
    sa.ForeignKeyConstraint(['student_id'], ['user_account.id'], name=op.f('fk_registration_pause_student_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_registration_pause'))
    )
    with op.batch_alter_table('registration_pause', schema=None) as batch_op:
        batch_op.create_index('uq_registration_pause_active', ['student_id'], unique=True, sqlite_where=sa.text('lifted_at IS NULL'), postgresql_where=sa.text('lifted_at IS NULL'))

    op.create_table('event_conversation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('representative_id', sa.Integer(), nullable=True),
    sa.Column('note', sa.Text(), nullable=False),
    sa.Column('follow_up', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('shared_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_conversation_event_id_event')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_event_conversation_organization_id_organization')),
    sa.ForeignKeyConstraint(['representative_id'], ['user_account.id'], name=op.f('fk_event_conversation_representative_id_user_account')),
    sa.ForeignKeyConstraint(['student_id'], ['user_account.id'], name=op.f('fk_event_conversation_student_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_conversation')),
    sa.UniqueConstraint('student_id', 'organization_id', 'event_id', name=op.f('uq_event_conversation_student_id_organization_id_event_id'))
    )
    with op.batch_alter_table('event_conversation', schema=None) as batch_op:
        batch_op.create_index('ix_event_conversation_event', ['event_id', 'organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_conversation_organization_id'), ['organization_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_conversation_student_id'), ['student_id'], unique=False)

    op.create_table('event_registration',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('registered', 'waitlisted', 'cancelled', 'attended', 'no_show', name='registrationstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('waitlist_position', sa.Integer(), nullable=True),
    sa.Column('walk_in', sa.Boolean(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('registered_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('cancelled_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_in_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('checked_in_by_id', sa.Integer(), nullable=True),
    sa.Column('no_show_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('reminder_sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['checked_in_by_id'], ['user_account.id'], name=op.f('fk_event_registration_checked_in_by_id_user_account')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_event_registration_event_id_event')),
    sa.ForeignKeyConstraint(['student_id'], ['user_account.id'], name=op.f('fk_event_registration_student_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_event_registration')),
    sa.UniqueConstraint('event_id', 'student_id', name=op.f('uq_event_registration_event_id_student_id'))
    )
    with op.batch_alter_table('event_registration', schema=None) as batch_op:
        batch_op.create_index('ix_event_registration_line', ['event_id', 'status', 'waitlist_position'], unique=False)
        batch_op.create_index(batch_op.f('ix_event_registration_student_id'), ['student_id'], unique=False)

    op.create_table('fair_employer',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('event_id', sa.Integer(), nullable=False),
    sa.Column('organization_id', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum('pending', 'approved', 'refused', name='fairstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('table_label', sa.String(length=40), nullable=False),
    sa.Column('representatives', sa.Integer(), nullable=False),
    sa.Column('recruiting_for', sa.String(length=500), nullable=False),
    sa.Column('registered_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_by_id', sa.Integer(), nullable=True),
    sa.CheckConstraint('representatives >= 1 AND representatives <= 20', name=op.f('ck_fair_employer_representatives_range')),
    sa.ForeignKeyConstraint(['decided_by_id'], ['user_account.id'], name=op.f('fk_fair_employer_decided_by_id_user_account')),
    sa.ForeignKeyConstraint(['event_id'], ['event.id'], name=op.f('fk_fair_employer_event_id_event')),
    sa.ForeignKeyConstraint(['organization_id'], ['organization.id'], name=op.f('fk_fair_employer_organization_id_organization')),
    sa.ForeignKeyConstraint(['registered_by_id'], ['user_account.id'], name=op.f('fk_fair_employer_registered_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_fair_employer')),
    sa.UniqueConstraint('event_id', 'organization_id', name=op.f('uq_fair_employer_event_id_organization_id'))
    )
    with op.batch_alter_table('fair_employer', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_fair_employer_organization_id'), ['organization_id'], unique=False)

    _source_kinds(SOURCE_KINDS + ('event',))


def downgrade():
    op.execute("DELETE FROM outcome_evidence WHERE source_kind = 'event'")
    _source_kinds(SOURCE_KINDS)
    with op.batch_alter_table('fair_employer', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_fair_employer_organization_id'))

    op.drop_table('fair_employer')
    with op.batch_alter_table('event_registration', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_registration_student_id'))
        batch_op.drop_index('ix_event_registration_line')

    op.drop_table('event_registration')
    with op.batch_alter_table('event_conversation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_event_conversation_student_id'))
        batch_op.drop_index(batch_op.f('ix_event_conversation_organization_id'))
        batch_op.drop_index('ix_event_conversation_event')

    op.drop_table('event_conversation')
    with op.batch_alter_table('registration_pause', schema=None) as batch_op:
        batch_op.drop_index('uq_registration_pause_active', sqlite_where=sa.text('lifted_at IS NULL'), postgresql_where=sa.text('lifted_at IS NULL'))

    op.drop_table('registration_pause')
    with op.batch_alter_table('event', schema=None) as batch_op:
        batch_op.drop_index('ix_event_status_starts')

    op.drop_table('event')
    with op.batch_alter_table('checkin_code', schema=None) as batch_op:
        batch_op.drop_index('uq_checkin_code_live', sqlite_where=sa.text('retired_at IS NULL'), postgresql_where=sa.text('retired_at IS NULL'))

    op.drop_table('checkin_code')
