"""schools: district and schools, school staff, guardian consent, supervisors' hours and
evaluations; student profile fields for minors; placements that wait for consent

Revision ID: 0020_schools
Revises: 0019_credentials
Create Date: 2026-11-30 04:30:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0020_schools'
down_revision = '0019_credentials'
branch_labels = None
depends_on = None


def _placement_statuses(statuses):
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_placement_placementstatus'), type_='check')
        batch_op.create_check_constraint(
            'placementstatus', "status IN (" + ", ".join(f"'{s}'" for s in statuses) + ")")


def upgrade():
    op.create_table('institution_setting',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('college', 'district', name='institutionkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('min_wbl_hours', sa.Integer(), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_institution_setting'))
    )
    op.create_table('school',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('name', sa.String(length=200), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_school')),
    sa.UniqueConstraint('name', name=op.f('uq_school_name'))
    )
    op.create_table('school_staff',
    sa.Column('user_id', sa.Integer(), nullable=False),
    sa.Column('school_id', sa.Integer(), nullable=False),
    sa.ForeignKeyConstraint(['school_id'], ['school.id'], name=op.f('fk_school_staff_school_id_school')),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_school_staff_user_id_user_account')),
    sa.PrimaryKeyConstraint('user_id', name=op.f('pk_school_staff'))
    )
    with op.batch_alter_table('school_staff', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_school_staff_school_id'), ['school_id'], unique=False)

    with op.batch_alter_table('student_profile', schema=None) as batch_op:
        batch_op.add_column(sa.Column('date_of_birth', sa.Date(), nullable=True))
        batch_op.add_column(sa.Column('school_id', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('cte_concentrator', sa.Boolean(), server_default=sa.false(), nullable=False))
        batch_op.add_column(sa.Column('guardian_email', sa.String(length=254), nullable=True))
        batch_op.add_column(sa.Column('preferred_language', sa.String(length=2), server_default='en', nullable=False))
        batch_op.create_index(batch_op.f('ix_student_profile_school_id'), ['school_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_student_profile_school_id_school'), 'school', ['school_id'], ['id'])

    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.add_column(sa.Column('supervisor_name', sa.String(length=120), nullable=True))
        batch_op.add_column(sa.Column('supervisor_email', sa.String(length=254), nullable=True))
    _placement_statuses(['awaiting_consent', 'active', 'completed', 'cancelled'])

    op.create_table('guardian_consent',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('guardian_email', sa.String(length=254), nullable=True),
    sa.Column('language', sa.String(length=2), nullable=False),
    sa.Column('status', sa.Enum('pending', 'consented', 'refused', name='consentstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('sent_count', sa.Integer(), nullable=False),
    sa.Column('decided_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('decided_ip', sa.String(length=45), nullable=True),
    sa.Column('guardian_name', sa.String(length=120), nullable=True),
    sa.Column('emergency_name', sa.String(length=120), nullable=True),
    sa.Column('emergency_phone', sa.String(length=40), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], name=op.f('fk_guardian_consent_placement_id_placement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_guardian_consent')),
    sa.UniqueConstraint('placement_id', name=op.f('uq_guardian_consent_placement_id'))
    )
    op.create_table('supervisor_links',
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('nonce', sa.String(length=32), nullable=False),
    sa.Column('sent_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], name=op.f('fk_supervisor_links_placement_id_placement')),
    sa.PrimaryKeyConstraint('placement_id', name=op.f('pk_supervisor_links'))
    )
    op.create_table('weekly_hours',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('week_start', sa.Date(), nullable=False),
    sa.Column('hours', sa.Float(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('logged_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('confirmed_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('confirmed_ip', sa.String(length=45), nullable=True),
    sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], name=op.f('fk_weekly_hours_placement_id_placement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_weekly_hours')),
    sa.UniqueConstraint('placement_id', 'week_start', name=op.f('uq_weekly_hours_placement_id_week_start'))
    )
    with op.batch_alter_table('weekly_hours', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_weekly_hours_placement_id'), ['placement_id'], unique=False)

    op.create_table('supervisor_evaluation',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('midpoint', 'final', name='evaluationkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('ratings', sa.JSON(), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('submitted_ip', sa.String(length=45), nullable=True),
    sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], name=op.f('fk_supervisor_evaluation_placement_id_placement')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_supervisor_evaluation')),
    sa.UniqueConstraint('placement_id', 'kind', name=op.f('uq_supervisor_evaluation_placement_id_kind'))
    )
    with op.batch_alter_table('supervisor_evaluation', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_supervisor_evaluation_placement_id'), ['placement_id'], unique=False)

    op.create_table('evaluation_reminder',
    sa.Column('placement_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('midpoint', 'final', name='evaluationkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['placement_id'], ['placement.id'], name=op.f('fk_evaluation_reminder_placement_id_placement')),
    sa.PrimaryKeyConstraint('placement_id', 'kind', name=op.f('pk_evaluation_reminder'))
    )


def downgrade():
    op.drop_table('evaluation_reminder')
    with op.batch_alter_table('supervisor_evaluation', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_supervisor_evaluation_placement_id'))
    op.drop_table('supervisor_evaluation')
    with op.batch_alter_table('weekly_hours', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_weekly_hours_placement_id'))
    op.drop_table('weekly_hours')
    op.drop_table('supervisor_links')
    op.drop_table('guardian_consent')
    # Placements that waited for consent go back as cancelled: the old schema knows no wait.
    op.execute("UPDATE placement SET status = 'cancelled' WHERE status = 'awaiting_consent'")
    _placement_statuses(['active', 'completed', 'cancelled'])
    with op.batch_alter_table('placement', schema=None) as batch_op:
        batch_op.drop_column('supervisor_email')
        batch_op.drop_column('supervisor_name')
    with op.batch_alter_table('student_profile', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('fk_student_profile_school_id_school'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_student_profile_school_id'))
        batch_op.drop_column('preferred_language')
        batch_op.drop_column('guardian_email')
        batch_op.drop_column('cte_concentrator')
        batch_op.drop_column('school_id')
        batch_op.drop_column('date_of_birth')
    with op.batch_alter_table('school_staff', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_school_staff_school_id'))
    op.drop_table('school_staff')
    op.drop_table('school')
    op.drop_table('institution_setting')
