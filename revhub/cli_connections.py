"""``revhub connections``: provider connections, their credentials stored encrypted and
never shown or typed where others can read them."""

from __future__ import annotations

import json
from typing import Any

import click

from revhub.cli_credentials import credential_pairs, credentials_file
from revhub.cli_support import store_of

PROVIDERS = ("stripe", "xero", "salesforce", "hubspot", "quickbooks")


@click.group()
def connections() -> None:
    """Provider connections (credentials are stored encrypted)."""


def _settings(values: tuple[str, ...]) -> dict[str, Any]:
    """NAME=VALUE settings; a value written as a JSON object or list (tax_types={"NL_VAT_9": "TAX005"})
    is read as one."""
    from revhub.web_json import parse_json  # Flask's Request type: only when JSON is read

    out: dict[str, Any] = {}
    for item in values:
        key, sep, value = item.partition("=")
        if not sep or not key:
            raise click.BadParameter(f"{item!r} must look like name=value", param_hint="--setting")
        if value.lstrip().startswith(("{", "[")):
            try:
                value = parse_json(value.encode())
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
    if provider == "salesforce" and (given.get("access_token") or given.get("refresh_token")):
        # Without a token yet, `connections authorize` signs in and `connections check` checks the org.
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


def _connection(database, vault, name: str):
    """(row, credentials, settings) of connection NAME, or a ClickException naming it."""
    from sqlalchemy import select

    from revhub.store import Connection

    with database.session() as s:
        row = s.scalar(select(Connection).where(Connection.name == name))
    if row is None:
        raise click.ClickException(f"no connection named {name!r}: add it first with `revhub connections add {name} "
                                   f"--provider PROVIDER --credential client_id=… --credential client_secret=-`")
    return row, vault.open(row.credentials), dict(row.settings or {})


@connections.command("authorize")
@click.argument("provider", type=click.Choice(["xero", "salesforce", "hubspot"]))
@click.argument("name")
@click.option("--port", type=click.IntRange(0, 65535), default=8765, show_default=True,
              help="Loopback port of the redirect http://127.0.0.1:PORT/callback (register exactly this URI "
                   "with the provider; 0 takes any free port).")
@click.option("--tenant-id", help="Xero: the organisation to connect, when the user connected several.")
@click.option("--browser/--no-browser", default=True, show_default=True,
              help="Open the sign-in page in a browser (otherwise only print its address).")
@click.option("--timeout", type=click.IntRange(10, 3600), default=300, show_default=True,
              help="Seconds to wait for the sign-in.")
@click.pass_context
def connections_authorize(ctx: click.Context, provider: str, name: str, port: int, tenant_id: str | None,
                          browser: bool, timeout: int) -> None:
    """Sign in to PROVIDER for connection NAME (OAuth 2.0 authorization code on a loopback
    redirect) and store the refresh token encrypted."""
    import webbrowser

    from sqlalchemy import select

    from revhub.connections import update_credentials
    from revhub.oauth_authorize import AuthorizeError, grant_of, listen, run_flow
    from revhub.store import Connection

    _, database, vault = store_of(ctx)
    row, credentials, settings = _connection(database, vault, name)
    if row.provider != provider:
        raise click.BadParameter(f"connection {name!r} is a {row.provider} connection", param_hint="PROVIDER")

    def show(url: str) -> None:
        click.echo(f"Sign in at:\n{url}", err=True)
        if browser:
            webbrowser.open(url)

    try:
        server = listen("127.0.0.1", port)
        click.echo(f"waiting for the redirect to http://127.0.0.1:{server.server_address[1]}/callback", err=True)
        token = run_flow(provider, credentials, settings, server=server, open_browser=show, timeout=timeout)
        grant = grant_of(provider, token, settings, tenant_id)
    except AuthorizeError as exc:
        raise click.ClickException(f"connection {name!r} not authorised: {exc}") from None
    with database.session(write=True) as s:
        update_credentials(s, vault, name, grant.credentials)
        connection = s.scalar(select(Connection).where(Connection.name == name))
        connection.settings = {**(connection.settings or {}), **grant.settings}
    if provider == "salesforce":
        _note_currencies(database, vault, name)
    where = ", ".join(f"{k}={v}" for k, v in grant.settings.items())
    click.echo(f"connection {name!r} authorised (scopes: {grant.scope or 'as requested'}; {where}); "
               f"refresh token stored encrypted")


def _note_currencies(database, vault, name: str) -> None:
    """Keep the org's active currencies as the connection's ``currencies`` setting (intake refuses
    others), as `connections add` does for an org it can reach."""
    from sqlalchemy import select

    from revhub.connections import update_credentials
    from revhub.connectors.errors import ConnectorError
    from revhub.connectors.salesforce.prerequisites import check_connection
    from revhub.store import Connection

    row, credentials, settings = _connection(database, vault, name)

    def save(changes: dict) -> None:
        with database.session(write=True) as s:
            update_credentials(s, vault, name, changes)

    try:
        currencies = check_connection(name, credentials, settings, save)
    except ConnectorError as exc:
        click.echo(f"warning: the org is not ready for revhub yet: {exc}; see `revhub connections check {name}`",
                   err=True)
        return
    with database.session(write=True) as s:
        connection = s.scalar(select(Connection).where(Connection.name == name))
        connection.settings = {**(connection.settings or {}), "currencies": currencies}
    click.echo(f"Salesforce org checked: multi-currency ({', '.join(currencies)})")


@connections.command("check")
@click.argument("name")
@click.pass_context
def connections_check(ctx: click.Context, name: str) -> None:
    """Prove connection NAME: auth, scopes or permissions, and what revhub needs present in the
    provider (accounts, tax types, custom fields, webhook endpoint). Exit 1 if anything is missing."""
    from revhub.connection_check import check_connection
    from revhub.connections import update_credentials

    _, database, vault = store_of(ctx)
    row, _, _ = _connection(database, vault, name)

    def save(changes: dict) -> None:  # a refresh token rotated by the check is kept
        with database.session(write=True) as s:
            update_credentials(s, vault, name, changes)

    findings = check_connection(row, vault, save)
    for finding in findings:
        click.echo(f"{'ok     ' if finding.ok else 'MISSING'} {finding.what}: {finding.detail}")
    missing = [f for f in findings if not f.ok]
    if missing:
        click.echo(f"connection {name!r}: {len(missing)} problem(s)", err=True)
        ctx.exit(1)
    click.echo(f"connection {name!r} ({row.provider}) is ready")
