"""What every ``revhub`` command needs: the configuration and the store, or a clear error."""

from __future__ import annotations

import click

from revhub.config import ConfigError, load_config


def config_of(ctx: click.Context):
    try:
        return load_config()
    except ConfigError as exc:
        ctx.fail(str(exc))


def store_of(ctx: click.Context):
    from revhub.connections import Vault
    from revhub.store import Database

    config = config_of(ctx)
    return config, Database(config.database_url), Vault(config.encryption_key)
