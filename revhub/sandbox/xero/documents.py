"""What invoices, credit notes and purchase orders share: contact links, line items, totals.

Amounts are computed in integer minor units with ``revhub.money`` and held as exact
``Decimal`` major units (what Xero shows). Messages are Xero's wording where known.
"""

from __future__ import annotations

import uuid
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from revhub.money import MoneyError, exponent, to_decimal, to_minor
from revhub.sandbox.xero.errors import ValidationFailed
from revhub.sandbox.xero.store import Record, TenantData
from revhub.sandbox.xero.xerojson import DateFormatError, day, parse_date

LINE_AMOUNT_TYPES = ("Exclusive", "Inclusive", "NoTax")


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


def money(value: Decimal, currency: str) -> int:
    """Minor units of ``value``; more decimals than the currency has is a validation error."""
    try:
        return to_minor(value, currency)
    except MoneyError:
        raise ValidationFailed(
            f"Amount {value} has too many decimal places for {currency}."
        ) from None


def round_minor(value: Decimal, currency: str) -> int:
    """Minor units of a computed amount (quantity × price), rounded half up as Xero does."""
    step = Decimal(1).scaleb(-exponent(currency))
    return to_minor(value.quantize(step, rounding=ROUND_HALF_UP), currency)


def major(minor: int, currency: str) -> Decimal:
    return to_decimal(minor, currency)


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


def build_lines(
    books: TenantData, raw_lines: object, currency: str, existing: list[dict], require_account: bool
) -> list[dict]:
    """Line items after Xero's update rule: lines with a known ``LineItemID`` are updated,
    new ones added, existing ones omitted from the array deleted."""
    if raw_lines is None:
        return existing
    if not isinstance(raw_lines, list):
        raise ValidationFailed("LineItems must be an array.")
    by_id = {line["LineItemID"]: line for line in existing}
    lines, errors = [], []
    for raw in raw_lines:
        if not isinstance(raw, dict):
            raise ValidationFailed("Each line item must be an object.")
        base = dict(by_id.get(str(raw.get("LineItemID", "")).lower(), {}))
        base.pop("LineAmount", None)  # derived: recomputed from the merged quantity and price
        try:
            lines.append(_line(books, {**base, **raw}, currency, require_account))
        except ValidationFailed as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationFailed(*errors)
    return lines


def _line(books: TenantData, raw: dict, currency: str, require_account: bool) -> dict:
    quantity = number(raw, "Quantity", Decimal(1))
    unit = number(raw, "UnitAmount")
    given_total = number(raw, "LineAmount")
    item_code = raw.get("ItemCode")
    item = books["Items"].by_key("Code", str(item_code)) if item_code else None
    if item_code and item is None:
        raise ValidationFailed(f"Item code '{item_code}' is not valid")
    sales = (item.data.get("SalesDetails") or {}) if item else {}
    if unit is None:
        if given_total is not None and quantity:
            unit = given_total / quantity
        else:
            unit = sales.get("UnitPrice", Decimal(0))
    discount = number(raw, "DiscountRate", Decimal(0))
    line_minor = round_minor(quantity * unit * (1 - discount / 100), currency)
    if given_total is not None and money(given_total, currency) != line_minor:
        raise ValidationFailed(
            f"The line total {given_total} does not match the expected line total "
            f"{major(line_minor, currency)}"
        )
    account_code = raw.get("AccountCode") or sales.get("AccountCode")
    if account_code and books["Accounts"].by_key("Code", str(account_code)) is None:
        raise ValidationFailed(
            f"Account code '{account_code}' is not a valid code for this document."
        )
    if require_account and not account_code:
        raise ValidationFailed("The account code or ID must be specified")
    line = {
        "LineItemID": str(raw.get("LineItemID") or new_id()).lower(),
        "Description": raw.get("Description")
        or (item.data.get("Description") if item else "")
        or "",
        "Quantity": quantity,
        "UnitAmount": unit,
    }
    if item_code:
        line["ItemCode"] = item.data["Code"]
    if account_code:
        line["AccountCode"] = str(account_code)
    line["TaxType"] = raw.get("TaxType") or "NONE"
    line["TaxAmount"] = major(money(number(raw, "TaxAmount", Decimal(0)), currency), currency)
    line["LineAmount"] = major(line_minor, currency)
    if discount:
        line["DiscountRate"] = discount
    line["Tracking"] = raw.get("Tracking") or []
    return line


def totals(lines: list[dict], amount_types: str, currency: str) -> dict:
    """``SubTotal``, ``TotalTax`` and ``Total`` in major units, summed in minor units."""
    line_sum = sum(to_minor(line["LineAmount"], currency) for line in lines)
    tax = (
        0
        if amount_types == "NoTax"
        else sum(to_minor(line["TaxAmount"], currency) for line in lines)
    )
    if amount_types == "Inclusive":
        subtotal, total = line_sum - tax, line_sum
    else:
        subtotal, total = line_sum, line_sum + tax
    return {
        "SubTotal": major(subtotal, currency),
        "TotalTax": major(tax, currency),
        "Total": major(total, currency),
        "_total_minor": total,
    }


def amount_types(element: dict, default: str) -> str:
    value = element.get("LineAmountTypes") or default
    if value not in LINE_AMOUNT_TYPES:
        raise ValidationFailed(f"LineAmountTypes must be one of {', '.join(LINE_AMOUNT_TYPES)}.")
    return value
