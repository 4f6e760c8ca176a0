"""email ownership: a personal e-mail waits for confirmation; e-mail log rows name their user

Revision ID: 0013_email_ownership
Revises: 0012_data_rights
Create Date: 2026-11-30 00:40:00.000000

"""
from alembic import op
import sqlalchemy as sa


# revision identifiers, used by Alembic.
revision = '0013_email_ownership'
down_revision = '0012_data_rights'
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("user_account") as batch:
        batch.add_column(sa.Column("personal_email_pending", sa.String(254)))
    with op.batch_alter_table("email_delivery") as batch:
        batch.add_column(sa.Column("user_id", sa.Integer()))
        batch.create_foreign_key("fk_email_delivery_user_id_user_account", "user_account",
                                 ["user_id"], ["id"])
        batch.create_index("ix_email_delivery_user_id", ["user_id"])
    # Rows sent before: the account that has that address now and had it then, as far as
    # can be known (notifications name their user).
    op.execute("UPDATE email_delivery SET user_id = (SELECT notification.user_id FROM "
               "notification WHERE notification.id = email_delivery.notification_id) "
               "WHERE notification_id IS NOT NULL")


def downgrade():
    with op.batch_alter_table("email_delivery") as batch:
        batch.drop_index("ix_email_delivery_user_id")
        batch.drop_constraint("fk_email_delivery_user_id_user_account", type_="foreignkey")
        batch.drop_column("user_id")
    with op.batch_alter_table("user_account") as batch:
        batch.drop_column("personal_email_pending")
