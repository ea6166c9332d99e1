"""From a stored connection to a live connector."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the table of entities is read without the store; a provider's module (and
    # its SDK) is imported only when a connection of that provider is built
    from revhub.connections import Vault
    from revhub.connectors.base import Connector
    from revhub.store import Connection

# What each provider's connector can pull, in dependency order (see sync.entities.SYNC_ORDER).
PROVIDER_ENTITIES: dict[str, tuple[str, ...]] = {
    "salesforce": ("customer", "contact", "product", "purchase_order"),
    "stripe": ("customer", "product", "invoice", "payment", "refund", "subscription", "fee", "payout",
               "dispute"),
    "xero": ("customer", "product", "invoice", "payment", "refund"),
    "hubspot": ("customer", "contact", "purchase_order"),
    "quickbooks": ("customer", "product", "invoice", "payment", "refund"),
}

SaveCredentials = Callable[[dict[str, Any]], None]


def build_connector(connection: Connection, vault: Vault,
                    save_credentials: SaveCredentials | None = None) -> Connector:
    """A connector for ``connection``; rotated tokens are handed to ``save_credentials`` at once."""
    credentials = vault.open(connection.credentials)
    settings = dict(connection.settings or {})
    save = save_credentials or (lambda changes: None)
    if connection.provider == "stripe":
        from revhub.connectors.stripe import StripeConnector

        return StripeConnector.from_connection(connection.name, credentials, settings)
    if connection.provider == "xero":
        from revhub.connectors.xero import XeroConnector

        return XeroConnector.from_connection(connection.name, credentials, settings, save)
    if connection.provider == "salesforce":
        from revhub.connectors.salesforce import SalesforceConnector

        return SalesforceConnector.from_connection(connection.name, credentials, settings, save)
    if connection.provider == "hubspot":
        from revhub.connectors.hubspot import HubSpotConnector

        return HubSpotConnector.from_connection(connection.name, credentials, settings, save)

    if connection.provider == "quickbooks":
        from revhub.connectors.quickbooks import QuickBooksConnector

        return QuickBooksConnector.from_connection(connection.name, credentials, settings, save)
    raise ValueError(f"no connector for provider {connection.provider!r}")
