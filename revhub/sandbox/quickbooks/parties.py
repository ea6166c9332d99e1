"""Customers and items: names unique per realm, soft delete by ``Active: false`` (QBO never
hard-deletes list entities). https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/customer
"""

from __future__ import annotations

from revhub.sandbox.quickbooks.amounts import dec
from revhub.sandbox.quickbooks.faults import QBOFault, invalid
from revhub.sandbox.quickbooks.store import Realm


def _duplicate(name: str) -> QBOFault:
    # QBO's detail does not repeat the name (it is unique across customers, vendors and employees).
    return QBOFault(400, "6240", "Duplicate Name Exists Error",
                    "The name supplied already exists. : Another customer, vendor or employee is already using "
                    "this name. Please use a different name.")


def _unique(realm: Realm, entity: str, field: str, value: str, own_id: str | None) -> None:
    for obj in realm.objects[entity].values():
        if obj.get(field, "").lower() == value.lower() and obj["Id"] != own_id:
            raise _duplicate(value)


def customer(realm: Realm, body: dict, own_id: str | None = None) -> dict:
    """A Customer body checked and completed (DisplayName, currency, Active)."""
    name = (body.get("DisplayName") or body.get("CompanyName") or "").strip()
    if not name:
        raise invalid("Required parameter DisplayName is missing in the request", "DisplayName")
    _unique(realm, "Customer", "DisplayName", name, own_id)
    currency = (body.get("CurrencyRef") or {}).get("value") or realm.home_currency
    out = {**body, "DisplayName": name, "FullyQualifiedName": name, "PrintOnCheckName": name,
           "Active": body.get("Active", True), "Job": False, "BillWithParent": False, "Taxable": True,
           "CurrencyRef": {"value": currency, "name": currency}, "PreferredDeliveryMethod": "Email"}
    out.setdefault("Balance", 0)
    out.setdefault("BalanceWithJobs", 0)
    return out


def item(realm: Realm, body: dict, own_id: str | None = None) -> dict:
    name = (body.get("Name") or "").strip()
    if not name:
        raise invalid("Required parameter Name is missing in the request", "Name")
    _unique(realm, "Item", "Name", name, own_id)
    kind = body.get("Type") or "Service"
    if kind in ("Service", "NonInventory") and not (body.get("IncomeAccountRef") or {}).get("value"):
        raise invalid("Required parameter IncomeAccountRef is missing in the request", "IncomeAccountRef")
    return {**body, "Name": name, "FullyQualifiedName": name, "Type": kind, "Active": body.get("Active", True),
            "UnitPrice": dec(body.get("UnitPrice", 0), "UnitPrice"), "Taxable": body.get("Taxable", False)}
