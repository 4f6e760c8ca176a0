"""CLI: ``flask --app marketplace users create|token``, ``seed-demo``, ``worker``."""

from __future__ import annotations

import click
from flask import Flask
from flask.cli import AppGroup

from .errors import DomainError
from .extensions import db
from .models import Role

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password", required=True, help="At least 12 characters.")
@click.option("--name", required=True)
@click.option("--org", "org", default=None, help="Organization name (employers).")
def create_user_command(email: str, role: str, password: str, name: str, org: str | None):
    """Create an account of any role; an employer's new organization is verified."""
    from .services.accounts import create_user

    try:
        user = create_user(email, name, Role(role), password, organization_name=org)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).", err=True)


@users_cli.command("token")
@click.argument("email")
def token_command(email: str):
    """Print a new API token for EMAIL on stdout (only its hash is stored)."""
    from .services.accounts import find_user_by_email, issue_api_token

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with e-mail {email}.")
    token = issue_api_token(user)
    db.session.commit()
    click.echo(token)


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Only seed when the database has no users.")
def seed_demo_command(if_empty: bool):
    """Add the demo campus (idempotent: rerunning adds nothing twice)."""
    from .demo import DEMO_PASSWORD, demo_logins, seed_demo

    created = seed_demo(only_if_empty=if_empty)
    db.session.commit()
    click.echo("Demo data " + ("added." if created else "already present; nothing added."))
    click.echo(f"Demo log-ins (password for all: {DEMO_PASSWORD}):")
    for role, email in demo_logins():
        click.echo(f"  {role:<9} {email}")


@click.command("worker")
@click.option("--burst", is_flag=True, help="Work until the queues are empty, then stop.")
def worker_command(burst: bool):
    """Start an RQ worker with its scheduler on the high, default and low queues."""
    from workers.worker import main

    raise SystemExit(main(burst=burst))


def register(app: Flask) -> None:
    app.cli.add_command(users_cli)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(worker_command)
