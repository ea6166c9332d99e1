"""``revhub connections``: provider connections, their credentials stored encrypted and
never shown or typed where others can read them."""

from __future__ import annotations

import json
from typing import Any

import click

from revhub.cli_credentials import credential_pairs, credentials_file
from revhub.cli_support import store_of

PROVIDERS = ("stripe", "xero", "salesforce")


@click.group()
def connections() -> None:
    """Provider connections (credentials are stored encrypted)."""


def _settings(values: tuple[str, ...]) -> dict[str, Any]:
    """NAME=VALUE settings; a value written as a JSON object or list (tax_types={"NL_VAT_9": "TAX005"})
    is read as one."""
    out: dict[str, Any] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} must look like name=value", param_hint="--setting")
        if value.lstrip().startswith(("{", "[")):
            try:
                value = json.loads(value)
            except ValueError as exc:
                raise click.BadParameter(f"{key}: not valid JSON ({exc})", param_hint="--setting") from None
        out[key] = value
    return out


@connections.command("add")
@click.argument("name")
@click.option("--provider", type=click.Choice(PROVIDERS), required=True)
@click.option("--credential", "credentials", multiple=True, metavar="NAME=@FILE|NAME=-|NAME=VALUE",
              help="A credential (api_key, client_secret, refresh_token, ...): NAME=@FILE reads it from a file, "
                   "NAME=- asks at a hidden prompt; NAME=VALUE works but shows in ps and shell history. "
                   "Repeatable.")
@click.option("--credentials-file", "credentials_file_path", type=click.Path(dir_okay=False), default=None,
              help="A JSON object of credentials, e.g. {\"api_key\": \"rk_live_…\"} (read before --credential).")
@click.option("--setting", "settings", multiple=True, metavar="NAME=VALUE",
              help="A setting (base_url, tenant_id, ca_bundle, ...); repeatable.")
@click.pass_context
def connections_add(ctx: click.Context, name: str, provider: str, credentials, credentials_file_path,
                    settings) -> None:
    """Create or replace connection NAME (a Salesforce org is checked for revhub's prerequisites)."""
    from revhub.connections import SettingsError, check_settings, save_connection

    given = {**credentials_file(credentials_file_path), **credential_pairs(credentials)}
    settings = _settings(settings)
    try:
        check_settings(provider, settings)  # before any call to the provider
    except SettingsError as exc:
        raise click.ClickException(f"connection {name!r} not saved: {exc}") from None
    _, database, vault = store_of(ctx)
    if provider == "salesforce":
        currencies = _check_salesforce(name, given, settings)
        click.echo(f"Salesforce org checked: multi-currency ({', '.join(currencies)})")
        # Intake refuses a PO in a currency the org does not have (the connection's currencies).
        settings.setdefault("currencies", currencies)
    with database.session(write=True) as s:
        save_connection(s, vault, name=name, provider=provider, credentials=given, settings=settings)
    click.echo(f"connection {name!r} ({provider}) saved")


def _check_salesforce(name: str, credentials: dict[str, str], settings: dict[str, str]) -> list[str]:
    """The org's currencies, or a ClickException naming the prerequisite it lacks."""
    from revhub.connectors.errors import ConnectorError
    from revhub.connectors.salesforce.prerequisites import check_connection

    try:
        return check_connection(name, credentials, settings, credentials.update)
    except ConnectorError as exc:
        raise click.ClickException(f"connection {name!r} not saved: {exc}") from None


@connections.command("list")
@click.pass_context
def connections_list(ctx: click.Context) -> None:
    """Connections with their settings; every secret redacted, at any depth."""
    from sqlalchemy import select

    from revhub.redaction import redact
    from revhub.store import Connection

    _, database, vault = store_of(ctx)
    with database.session() as s:
        rows = s.scalars(select(Connection).order_by(Connection.name)).all()
    for c in rows:
        credentials = json.dumps(redact(vault.open(c.credentials)), sort_keys=True, ensure_ascii=False)
        settings = json.dumps(redact(c.settings or {}), sort_keys=True, ensure_ascii=False, default=str)
        click.echo(f"{c.name:16} {c.provider:11} {'enabled' if c.enabled else 'disabled':9} "
                   f"credentials={credentials} settings={settings}")
