"""``flask credentials init-key | rotate-key | keys``: the issuer's signing keys."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from marketplace.blueprints.credentials import keys
from marketplace.core.extensions import db

credentials_cli = AppGroup("credentials", help="The institution's credential signing keys.")


@credentials_cli.command("init-key")
def init_key() -> None:
    """Make the first signing key (does nothing when one is active)."""
    row = keys.active_key()
    if row is not None:
        click.echo(f"A signing key is active already: {row.kid} (rotate-key makes a new one).")
        return
    row = keys.create_key()
    db.session.commit()
    click.echo(f"Signing key {row.kid} ({row.algorithm}) is active; its public half is at "
               "/.well-known/jwks.json.")


@credentials_cli.command("rotate-key")
def rotate_key() -> None:
    """Make a new signing key; the old one stays published, so what it signed verifies."""
    old = keys.active_key()
    row = keys.create_key()
    db.session.commit()
    click.echo(f"Signing key {row.kid} is active" +
               (f"; {old.kid} is retired and still published." if old else "."))


@credentials_cli.command("keys")
def list_keys() -> None:
    """The keys, newest first: id, algorithm, made, retired (never the private half)."""
    for row in reversed(keys.public_keys_rows()):
        state = f"retired {row.retired_at:%Y-%m-%d}" if row.retired_at else "active"
        click.echo(f"{row.kid}  {row.algorithm}  made {row.created_at:%Y-%m-%d}  {state}")
