"""skeleton"""
revision = "0016_events"
down_revision = "0015_outcome_rules"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
