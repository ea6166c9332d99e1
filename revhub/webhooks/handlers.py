"""From a stored provider event to canonical changes (through the connectors)."""

from __future__ import annotations

import json
from typing import Any

from revhub.connectors.base import Change

XERO_ENTITIES = {"CONTACT": "customer", "INVOICE": "invoice", "CREDITNOTE": "refund"}
QUICKBOOKS_ENTITIES = {"Customer": "customer", "Item": "product", "Invoice": "invoice", "Payment": "payment",
                       "CreditMemo": "refund"}
SALESFORCE_ENTITIES = {"Account": "customer", "Contact": "contact", "Product2": "product",
                       "Purchase_Order__c": "purchase_order"}


class UnknownEvent(Exception):
    """An event type revhub does not process; the event is marked ignored."""


def changes_for(provider: str, body: bytes, connector: Any) -> list[Change]:
    """Canonical changes an inbox event stands for. Thin events are followed by a fetch."""
    payload = json.loads(body)
    if provider == "stripe":
        changes = connector.changes_from_events([payload])
        if not changes:
            raise UnknownEvent(f"Stripe event type {payload.get('type')!r} is not synced")
        return changes
    if provider == "xero":
        entity = XERO_ENTITIES.get(payload.get("eventCategory"))
        if entity is None:
            raise UnknownEvent(f"Xero event category {payload.get('eventCategory')!r} is not synced")
        change = connector.fetch(entity, payload["resourceId"])
        return [change] if change else []
    if provider == "quickbooks":
        # Thin notifications (entity, id, operation): the object is fetched, a deletion made here.
        entity = QUICKBOOKS_ENTITIES.get(payload.get("name"))
        if entity is None:
            raise UnknownEvent(f"QuickBooks entity {payload.get('name')!r} is not synced")
        return connector.changes_from_notification(entity, payload)
    if provider == "salesforce":
        entity = SALESFORCE_ENTITIES.get(payload.get("sobject"))
        if entity is None:
            raise UnknownEvent(f"Salesforce object {payload.get('sobject')!r} is not synced")
        change = connector.fetch(entity, payload["id"])
        return [change] if change else []
    if provider == "hubspot":
        from revhub.webhooks.hubspot_events import changes_for_hubspot

        return changes_for_hubspot(payload, connector, UnknownEvent)
    raise UnknownEvent(f"unknown provider {provider!r}")
