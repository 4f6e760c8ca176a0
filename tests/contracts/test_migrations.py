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
