"""HubSpot webhook payloads: a list of thin events (object id, subscription type), each stored
in the inbox on its own and later followed by a fetch, as for Xero.
https://developers.hubspot.com/docs/api/webhooks#webhooks-payloads
"""

from __future__ import annotations

import json
from typing import Any

from revhub.connectors.base import Change
from revhub.webhooks.inbox import IncomingEvent

HUBSPOT_ENTITIES = {"company": "customer", "contact": "contact", "deal": "purchase_order"}


def hubspot_incoming(payload: Any) -> list[IncomingEvent]:
    """One inbox event per HubSpot event; raises KeyError/TypeError/ValueError on another shape.

    A redelivery repeats the eventId with a higher attemptNumber, so the id leaves it out.
    """
    if not isinstance(payload, list):
        raise TypeError("a HubSpot payload is a list of events")
    events = []
    for event in payload:
        event_id = f"{event['portalId']}:{event['subscriptionId']}:{event['eventId']}"
        kind = str(event["subscriptionType"])
        int(event["objectId"])
        events.append(IncomingEvent(event_id, kind, json.dumps(event, sort_keys=True).encode()))
    return events


def changes_for_hubspot(payload: dict[str, Any], connector: Any, unknown: type[Exception]) -> list[Change]:
    """The record the event names, as HubSpot has it now (archived: a delete)."""
    kind = str(payload.get("subscriptionType") or "")
    entity = HUBSPOT_ENTITIES.get(kind.split(".", 1)[0])
    if entity is None:
        raise unknown(f"HubSpot subscription type {kind!r} is not synced")
    change = connector.fetch(entity, str(payload["objectId"]))
    return [change] if change else []
