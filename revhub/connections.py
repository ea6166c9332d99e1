"""Provider connections and their credentials, encrypted at rest.

Credentials are a JSON object per connection, stored as a Fernet token. They are decrypted
only to build a connector, never logged, and shown back only redacted.
"""

from __future__ import annotations

import json
from typing import Any

from cryptography.fernet import Fernet, InvalidToken
from sqlalchemy import select
from sqlalchemy.orm import Session

from revhub.redaction import redact  # noqa: F401 - shown credentials are redacted there
from revhub.store import Connection

PROVIDERS = ("stripe", "xero", "salesforce", "hubspot", "quickbooks")


class CredentialError(ValueError):
    """Credentials that cannot be read with the configured encryption key."""


class SettingsError(ValueError):
    """A connection setting revhub cannot use; the message names the setting."""


def check_settings(provider: str, settings: dict[str, Any] | None) -> None:
    """Refuse settings a connector or pusher could not be built from, when they are saved
    (not at the first sync or outbox drain, where one bad setting would hold up the queue)."""
    if provider == "quickbooks":
        from revhub.connectors.quickbooks.ledger_settings import quickbooks_ledger

        try:
            quickbooks_ledger(settings)  # fee treatment and its account ids
        except ValueError as exc:
            raise SettingsError(str(exc)) from None
        return
    if provider != "xero":
        return
    from revhub.mappings.ledger_settings import ledger_settings
    from revhub.tax.mapping import xero_tax_types

    try:
        xero_tax_types(settings)
        ledger_settings(settings)
    except ValueError as exc:  # TaxMappingError, LedgerSettingsError: each names its setting
        raise SettingsError(str(exc)) from None


class Vault:
    """Encrypts and decrypts connection credentials with the configured Fernet key."""

    def __init__(self, key: str) -> None:
        self._fernet = Fernet(key.encode() if isinstance(key, str) else key)

    def seal(self, credentials: dict[str, Any]) -> bytes:
        return self._fernet.encrypt(json.dumps(credentials, sort_keys=True).encode())

    def open(self, token: bytes | None) -> dict[str, Any]:
        if not token:
            return {}
        try:
            return json.loads(self._fernet.decrypt(token))
        except InvalidToken:
            raise CredentialError(
                "stored credentials cannot be decrypted: REVHUB_ENCRYPTION_KEY differs from the one "
                "they were saved with") from None

    def __repr__(self) -> str:
        return "Vault(<key hidden>)"


def save_connection(session: Session, vault: Vault, *, name: str, provider: str,
                    credentials: dict[str, Any], settings: dict[str, Any] | None = None) -> Connection:
    """Create or replace the connection ``name`` (credentials sealed before they touch the row);
    SettingsError, before anything is written, when a setting cannot be used."""
    if provider not in PROVIDERS:
        raise ValueError(f"provider must be one of {', '.join(PROVIDERS)}; got {provider!r}")
    check_settings(provider, settings)
    connection = session.scalar(select(Connection).where(Connection.name == name))
    if connection is None:
        connection = Connection(name=name, provider=provider)
        session.add(connection)
    connection.provider = provider
    connection.credentials = vault.seal(credentials)
    connection.settings = dict(settings or {})
    session.flush()
    return connection


def update_credentials(session: Session, vault: Vault, name: str, changes: dict[str, Any]) -> None:
    """Merge ``changes`` (e.g. a rotated refresh token) into the stored credentials."""
    connection = session.scalar(select(Connection).where(Connection.name == name).with_for_update())
    if connection is None:
        raise LookupError(f"no connection named {name!r}")
    credentials = vault.open(connection.credentials)
    credentials.update(changes)
    connection.credentials = vault.seal(credentials)
