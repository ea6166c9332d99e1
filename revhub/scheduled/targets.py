"""The connections a scheduled job writes to: enabled, not paused, of one provider, each with
its API client (a rotated refresh token is saved the moment it arrives)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from revhub.connections import Vault, update_credentials
from revhub.connectors.registry import build_connector
from revhub.store import Connection, Database


def active(db: Database, provider: str) -> list[Connection]:
    """Enabled connections of ``provider`` that no admin has paused (detached, ordered by name)."""
    with db.session() as s:
        rows = list(s.scalars(select(Connection).where(Connection.provider == provider, Connection.enabled.is_(True),
                                                       Connection.paused_at.is_(None)).order_by(Connection.name)))
        s.expunge_all()
    return rows


def api_of(db: Database, vault: Vault, connection: Connection) -> Any:
    """The provider API client of ``connection``."""
    def save(changes: dict) -> None:
        with db.session(write=True) as s:
            update_credentials(s, vault, connection.name, changes)

    return build_connector(connection, vault, save).api


def still_active(db: Database, name: str) -> bool:
    """False once an admin paused (or disabled) ``name`` since the job listed it."""
    with db.session() as s:
        row = s.scalar(select(Connection).where(Connection.name == name))
        return row is not None and row.enabled and row.paused_at is None
