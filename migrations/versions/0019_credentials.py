"""credentials: issuer keys, Open Badges credentials, learner record share links

Revision ID: 0019_credentials
Revises: 0018_outcome_reports
Create Date: 2026-11-30 03:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0019_credentials'
down_revision = '0018_outcome_reports'
branch_labels = None
depends_on = None


def upgrade():
    op.create_table('issuer_key',
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('algorithm', sa.String(length=10), nullable=False),
    sa.Column('public_jwk', sa.JSON(), nullable=False),
    sa.Column('sealed_private_key', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('retired_at', sa.DateTime(timezone=True), nullable=True),
    sa.PrimaryKeyConstraint('kid', name=op.f('pk_issuer_key'))
    )
    op.create_table('credential',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('public_id', sa.String(length=36), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('evidence_id', sa.Integer(), nullable=False),
    sa.Column('outcome', sa.String(length=40), nullable=False),
    sa.Column('kid', sa.String(length=64), nullable=False),
    sa.Column('jwt', sa.Text(), nullable=False),
    sa.Column('issued_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('shared', sa.Boolean(), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('revoked_reason', sa.String(length=300), nullable=True),
    sa.Column('revoked_by_id', sa.Integer(), nullable=True),
    sa.ForeignKeyConstraint(['evidence_id'], ['outcome_evidence.id'], name=op.f('fk_credential_evidence_id_outcome_evidence')),
    sa.ForeignKeyConstraint(['kid'], ['issuer_key.kid'], name=op.f('fk_credential_kid_issuer_key')),
    sa.ForeignKeyConstraint(['revoked_by_id'], ['user_account.id'], name=op.f('fk_credential_revoked_by_id_user_account')),
    sa.ForeignKeyConstraint(['student_id'], ['user_account.id'], name=op.f('fk_credential_student_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_credential')),
    sa.UniqueConstraint('evidence_id', name=op.f('uq_credential_evidence_id')),
    sa.UniqueConstraint('public_id', name=op.f('uq_credential_public_id'))
    )
    op.create_index(op.f('ix_credential_student_id'), 'credential', ['student_id'], unique=False)
    op.create_table('record_share',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('token_hash', sa.String(length=64), nullable=False),
    sa.Column('student_id', sa.Integer(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('revoked_at', sa.DateTime(timezone=True), nullable=True),
    sa.ForeignKeyConstraint(['student_id'], ['user_account.id'], name=op.f('fk_record_share_student_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_record_share')),
    sa.UniqueConstraint('token_hash', name=op.f('uq_record_share_token_hash'))
    )
    op.create_index(op.f('ix_record_share_student_id'), 'record_share', ['student_id'], unique=False)


def downgrade():
    op.drop_index(op.f('ix_record_share_student_id'), table_name='record_share')
    op.drop_table('record_share')
    op.drop_index(op.f('ix_credential_student_id'), table_name='credential')
    op.drop_table('credential')
    op.drop_table('issuer_key')
