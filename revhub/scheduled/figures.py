"""The key-figures job: each customer's receivables figures onto its Salesforce Account, each
PO's ledger onto its Purchase_Order__c (``revhub.connectors.salesforce.push_figures``), writing
only the records whose values differ from what Salesforce holds now.

The values are read back from Salesforce before writing (not remembered by revhub), so a field
a person overwrote in the CRM is put right, and a tick with nothing changed writes nothing. The
as-of date is one of the values: an Account is written at most once a day when its figures
stand still, so sales can trust the date. One lease per connection (``figures:<name>``).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from revhub.connections import Vault
from revhub.connectors.errors import ConnectorError
from revhub.connectors.salesforce.push_figures import account_records, po_records, push_figures
from revhub.scheduled.targets import active, api_of, still_active
from revhub.store import Database
from revhub.sync.lease import lease

log = logging.getLogger(__name__)
# SOQL's IN list: 200 ids keep the query far below Salesforce's 100,000-character limit.
CHUNK = 200


@dataclass
class FiguresRun:
    """Per connection: records written, records already right, refusals and errors."""

    written: dict[str, int] = field(default_factory=dict)
    unchanged: dict[str, int] = field(default_factory=dict)
    refused: list[str] = field(default_factory=list)
    held: list[str] = field(default_factory=list)


def _same(ours: Any, theirs: Any) -> bool:
    if ours is None or theirs is None:
        return ours is None and theirs is None
    if isinstance(ours, str):
        return ours == str(theirs)
    try:
        return Decimal(str(ours)) == Decimal(str(theirs))
    except InvalidOperation:
        return False


def changed(api: Any, records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The records of one sObject type whose fields differ from Salesforce's current values.
    https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_query.htm"""
    if not records:
        return []
    sobject = records[0]["attributes"]["type"]
    fields = [k for k in records[0] if k not in ("attributes", "Id")]
    entity = "customer" if sobject == "Account" else "purchase_order"
    now: dict[str, dict] = {}
    for start in range(0, len(records), CHUNK):
        ids = ", ".join(f"'{r['Id']}'" for r in records[start:start + CHUNK])
        body = api.request(lambda sf, ids=ids: sf.query_all(
            f"SELECT Id, {', '.join(fields)} FROM {sobject} WHERE Id IN ({ids})"), entity=entity)
        now.update({row["Id"]: row for row in body.get("records") or []})
    return [r for r in records if r["Id"] not in now
            or not all(_same(r[f], now[r["Id"]].get(f)) for f in fields)]


def push_changed_figures(db: Database, vault: Vault, *, on: date) -> FiguresRun:
    """One tick: for each active Salesforce connection, write the figures that changed."""
    run = FiguresRun()
    for connection in active(db, "salesforce"):
        with lease(db, f"figures:{connection.name}") as held:
            if not held or not still_active(db, connection.name):
                run.held.append(connection.name)
                continue
            with db.session() as s:
                accounts, pos = account_records(s, connection.name, on), po_records(s, connection.name)
            try:
                api = api_of(db, vault, connection)
                accounts_due, pos_due = changed(api, accounts), changed(api, pos)
                done = push_figures(api, accounts_due, pos_due)
            except ConnectorError as exc:
                log.warning("key figures to %s not written (retried next tick): %s", connection.name, exc)
                run.refused.append(f"{connection.name}: {exc}")
                continue
        run.written[connection.name] = done.accounts + done.purchase_orders
        run.unchanged[connection.name] = len(accounts) + len(pos) - len(accounts_due) - len(pos_due)
        run.refused += [f"{connection.name}: {line}" for line in done.refused]
    return run
