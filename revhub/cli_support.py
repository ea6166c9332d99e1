"""What every ``revhub`` command needs: the configuration and the store, or a clear error.

A command that reads or writes the store first checks that the store exists and is migrated
to this revhub's newest revision, so an operator gets one line saying what to run instead
of an SQL traceback ("no such table") from deep inside the command.
"""

from __future__ import annotations

from pathlib import Path

import click

from revhub.config import ConfigError, load_config

UPGRADE_HINT = "run `revhub db upgrade`"


class StoreNotReady(click.ClickException):
    """The store is missing, unreachable or not migrated; exit status 1, one line."""


def config_of(ctx: click.Context):
    try:
        return load_config()
    except ConfigError as exc:
        ctx.fail(str(exc))


def shown_url(url: str) -> str:
    """The database URL fit to print: the password hidden."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(url).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - an unparsable URL is shown by its scheme only
        return url.split(":", 1)[0] + ":…"


def sqlite_path(url: str) -> Path | None:
    """The file of a SQLite URL (None for in-memory or other engines)."""
    from sqlalchemy.engine import make_url

    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite" or not parsed.database or parsed.database == ":memory:":
        return None
    return Path(parsed.database)


def check_store(database) -> None:
    """Raise StoreNotReady unless ``database`` is reachable and at the newest revision."""
    from sqlalchemy.exc import SQLAlchemyError

    from revhub.store.schema_version import current_revision, head_revision
    from revhub.sync.store_retry import reconnecting

    where = shown_url(database.url)
    try:  # a connection dropped under the read (a restart, a failover) is tried again
        current = reconnecting(lambda: current_revision(database.engine), "reading the store's revision")
    except SQLAlchemyError as exc:
        reason = str(getattr(exc, "orig", None) or exc).strip().splitlines()[0]
        raise StoreNotReady(f"cannot open the store at {where}: {reason}") from None
    head = head_revision()
    if current is None:
        raise StoreNotReady(f"the store at {where} is not migrated: {UPGRADE_HINT}")
    if current != head:
        raise StoreNotReady(f"the store at {where} is at revision {current}, this revhub needs {head}: "
                            f"{UPGRADE_HINT}")


def store_of(ctx: click.Context):
    """(config, database, vault) for a command that uses the store; StoreNotReady otherwise."""
    from revhub.connections import Vault
    from revhub.store import Database

    config = config_of(ctx)
    path = sqlite_path(config.database_url)
    if path is not None and not path.exists():
        # Opening it would create an empty file, and every query would fail with "no such table".
        raise StoreNotReady(f"no store at {path}: {UPGRADE_HINT} (or `make demo`; REVHUB_HOME and "
                            f"REVHUB_DATABASE_URL choose the store)")
    database = Database(config.database_url)
    # Closed when the command ends, not left to the collector at exit (which cli.py skips).
    ctx.call_on_close(database.engine.dispose)
    check_store(database)
    return config, database, Vault(config.encryption_key)
