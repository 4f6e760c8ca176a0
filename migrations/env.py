"""Alembic environment, run through Flask-Migrate (``flask --app marketplace db ...``)."""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

import marketplace.models  # noqa: F401  (every domain's tables, for autogenerate)
from marketplace.blueprints.opportunities.search_schema import include_object
from marketplace.core.db import UTCDateTime

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db
config.set_main_option(
    "sqlalchemy.url", db.engine.url.render_as_string(hide_password=False).replace("%", "%%")
)


def render_item(type_, obj, autogen_context):
    # Migrations stay free of application imports: UTCDateTime is a
    # timestamp-with-time-zone column as far as the schema is concerned.
    if type_ == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def process_revision_directives(context_, revision, directives):
    # An autogenerate that finds nothing writes no empty revision.
    if getattr(config.cmd_opts, "autogenerate", False):
        script = directives[0]
        if script.upgrade_ops.is_empty():
            directives[:] = []
            logger.info("No changes in schema detected.")


def run_migrations_offline():
    context.configure(url=config.get_main_option("sqlalchemy.url"),
                      target_metadata=db.metadata, literal_binds=True,
                      render_item=render_item)
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online():
    conf_args = dict(current_app.extensions["migrate"].configure_args)
    conf_args.setdefault("process_revision_directives", process_revision_directives)
    conf_args.setdefault("render_item", render_item)
    conf_args.setdefault("include_object", include_object)
    with db.engine.connect() as connection:
        # SQLite: a batch migration rebuilds a table (copy, drop, rename), and with
        # foreign keys enforced dropping a table that other rows point at fails. They are
        # off while migrating (the pragma means nothing inside a transaction, so it goes
        # to the driver's connection before one begins) and checked after, so a migration
        # cannot leave a dangling reference behind.
        raw = (connection.connection.dbapi_connection
               if connection.dialect.name == "sqlite" else None)
        if raw is not None:
            raw.execute("PRAGMA foreign_keys=OFF")
        try:
            context.configure(connection=connection, target_metadata=db.metadata, **conf_args)
            with context.begin_transaction():
                context.run_migrations()
        finally:
            if raw is not None:
                dangling = raw.execute("PRAGMA foreign_key_check").fetchall()
                raw.execute("PRAGMA foreign_keys=ON")
        if raw is not None and dangling:
            raise RuntimeError(f"the migration left references to missing rows: {dangling[:5]}")


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
