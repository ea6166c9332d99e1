"""What invoices, credit notes and purchase orders share: ids, numbers, dates, currency and
contact links (line items and totals are in ``lines``). Messages are Xero's wording where known.
"""

from __future__ import annotations

import uuid
from decimal import Decimal, InvalidOperation

from revhub.money import MoneyError, exponent
from revhub.sandbox.xero.errors import ValidationFailed
from revhub.sandbox.xero.store import Record, TenantData
from revhub.sandbox.xero.xerojson import DateFormatError, day, parse_date

LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")
BASE_CURRENCY = "EUR"  # the sandbox organisation is a Dutch company


def new_id() -> str:
    return str(uuid.uuid4())


def number(element: dict, name: str, default: Decimal | None = None) -> Decimal | None:
    """A numeric field as an exact Decimal (the body was parsed with ``parse_float=Decimal``)."""
    value = element.get(name, default)
    if value is None or isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise ValidationFailed(f"{name} must be a number.")
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ValidationFailed(f"{name} must be a number.") from None


def date_field(element: dict, name: str, default=None):
    """A date field (MS-JSON or ISO) at UTC midnight, or ``default`` when absent."""
    raw = element.get(name)
    if raw in (None, ""):
        return default
    try:
        return day(parse_date(raw))
    except DateFormatError:
        raise ValidationFailed(f"{name} is not a valid date.") from None


def currency_of(element: dict, default: str) -> str:
    code = element.get("CurrencyCode") or default
    try:
        exponent(code)
    except MoneyError:
        raise ValidationFailed(f"The currency code {code} is not valid.") from None
    return code.upper()


def resolve_contact(books: TenantData, element: dict, create) -> Record:
    """The contact a document links to: by ``ContactID``, ``ContactNumber`` or ``Name``.

    Like Xero, a ``Name`` matching no contact creates one (``create(name_element)``).
    """
    ref = element.get("Contact")
    if not isinstance(ref, dict) or not any(
        ref.get(k) for k in ("ContactID", "ContactNumber", "Name")
    ):
        raise ValidationFailed("A Contact must be specified for this type of transaction")
    contacts = books["Contacts"]
    if ref.get("ContactID"):
        found = contacts.get(str(ref["ContactID"]))
        if found is None:
            raise ValidationFailed(
                "The contact does not exist or is not valid for this transaction."
            )
        return found
    if ref.get("ContactNumber"):
        found = contacts.by_key("ContactNumber", str(ref["ContactNumber"]))
        if found is not None:
            return found
    if ref.get("Name"):
        found = contacts.by_key("Name", str(ref["Name"]))
        return found if found is not None else create(ref)
    raise ValidationFailed("The contact does not exist or is not valid for this transaction.")


def contact_link(contact: Record) -> dict:
    data = contact.data
    link = {"ContactID": data["ContactID"], "Name": data["Name"]}
    if data.get("ContactNumber"):
        link["ContactNumber"] = data["ContactNumber"]
    if data.get("EmailAddress"):
        link["EmailAddress"] = data["EmailAddress"]
    return link


def amount_types(element: dict, default: str) -> str:
    value = element.get("LineAmountTypes") or default
    if value not in LINE_AMOUNT_TYPES:
        raise ValidationFailed(f"LineAmountTypes must be one of {', '.join(LINE_AMOUNT_TYPES)}.")
    return value
