"""CLI commands that belong to no one domain: ``seed-demo`` and ``worker``. Each domain
registers its own (``users`` by accounts)."""

from __future__ import annotations

import click
from flask import Flask

from marketplace.core.extensions import db
from marketplace.demo import DEMO_PASSWORD, demo_logins, seed_demo


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed when the database has no users.")
@click.option("--district", is_flag=True,
              help="A school district: two high schools, minors, a job shadow awaiting consent.")
def seed_demo_command(if_empty: bool, district: bool = False):
    """Add the demo campus (idempotent: rerunning adds nothing twice)."""
    created = seed_demo(only_if_empty=if_empty, district=district)
    db.session.commit()
    click.echo("Demo data " + ("added." if created else "already present; nothing added."))
    click.echo(f"Demo log-ins (password for all: {DEMO_PASSWORD}):")
    for role, email in demo_logins():
        click.echo(f"  {role:<9} {email}")
    if district:
        click.echo("  school staff counselor.roosevelt@demo.edu, counselor.lincoln@demo.edu")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then stop.")
def worker_command(burst: bool):
    """Start an RQ worker with its scheduler on the high, default and low queues."""
    # Imported when run: ``workers`` builds on the whole app (it imports ``marketplace``).
    from workers.worker import main

    raise SystemExit(main(burst=burst))


def init_app(app: Flask) -> None:
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(worker_command)
