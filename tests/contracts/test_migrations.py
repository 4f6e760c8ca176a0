"""The migrations build the schema the models describe, on SQLite and PostgreSQL alike."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from marketplace import create_app
from marketplace.blueprints.opportunities.search_schema import include_object
from marketplace.core.extensions import db
from tests.support import app_config, fresh_database


@pytest.mark.no_db
def test_migrations_match_models_and_downgrade_cleanly():
    app = create_app(app_config(fresh_database("migrations")))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(connection,
                                                 opts={"include_object": include_object})
            differences = compare_metadata(context, db.metadata)
        assert differences == [], differences

        downgrade(revision="base")
        with db.engine.connect() as connection:
            remaining = set(db.inspect(connection).get_table_names()) - {"alembic_version"}
        assert remaining == set()
        upgrade()
        db.engine.dispose()


@pytest.mark.no_db
def test_migrations_rebuilding_a_table_keep_the_rows_that_point_at_it():
    """On SQLite a batch migration copies, drops and renames a table: rows of other tables
    pointing at it (a campaign's members at the campaign, 0022) must not stop it, and
    nothing may dangle after. Upgrading a database that holds data, both ways."""
    app = create_app(app_config(fresh_database("migrations_with_rows")))
    with app.app_context():
        upgrade(revision="0020_schools")
        with db.engine.begin() as connection:
            for statement in (
                "INSERT INTO user_account (id, email, name, role, password_hash, "
                "session_version, active, created_at) VALUES (1, 'staff@school.edu', 'Staff', "
                "'staff', 'x', 1, true, CURRENT_TIMESTAMP)",
                "INSERT INTO user_account (id, email, name, role, password_hash, "
                "session_version, active, created_at) VALUES (2, 'kid@school.edu', 'Kid', "
                "'student', 'x', 1, true, CURRENT_TIMESTAMP)",
                "INSERT INTO campaign (id, graduation_year, missing_outcome, subject, message, "
                "next_step, holdout_percent, status, segment_size, holdout_size, sent, "
                "skipped_recent, skipped_unsubscribed, created_by_id, created_at) VALUES (1, "
                "2027, 'connections', 'S', 'M', 'outcomes', 10, 'sent', 1, 0, 1, 0, 0, 1, "
                "CURRENT_TIMESTAMP)",
                "INSERT INTO campaign_member (campaign_id, student_id, arm) "
                "VALUES (1, 2, 'contacted')",
            ):
                connection.exec_driver_sql(statement)
        upgrade()
        downgrade(revision="0020_schools")
        upgrade()
        with db.engine.connect() as connection:
            assert connection.exec_driver_sql(
                "SELECT count(*) FROM campaign_member").scalar() == 1
            assert connection.exec_driver_sql(
                "SELECT school_id FROM campaign WHERE id = 1").scalar() is None
        db.engine.dispose()
