"""account lifecycle: verified e-mail, personal e-mail, sessions, campus identity providers

Revision ID: 0011_account_lifecycle
Revises: 0010_api_token_lifecycle
Create Date: 2026-11-30 00:20:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0011_account_lifecycle'
down_revision = '0010_api_token_lifecycle'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("email_verified_at", sa.DateTime(timezone=True)))
        batch.add_column(sa.Column("personal_email", sa.String(254)))
        batch.create_unique_constraint("uq_user_account_personal_email", ["personal_email"])
    # Accounts from before verification existed were made by staff or used for months:
    # their addresses count as checked.
    op.execute("UPDATE user_account SET email_verified_at = created_at")

    op.create_table(
        "user_session",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("user_id", sa.Integer(),
                  sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_at", sa.DateTime(timezone=True)),
        sa.Column("user_agent", sa.String(300), nullable=False),
        sa.Column("ip_address", sa.String(45)),
        sa.Column("method", sa.String(60), nullable=False),
    )
    op.create_index("ix_user_session_user_id", "user_session", ["user_id"])

    op.create_table(
        "identity_provider",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("name", sa.String(40), nullable=False, unique=True),
        sa.Column("kind", sa.Enum("oidc", "saml", name="providerkind", native_enum=False,
                                  create_constraint=True, length=32), nullable=False),
        sa.Column("display_name", sa.String(120), nullable=False),
        sa.Column("issuer", sa.String(300)),
        sa.Column("client_id", sa.String(255)),
        sa.Column("client_secret", sa.Text()),
        sa.Column("metadata_xml", sa.Text()),
        sa.Column("metadata_url", sa.String(500)),
        sa.Column("role_claim", sa.String(120), nullable=False),
        sa.Column("allow_staff", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    )
    op.create_table(
        "external_identity",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("provider_id", sa.Integer(),
                  sa.ForeignKey("identity_provider.id", ondelete="CASCADE"), nullable=False),
        sa.Column("subject", sa.String(255), nullable=False),
        sa.Column("user_id", sa.Integer(),
                  sa.ForeignKey("user_account.id", ondelete="CASCADE"), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_at", sa.DateTime(timezone=True)),
        sa.Column("last_used_at", sa.DateTime(timezone=True)),
        sa.UniqueConstraint("provider_id", "subject"),
    )
    op.create_index("ix_external_identity_user_id", "external_identity", ["user_id"])
    op.create_table(
        "used_assertion",
        sa.Column("id", sa.Integer(), primary_key=True),
        sa.Column("provider_id", sa.Integer(),
                  sa.ForeignKey("identity_provider.id", ondelete="CASCADE"), nullable=False),
        sa.Column("assertion_id", sa.String(255), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("provider_id", "assertion_id"),
    )
    op.create_index("ix_used_assertion_expires_at", "used_assertion", ["expires_at"])


def downgrade():
    op.drop_table("used_assertion")
    op.drop_table("external_identity")
    op.drop_table("identity_provider")
    op.drop_table("user_session")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_constraint("uq_user_account_personal_email", type_="unique")
        batch.drop_column("personal_email")
        batch.drop_column("email_verified_at")
