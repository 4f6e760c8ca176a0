"""marketplace.blueprints.accounts.commands."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.blueprints.accounts import hooks
from marketplace.blueprints.accounts.services import (
    create_user,
    find_user_by_email,
    graduate_class,
    issue_api_token,
)
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db
from marketplace.core.policies import Role

users_cli = AppGroup("users", help="Manage user accounts.")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--password", required=True, help="At least 12 characters.")
@click.option("--name", required=True)
@click.option("--org", "org", default=None, help="Organization name (employers).")
@click.option("--school", default=None,
              help="Staff of this school only (a district; see `flask schools add`).")
def create_user_command(email: str, role: str, password: str, name: str, org: str | None,
                        school: str | None = None):
    """Create an account of any role; an employer's new organization is verified."""

    try:
        if school and role != Role.STAFF.value:
            raise click.ClickException("--school is for staff accounts.")
        user = create_user(email, name, Role(role), password, organization_name=org)
        if school:
            problem = hooks.assign_school.first(user, school,
                                                default="There are no schools here.")
            if problem:
                raise click.ClickException(problem)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    click.echo(f"Created {user.role.value} {user.email} (id {user.id}).", err=True)


@users_cli.command("token")
@click.argument("email")
def token_command(email: str):
    """Print a new API token for EMAIL on stdout (only its hash is stored)."""

    user = find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No user with e-mail {email}.")
    token = issue_api_token(user)
    db.session.commit()
    click.echo(token)


@users_cli.command("graduate")
@click.argument("year", type=click.IntRange(1950, 2150))
def graduate_command(year: int):
    """The class of YEAR graduates: its student accounts become alum accounts."""

    graduates = graduate_class(year, by=None)
    db.session.commit()
    click.echo(f"{len(graduates)} students of the class of {year} are alumni now.", err=True)
