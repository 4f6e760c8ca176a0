"""``flask sso``: add campus identity providers and list them (secrets never printed)."""

from __future__ import annotations

from pathlib import Path

import click
import requests
from flask.cli import AppGroup

from marketplace.blueprints.accounts.sso import services as sso
from marketplace.core.errors import DomainError
from marketplace.core.extensions import db

sso_cli = AppGroup("sso", help="Campus sign-in providers (SAML 2.0, OpenID Connect).")


def _save(add, **values) -> None:
    try:
        provider = add(**values)
        db.session.commit()
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(error.message) from None
    click.echo(f"Added {provider.kind.value} provider {provider.name} "
               f"({provider.display_name}); staff sign-in "
               f"{'allowed' if provider.allow_staff else 'not allowed'}.", err=True)


@sso_cli.command("add-oidc")
@click.argument("name")
@click.option("--issuer", required=True, help="The provider's issuer URL.")
@click.option("--client-id", required=True)
@click.option("--client-secret", required=True, envvar="SSO_CLIENT_SECRET",
              help="Or set SSO_CLIENT_SECRET, which keeps it out of the shell history and "
                   "the process list.")
@click.option("--role-claim", default=None, help="Claim naming the affiliation "
              "(default eduperson_affiliation).")
@click.option("--display-name", default=None, help='Shown as "Sign in with …".')
@click.option("--allow-staff", is_flag=True, help="Staff and faculty sign in as staff.")
def add_oidc(name, issuer, client_id, client_secret, role_claim, display_name, allow_staff):
    """Add an OpenID Connect provider."""
    _save(sso.add_oidc_provider, name=name, issuer=issuer, client_id=client_id,
          client_secret=client_secret, role_claim=role_claim, display_name=display_name,
          allow_staff=allow_staff)


@sso_cli.command("add-saml")
@click.argument("name")
@click.option("--metadata-file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--metadata-url", default=None)
@click.option("--role-claim", default=None, help="Attribute naming the affiliation "
              "(default eduPersonAffiliation).")
@click.option("--display-name", default=None, help='Shown as "Sign in with …".')
@click.option("--allow-staff", is_flag=True, help="Staff and faculty sign in as staff.")
def add_saml(name, metadata_file, metadata_url, role_claim, display_name, allow_staff):
    """Add a SAML 2.0 identity provider from its metadata (a file or a URL)."""
    if bool(metadata_file) == bool(metadata_url):
        raise click.UsageError("Give exactly one of --metadata-file and --metadata-url.")
    if metadata_file:
        metadata = metadata_file.read_text(encoding="utf-8")
    else:
        try:
            response = requests.get(metadata_url, timeout=15)
            response.raise_for_status()
        except requests.RequestException as error:
            raise click.ClickException(f"Could not fetch the metadata: {error}") from None
        metadata = response.text
    _save(sso.add_saml_provider, name=name, metadata_xml=metadata, metadata_url=metadata_url,
          role_claim=role_claim, display_name=display_name, allow_staff=allow_staff)


@sso_cli.command("list")
def list_providers():
    """The providers, one a line (no secrets)."""
    for provider in sso.all_providers():
        click.echo("\t".join([
            provider.name, provider.kind.value, provider.display_name, provider.issuer or "",
            f"role-claim={provider.role_claim}",
            "staff-allowed" if provider.allow_staff else "staff-not-allowed",
            "active" if provider.active else "inactive"]))
