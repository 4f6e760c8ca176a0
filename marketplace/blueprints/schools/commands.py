"""``flask schools add NAME | list | min-hours N``: the district and its schools."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.blueprints.schools import services
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db

schools_cli = AppGroup("schools", help="The district's schools.")


@schools_cli.command("add")
@click.argument("name")
def add_school_command(name: str) -> None:
    """Add a school; the institution becomes a district (safe to rerun)."""
    try:
        school = services.add_school(name)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    click.echo(f"School {school.name} (id {school.id}); the institution is a district.")


@schools_cli.command("list")
def list_schools() -> None:
    """The schools, by name."""
    for school_id, name in services.school_choices():
        click.echo(f"{school_id}  {name}")


@schools_cli.command("min-hours")
@click.argument("hours", type=click.IntRange(1, 2000))
def set_min_hours(hours: int) -> None:
    """The hours a placement needs to count as work-based learning (Perkins V 5S3)."""
    services.setting().min_wbl_hours = hours
    db.session.commit()
    click.echo(f"Work-based learning counts from {hours} hours.")


def assign_school_by_name(user, name: str) -> str:
    """For ``users create --school``: "" when done, else what is wrong."""
    school = services.school_named(name)
    if school is None:
        return f"No school named {name!r}; add it with `flask schools add`."
    try:
        services.assign_school_staff(user, school)
    except DomainError as error:
        return error.message
    return ""
