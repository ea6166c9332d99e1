"""The ``revhub`` command line."""

from __future__ import annotations

import click

from revhub.config import ConfigError, load_config


def _config(ctx: click.Context):
    try:
        return load_config()
    except ConfigError as exc:
        ctx.fail(str(exc))


@click.group()
@click.version_option(package_name="revhub")
def main() -> None:
    """revhub keeps Salesforce, Stripe and Xero in step through one canonical store."""


@main.group()
def db() -> None:
    """The canonical store's schema."""


@db.command("upgrade")
@click.option("--revision", default="head", show_default=True, help="Target migration.")
@click.pass_context
def db_upgrade(ctx: click.Context, revision: str) -> None:
    """Create or migrate the database at REVHUB_DATABASE_URL."""
    from revhub.store import Database
    from revhub.store.migrate import current_revision, upgrade

    database = Database(_config(ctx).database_url)
    upgrade(database.engine, revision)
    click.echo(f"database at revision {current_revision(database.engine)} ({database.dialect})")


@db.command("check")
@click.pass_context
def db_check(ctx: click.Context) -> None:
    """Exit non-zero if the models and the database schema disagree."""
    from revhub.store import Database
    from revhub.store.migrate import pending_changes

    changes = pending_changes(Database(_config(ctx).database_url).engine)
    if changes:
        for change in changes:
            click.echo(f"  {change}")
        ctx.exit(1)
    click.echo("schema matches the models")


def _serve(app, host: str, port: int) -> None:
    click.echo(f"revhub console on http://{host}:{port}/")
    app.run(host=host, port=port, threaded=True, use_reloader=False)


@main.command()
@click.option("--host", default=None, help="Interface (default REVHUB_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default REVHUB_PORT or 8080).")
@click.pass_context
def serve(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Serve the web console and webhooks (the schema must be migrated)."""
    from revhub.app import create_app

    config = _config(ctx)
    _serve(create_app(config), host or config.host, port or config.port)


@main.command()
@click.option("--host", default=None, help="Interface (default REVHUB_HOST or 127.0.0.1).")
@click.option("--port", type=int, default=None, help="Port (default REVHUB_PORT or 8080).")
@click.pass_context
def demo(ctx: click.Context, host: str | None, port: int | None) -> None:
    """Everything on one machine: migrate the embedded SQLite store, then serve."""
    from revhub.app import create_app
    from revhub.store import Database
    from revhub.store.migrate import upgrade

    config = _config(ctx)
    database = Database(config.database_url)
    upgrade(database.engine)
    click.echo(f"store: {config.database_url}")
    _serve(create_app(config, database), host or config.host, port or config.port)
