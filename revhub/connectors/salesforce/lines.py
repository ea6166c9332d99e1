"""A PO's lines as Purchase_Order_Line__c children of its Salesforce PO. Pure functions.

Each line revhub writes carries ``Revhub_Line_Id__c`` (an external id: the PO's revhub id and
the line's position), so the create is an upsert on it and a retry or a re-push finds the line
it made instead of making a twin. Lines already in Salesforce without that id (entered by a user
and read into revhub) are claimed in their order and stamped. A line revhub wrote and no longer
has is deleted; a line a user added that revhub has not read yet is left for the next sync.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from revhub.money import to_decimal

LINE_OBJECT = "Purchase_Order_Line__c"
LINE_KEY = "Revhub_Line_Id__c"
PARENT = "Purchase_Order__c"
READ_FIELDS = ("Id", "IsDeleted", LINE_KEY, PARENT, "Product__c", "Description__c", "Quantity__c",
               "Unit_Price__c", "Tax_Code__c", "Tax_Amount__c")


def line_key(record_id: uuid.UUID | str, position: int) -> str:
    """The external id of the PO's line at ``position``."""
    return f"{record_id}:{position}"


def line_fields(line: dict[str, Any], currency: str) -> dict[str, Any]:
    """A canonical PO line (as the outbox gives it) as the Purchase_Order_Line__c fields revhub sets.

    Total_Price__c is Salesforce's formula (quantity × unit price), never written.
    """
    tax = line.get("tax_minor")
    return {"Product__c": line.get("product_external_id"),
            "Description__c": line.get("description") or None,
            "Quantity__c": int(line["quantity"]),
            "Unit_Price__c": to_decimal(int(line["unit_amount_minor"]), currency),
            "Tax_Code__c": line.get("tax_code") or None,
            "Tax_Amount__c": None if tax is None else to_decimal(int(tax), currency)}


def echoed(lines: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The lines as Salesforce gives them back to the normalizer once written (the link's base).

    The total is Salesforce's formula, a product without a Salesforce id is written blank, and
    an empty description comes back empty: the echo of revhub's own write then matches this
    exactly and changes nothing.
    """
    return [{"position": position,
             "product_id": line.get("product_id") if line.get("product_external_id") else None,
             "description": line.get("description") or "", "quantity": int(line["quantity"]),
             "unit_amount_minor": int(line["unit_amount_minor"]),
             "amount_minor": int(line["quantity"]) * int(line["unit_amount_minor"]),
             "tax_code": line.get("tax_code") or None, "tax_minor": line.get("tax_minor")}
            for position, line in enumerate(lines, 1)]


@dataclass
class LinePlan:
    """What one PO's lines need in Salesforce: upserts by key, updates by Id, deletes."""

    creates: list[dict[str, Any]] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    deletes: list[str] = field(default_factory=list)


def plan_lines(record_id: uuid.UUID | str, sf_po_id: str, lines: list[dict[str, Any]], currency: str,
               existing: list[dict[str, Any]]) -> LinePlan:
    """Compare the canonical lines with the PO's lines in Salesforce (in Id order).

    Updates carry only the fields whose values differ from what Salesforce holds.
    """
    plan = LinePlan()
    keyed = {r[LINE_KEY]: r for r in existing if r.get(LINE_KEY)}
    unkeyed = [r for r in existing if not r.get(LINE_KEY)]
    for position, line in enumerate(lines, 1):
        key, wanted = line_key(record_id, position), line_fields(line, currency)
        have = keyed.pop(key, None) or (unkeyed.pop(0) if unkeyed else None)
        if have is None:
            plan.creates.append({LINE_KEY: key, PARENT: sf_po_id, **wanted})
            continue
        changed = {name: value for name, value in wanted.items() if not same(value, have.get(name))}
        if not have.get(LINE_KEY):
            changed[LINE_KEY] = key
        if changed:
            plan.updates.append({"Id": have["Id"], **changed})
    plan.deletes = [r["Id"] for r in keyed.values()]
    return plan


def same(ours: Any, theirs: Any) -> bool:
    """Whether Salesforce already holds ``ours``: numbers compared exactly, blank text as null."""
    if ours in (None, "") or theirs in (None, ""):
        return ours in (None, "") and theirs in (None, "")
    if isinstance(ours, int | Decimal) and not isinstance(ours, bool):
        return Decimal(str(theirs)) == Decimal(ours)
    return ours == theirs
