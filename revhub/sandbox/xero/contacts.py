"""Contacts and Items.

Contacts: ``Name`` required and unique among contacts, ``ContactNumber`` unique; PUT with an
existing Name fails, POST upserts (PROVIDERS.md 2.4). Items: ``Code`` required, unique, ≤30.
"""

from __future__ import annotations

from decimal import Decimal

from revhub.sandbox.xero import documents as docs
from revhub.sandbox.xero.amounts import unit_amount
from revhub.sandbox.xero.errors import ValidationFailed
from revhub.sandbox.xero.ledger import Write
from revhub.sandbox.xero.store import Record

CONTACT_STATUSES = ("ACTIVE", "ARCHIVED", "GDPRREQUEST")
_CONTACT_FIELDS = (
    "ContactNumber",
    "AccountNumber",
    "FirstName",
    "LastName",
    "EmailAddress",
    "TaxNumber",
    "Addresses",
    "Phones",
    "DefaultCurrency",
    "Website",
    "ContactPersons",
    "PaymentTerms",
)


def find_contact(w: Write, element: dict) -> Record | None:
    contacts = w.books["Contacts"]
    if element.get("ContactID"):
        return contacts.get(str(element["ContactID"]))
    if element.get("ContactNumber"):
        found = contacts.by_key("ContactNumber", str(element["ContactNumber"]))
        if found is not None:
            return found
    if element.get("Name"):
        return contacts.by_key("Name", str(element["Name"]))
    return None


def create(w: Write, element: dict) -> Record:
    """A new contact; raises ``ValidationFailed`` (missing or duplicate name/number)."""
    name = (element.get("Name") or "").strip()
    if not name:
        raise ValidationFailed("The contact name must be specified.")
    if w.books["Contacts"].by_key("Name", name):
        raise ValidationFailed(
            f"The contact name {name} is already assigned to another contact. "
            "The contact name must be unique across all active contacts."
        )
    data = {
        "ContactID": docs.new_id(),
        "ContactStatus": "ACTIVE",
        "Name": name,
        "Addresses": [],
        "Phones": [],
        "ContactGroups": [],
        "ContactPersons": [],
        "IsSupplier": False,
        "IsCustomer": False,
        "HasAttachments": False,
        "HasValidationErrors": False,
    }
    record = Record(data["ContactID"], data, w.stamp)
    _apply(w, record, element)
    w.save("Contacts", record, created=True)
    return record


def update(w: Write, record: Record, element: dict) -> Record:
    name = element.get("Name")
    if name is not None:
        name = name.strip()
        if not name:
            raise ValidationFailed("The contact name must be specified.")
        other = w.books["Contacts"].by_key("Name", name)
        if other is not None and other.id != record.id:
            raise ValidationFailed(
                f"The contact name {name} is already assigned to another contact. "
                "The contact name must be unique across all active contacts."
            )
        record.data["Name"] = name
    _apply(w, record, element)
    w.save("Contacts", record, created=False)
    return record


def _apply(w: Write, record: Record, element: dict) -> None:
    data = record.data
    number = element.get("ContactNumber")
    if number:
        if len(number) > 50:
            raise ValidationFailed("The Contact Number must not exceed 50 characters.")
        other = w.books["Contacts"].by_key("ContactNumber", number)
        if other is not None and other.id != record.id:
            raise ValidationFailed(
                f"The contact number {number} is already assigned to another contact."
            )
    status = element.get("ContactStatus")
    if status is not None:
        if status not in CONTACT_STATUSES:
            raise ValidationFailed(f"ContactStatus '{status}' is not valid.")
        data["ContactStatus"] = status
    if element.get("DefaultCurrency"):
        docs.currency_of({"CurrencyCode": element["DefaultCurrency"]}, docs.BASE_CURRENCY)
    for name in _CONTACT_FIELDS:
        if element.get(name) is not None:
            data[name] = element[name]


def mark_role(w: Write, contact_id: str, kind: str) -> None:
    """Transactions make a contact a customer (ACCREC) or supplier (ACCPAY); Xero does not
    bump ``UpdatedDateUTC`` for that, so neither does the sandbox."""
    contact = w.books["Contacts"].get(contact_id)
    if contact is not None:
        flag = "IsCustomer" if kind.startswith(("ACCREC", "RECEIVE")) else "IsSupplier"
        if not contact.data.get(flag):
            contact.data[flag] = True
            contact.touch(contact.updated)


def find_item(w: Write, element: dict) -> Record | None:
    if element.get("ItemID"):
        return w.books["Items"].get(str(element["ItemID"]))
    if element.get("Code"):
        return w.books["Items"].by_key("Code", str(element["Code"]))
    return None


def create_item(w: Write, element: dict) -> Record:
    code = (element.get("Code") or "").strip()
    if not code:
        raise ValidationFailed("Item code must be specified.")
    if w.books["Items"].by_key("Code", code):
        raise ValidationFailed(f"Item code '{code}' already exists")
    data = {
        "ItemID": docs.new_id(),
        "Code": code,
        "Name": "",
        "Description": "",
        "IsSold": True,
        "IsPurchased": True,
        "IsTrackedAsInventory": False,
    }
    record = Record(data["ItemID"], data, w.stamp)
    update_item(w, record, element, created=True)
    return record


def update_item(w: Write, record: Record, element: dict, created: bool = False) -> Record:
    data = record.data
    code = element.get("Code")
    if code and code != data["Code"]:
        other = w.books["Items"].by_key("Code", code)
        if other is not None and other.id != record.id:
            raise ValidationFailed(f"Item code '{code}' already exists")
    if code and len(code) > 30:
        raise ValidationFailed("Item code must not exceed 30 characters.")
    if len(element.get("Name") or "") > 50:
        raise ValidationFailed("Item name must not exceed 50 characters.")
    for name in ("Code", "Name", "Description", "PurchaseDescription", "IsSold", "IsPurchased"):
        if element.get(name) is not None:
            data[name] = element[name]
    for details in ("SalesDetails", "PurchaseDetails"):
        raw = element.get(details)
        if isinstance(raw, dict):
            price = unit_amount(docs.number(raw, "UnitPrice", Decimal(0)), w.unit_dp)
            account = raw.get("AccountCode")
            if account and w.books["Accounts"].by_key("Code", str(account)) is None:
                raise ValidationFailed(
                    f"Account code '{account}' is not a valid code for this document."
                )
            data[details] = {
                k: v
                for k, v in {
                    "UnitPrice": price,
                    "AccountCode": account,
                    "TaxType": raw.get("TaxType"),
                }.items()
                if v is not None
            }
    w.save("Items", record, created=created)
    return record
