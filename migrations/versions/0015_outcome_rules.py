"""skeleton"""
revision = "0015_outcome_rules"
down_revision = "0014_person_views"
branch_labels = None
depends_on = None


def upgrade():
    pass


def downgrade():
    pass
