"""Write-back to HubSpot: customers onto the companies they are linked to, purchase orders onto
deals, and their invoicing and payment (invoice number, amount paid) onto the deal the PO is.

A PO revhub created is upserted by the deal's ``revhub_id`` (a unique-value property), its lines
by ``revhub_line_id``: HubSpot takes no idempotency keys, and a retried create then finds the
deal it made instead of making a twin. An existing deal is sent only the PO fields that differ
from what HubSpot last had.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from revhub.connectors.errors import FatalError, RetriableError
from revhub.connectors.hubspot.client import HubSpotAPI, NotFound
from revhub.connectors.hubspot.mapping import COMPANY, DEAL, DEAL_INVOICE
from revhub.connectors.salesforce.push import superseded
from revhub.mappings import engine
from revhub.mappings.tables import FieldMapping
from revhub.mappings.writes import WriteItem, WriteResult
from revhub.money import to_decimal_string

# A deal revhub makes for a PO it took in: won, in the default pipeline (the admin may move it).
NEW_DEAL = {"pipeline": "default", "dealstage": "closedwon"}


def _text(fields: dict[str, Any]) -> dict[str, str]:
    """HubSpot takes every property value as a string; a cleared value is the empty string."""
    return {k: "" if v is None else format(v, "f") if isinstance(v, Decimal) else str(v) for k, v in fields.items()}


def _changes(table: tuple[FieldMapping, ...], item: WriteItem, currency: str | None) -> dict[str, str]:
    """The properties of ``table``'s fields that differ from what HubSpot last had (a field
    cleared in revhub is sent as the empty string, which clears it)."""
    record, base = item.record, item.base or {}
    changed = {m.field for m in table if m.field in record and record[m.field] != base.get(m.field)}
    fields = engine.write(table, record, currency, only=changed)
    fields.update({m.path: None for m in table if m.field in changed and record[m.field] is None})
    return _text(fields)


def deal_changes(item: WriteItem) -> dict[str, str]:
    """The deal properties of the PO fields that differ from what HubSpot last had."""
    return _changes(DEAL, item, item.record.get("currency"))


def company_changes(item: WriteItem) -> dict[str, str]:
    """The company properties of the customer fields that differ from what HubSpot last had:
    name, the address (``address``, ``address2``, ``city``, ``state``, ``zip``, ``country``) and
    the custom ``billing_email`` (AP mailbox) and ``tax_id`` (VAT number)."""
    return _changes(COMPANY, item, None)


def line_properties(record_id: str, position: int, line: dict[str, Any], currency: str) -> dict[str, str]:
    tax = line.get("tax_minor")
    return _text({k: v for k, v in {
        "revhub_line_id": f"{record_id}:{position}", "name": line.get("description") or None,
        "description": line.get("description") or None, "quantity": int(line["quantity"]),
        "price": to_decimal_string(int(line["unit_amount_minor"]), currency),
        "tax_code": line.get("tax_code") or None,
        "tax_amount": None if tax is None else to_decimal_string(int(tax), currency)}.items() if v is not None})


def echoed(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lines as the normalizer reads them back once written (the link's base), so the echo
    of revhub's own write changes nothing: HubSpot's amount is quantity × price; no product."""
    return [{"position": n, "product_id": None, "description": line.get("description") or "",
             "quantity": int(line["quantity"]), "unit_amount_minor": int(line["unit_amount_minor"]),
             "amount_minor": int(line["quantity"]) * int(line["unit_amount_minor"]),
             "tax_code": line.get("tax_code") or None, "tax_minor": line.get("tax_minor")}
            for n, line in enumerate(lines, 1)]


class HubSpotPusher:
    def __init__(self, api: HubSpotAPI) -> None:
        self.api = api

    def describe(self, entity: str, item: WriteItem) -> dict[str, Any]:
        """The deal properties this item would send (the dry run's diff)."""
        if entity == "invoice":
            return _text(engine.write(DEAL_INVOICE, item.record, item.record.get("currency")))
        if entity == "customer":
            return company_changes(item) if item.external_id else {}
        if entity == "purchase_order":
            return deal_changes(item) if item.external_id else self._new_deal(item)
        return {}

    def push(self, entity: str, items: list[WriteItem]) -> list[WriteResult]:
        return [self._one(entity, item) for item in items]

    def _one(self, entity: str, item: WriteItem) -> WriteResult:
        try:
            if entity == "purchase_order":
                return self._purchase_order(item)
            if entity == "invoice":
                return self._invoice(item)
            if entity == "customer":
                return self._customer(item)
        except RetriableError as exc:
            return WriteResult(item.message_id, "retry", error=str(exc), retry_after=exc.retry_after)
        except (FatalError, NotFound) as exc:
            error = f"HubSpot answered 404 ({exc})" if isinstance(exc, NotFound) else str(exc)
            return WriteResult(item.message_id, "dead", error=error)
        return WriteResult(item.message_id, "skipped")

    def _customer(self, item: WriteItem) -> WriteResult:
        """A customer's changes onto the company it is linked to, one PATCH per company (customer
        edits are few, and each gets HubSpot's own verdict). revhub makes no companies: a
        customer only a billing system knows is not the CRM's (skipped), as with Salesforce.
        https://developers.hubspot.com/docs/api/crm/companies#update-companies"""
        if not item.external_id:
            return WriteResult(item.message_id, "skipped")
        changes = company_changes(item)
        if changes:  # the company already holds every value: no write, no new hs_lastmodifieddate
            self.api.update("companies", item.external_id, changes, "customer")
        return WriteResult(item.message_id, "sent", external_id=item.external_id)

    def _invoice(self, item: WriteItem) -> WriteResult:
        """The invoice number and amount paid onto the PO's deal.
        https://developers.hubspot.com/docs/api/crm/objects#update-records"""
        if superseded(item):
            return WriteResult(item.message_id, "skipped")
        deal_id = item.refs.get("purchase_order")
        if not deal_id:
            return WriteResult(item.message_id, "retry", retry_after=60,
                               error="waiting for the purchase order to reach HubSpot")
        self.api.update("deals", deal_id, self.describe("invoice", item), "invoice")
        return WriteResult(item.message_id, "sent", external_id=deal_id)

    def _purchase_order(self, item: WriteItem) -> WriteResult:
        lines = item.record.get("lines") or []
        if item.external_id:
            changes = deal_changes(item)
            if changes:  # nothing differs: no write, no new hs_lastmodifieddate
                self.api.update("deals", item.external_id, changes, "purchase_order")
            if "lines" in item.record and echoed(lines) != echoed((item.base or {}).get("lines") or []):
                self._write_lines(item, item.external_id)
            return WriteResult(item.message_id, "sent", external_id=item.external_id,
                               pushed={**item.record, "lines": echoed(lines)} if "lines" in item.record else None)
        company_id = item.refs.get("customer")
        if not company_id:
            return WriteResult(item.message_id, "dead",
                               error="the customer has no HubSpot company to attach the deal to")
        deal = self.api.upsert("deals", "revhub_id", str(item.record_id), self._new_deal(item), "purchase_order")
        self.api.associate("deals", deal["id"], "companies", company_id, "purchase_order")
        self._write_lines(item, deal["id"])
        return WriteResult(item.message_id, "sent", external_id=deal["id"],
                           pushed={**item.record, "lines": echoed(lines)})

    def _write_lines(self, item: WriteItem, deal_id: str) -> None:
        """The PO's lines as line items of the deal, upserted by ``revhub_line_id`` (the PO's revhub
        id and the line's position). Line items a user added in HubSpot are left alone."""
        currency = item.record.get("currency") or "USD"
        for position, line in enumerate(item.record.get("lines") or [], 1):
            properties = line_properties(str(item.record_id), position, line, currency)
            made = self.api.upsert("line_items", "revhub_line_id", properties.pop("revhub_line_id"), properties,
                                   "purchase_order")
            self.api.associate("line_items", made["id"], "deals", deal_id, "purchase_order")

    def _new_deal(self, item: WriteItem) -> dict[str, str]:
        record = item.record
        fields = engine.write(DEAL, record, record.get("currency"))
        customer = (item.related.get("customer") or {}).get("name")
        name = f"{customer} - {record.get('po_number')}" if customer else str(record.get("po_number"))
        return _text({k: v for k, v in {**fields, **NEW_DEAL, "dealname": name}.items() if v is not None})
