"""outcome rules: versioned evidence rules, career plans, document reviews

Revision ID: 0015_outcome_rules
Revises: 0014_person_views
Create Date: 2026-11-30 03:15:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0015_outcome_rules'
down_revision = '0014_person_views'
branch_labels = None
depends_on = None


# The ledger's source kinds before and after this revision: it lets in the four kinds
# of evidence from real work (0016_events adds ``event``, writing the constraint whole).
OLD_SOURCE_KINDS = ('placement', 'mentoring', 'staff')
SOURCE_KINDS = OLD_SOURCE_KINDS + ('career_plan', 'evaluation', 'document_review',
                                   'job_search')


def _source_kinds(kinds):
    with op.batch_alter_table('outcome_evidence', schema=None) as batch_op:
        batch_op.drop_constraint(op.f('ck_outcome_evidence_sourcekind'), type_='check')
        batch_op.create_check_constraint(
            'sourcekind', "source_kind IN (" + ", ".join(f"'{k}'" for k in kinds) + ")")


REVIEW = ('submitted', 'approved', 'changes_requested', 'approval_withdrawn')


def upgrade():
    _source_kinds(SOURCE_KINDS)
    op.create_table('outcome_rule',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('key', sa.String(length=60), nullable=False),
    sa.Column('version', sa.Integer(), nullable=False),
    sa.Column('params', sa.JSON(), nullable=False),
    sa.Column('note', sa.String(length=500), nullable=True),
    sa.Column('created_by_id', sa.Integer(), nullable=True),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['created_by_id'], ['user_account.id'], name=op.f('fk_outcome_rule_created_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_rule')),
    sa.UniqueConstraint('key', 'version', name=op.f('uq_outcome_rule_key_version'))
    )
    op.create_table('career_plan',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('goals', sa.Text(), nullable=False),
    sa.Column('cluster', sa.String(length=40), nullable=False),
    sa.Column('roles', sa.String(length=300), nullable=False),
    sa.Column('next_steps', sa.JSON(), nullable=False),
    sa.Column('status', sa.Enum(*REVIEW, name='reviewstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['user_account.id'], name=op.f('fk_career_plan_student_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_career_plan')),
    sa.UniqueConstraint('student_id', name=op.f('uq_career_plan_student_id'))
    )
    op.create_index('ix_career_plan_queue', 'career_plan', ['status', 'submitted_at'], unique=False)
    op.create_table('document_submission',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('resume', 'cover_letter', name='documentkind', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('stored_name', sa.String(length=80), nullable=False),
    sa.Column('filename', sa.String(length=200), nullable=False),
    sa.Column('size', sa.Integer(), nullable=False),
    sa.Column('status', sa.Enum(*REVIEW, name='reviewstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('submitted_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['student_id'], ['user_account.id'], name=op.f('fk_document_submission_student_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_document_submission')),
    sa.UniqueConstraint('stored_name', name=op.f('uq_document_submission_stored_name'))
    )
    op.create_index('ix_document_submission_queue', 'document_submission', ['status', 'submitted_at'], unique=False)
    op.create_index(op.f('ix_document_submission_student_id'), 'document_submission', ['student_id'], unique=False)
    op.create_table('outcome_review',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('subject', sa.String(length=20), nullable=False),
    sa.Column('subject_id', sa.Integer(), nullable=False),
    sa.Column('decision', sa.Enum(*REVIEW, name='reviewstatus', native_enum=False, create_constraint=True, length=32), nullable=False),
    sa.Column('comment', sa.Text(), nullable=True),
    sa.Column('withdraws_id', sa.Integer(), nullable=True),
    sa.Column('reviewer_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['reviewer_id'], ['user_account.id'], name=op.f('fk_outcome_review_reviewer_id_user_account')),
    sa.ForeignKeyConstraint(['withdraws_id'], ['outcome_review.id'], name=op.f('fk_outcome_review_withdraws_id_outcome_review')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_outcome_review')),
    sa.UniqueConstraint('withdraws_id', name=op.f('uq_outcome_review_withdraws_id'))
    )
    op.create_index('ix_outcome_review_subject', 'outcome_review', ['subject', 'subject_id'], unique=False)
    with op.batch_alter_table('outcome_evidence') as batch:
        batch.add_column(sa.Column('rule_version_id', sa.Integer(), nullable=True))
        batch.add_column(sa.Column('reverses_id', sa.Integer(), nullable=True))
        batch.create_foreign_key(batch.f('fk_outcome_evidence_rule_version_id_outcome_rule'),
                                 'outcome_rule', ['rule_version_id'], ['id'])
        batch.create_foreign_key(batch.f('fk_outcome_evidence_reverses_id_outcome_evidence'),
                                 'outcome_evidence', ['reverses_id'], ['id'])
        batch.create_unique_constraint(batch.f('uq_outcome_evidence_reverses_id'),
                                       ['reverses_id'])


def downgrade():
    # Reversals, and evidence whose rule version is about to go, leave with their columns.
    op.execute("DELETE FROM outcome_evidence WHERE reverses_id IS NOT NULL")
    op.execute("DELETE FROM outcome_evidence WHERE source_kind IN "
               "('career_plan', 'evaluation', 'document_review', 'job_search')")
    _source_kinds(OLD_SOURCE_KINDS)
    with op.batch_alter_table('outcome_evidence') as batch:
        batch.drop_constraint(batch.f('uq_outcome_evidence_reverses_id'), type_='unique')
        batch.drop_constraint(batch.f('fk_outcome_evidence_reverses_id_outcome_evidence'),
                              type_='foreignkey')
        batch.drop_constraint(batch.f('fk_outcome_evidence_rule_version_id_outcome_rule'),
                              type_='foreignkey')
        batch.drop_column('reverses_id')
        batch.drop_column('rule_version_id')
    op.drop_index('ix_outcome_review_subject', table_name='outcome_review')
    op.drop_table('outcome_review')
    op.drop_index(op.f('ix_document_submission_student_id'), table_name='document_submission')
    op.drop_index('ix_document_submission_queue', table_name='document_submission')
    op.drop_table('document_submission')
    op.drop_index('ix_career_plan_queue', table_name='career_plan')
    op.drop_table('career_plan')
    op.drop_table('outcome_rule')
