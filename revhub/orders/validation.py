"""Purchase-order intake: the submitted JSON checked field by field. Pure: no store access.

Every problem is reported with the path of its field, so a client can show each one next
to its input; nothing is stored unless there are none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from revhub.money import MoneyError, exponent, to_decimal_string, to_minor
from revhub.store.commerce import PAYMENT_TERMS


@dataclass
class FieldError:
    field: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"field": self.field, "message": self.message}


@dataclass
class LineDraft:
    sku: str | None
    description: str
    quantity: int
    unit_amount_minor: int

    @property
    def amount_minor(self) -> int:
        return self.quantity * self.unit_amount_minor


@dataclass
class PurchaseOrderDraft:
    customer: dict[str, str]
    contact_email: str | None
    po_number: str
    issue_date: date
    currency: str
    lines: list[LineDraft]
    total_minor: int
    subscription_start: date | None
    subscription_end: date | None
    payment_terms: str
    vendor: str | None = None
    errors: list[FieldError] = field(default_factory=list)


def _text(data: dict, name: str, errors: list[FieldError], *, required: bool = True,
          max_length: int = 64) -> str | None:
    value = data.get(name)
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            errors.append(FieldError(name, "is required"))
        return None
    if not isinstance(value, str):
        errors.append(FieldError(name, "must be a string"))
        return None
    if len(value.strip()) > max_length:
        errors.append(FieldError(name, f"must be at most {max_length} characters"))
        return None
    return value.strip()


def _date(data: dict, name: str, errors: list[FieldError], required: bool = True) -> date | None:
    value = data.get(name)
    if value in (None, ""):
        if required:
            errors.append(FieldError(name, "is required"))
        return None
    try:
        if isinstance(value, str):
            return date.fromisoformat(value)
    except ValueError:
        pass
    errors.append(FieldError(name, "must be a date as YYYY-MM-DD"))
    return None


def _amount(value: Any, currency: str | None, name: str, errors: list[FieldError]) -> int | None:
    if value is None or value == "":
        errors.append(FieldError(name, "is required"))
        return None
    if not isinstance(value, (str, int)) or isinstance(value, bool):
        errors.append(FieldError(name, "must be a decimal string such as \"1234.50\" (numbers with a "
                                       "fraction are not exact in JSON)"))
        return None
    if currency is None:
        return None  # reported on the currency field
    try:
        return to_minor(value, currency)
    except MoneyError as exc:
        errors.append(FieldError(name, str(exc)))
        return None


def _customer(data: dict, errors: list[FieldError]) -> dict[str, str]:
    customer = data.get("customer")
    if not isinstance(customer, dict) or not any(isinstance(customer.get(k), str) and customer.get(k)
                                                 for k in ("id", "email")):
        errors.append(FieldError("customer", "is required: an object with the customer's id or email"))
        return {}
    return {k: customer[k] for k in ("id", "email") if isinstance(customer.get(k), str) and customer[k]}


def _lines(data: dict, currency: str | None, errors: list[FieldError]) -> list[LineDraft]:
    raw = data.get("lines")
    if not isinstance(raw, list) or not raw:
        errors.append(FieldError("lines", "must be a non-empty list"))
        return []
    lines = []
    for i, line in enumerate(raw):
        where = f"lines[{i}]"
        if not isinstance(line, dict):
            errors.append(FieldError(where, "must be an object"))
            continue
        quantity = line.get("quantity")
        if not isinstance(quantity, int) or isinstance(quantity, bool) or quantity < 1:
            errors.append(FieldError(f"{where}.quantity", "must be a whole number of licences, at least 1"))
            quantity = None
        unit = _amount(line.get("unit_price"), currency, f"{where}.unit_price", errors)
        if unit is not None and unit < 0:
            errors.append(FieldError(f"{where}.unit_price", "must not be negative"))
        sku = line.get("product")
        if sku is not None and not isinstance(sku, str):
            errors.append(FieldError(f"{where}.product", "must be a product SKU string"))
            sku = None
        description = line.get("description") or ""
        if not isinstance(description, str) or len(description) > 512:
            errors.append(FieldError(f"{where}.description", "must be a string of at most 512 characters"))
            description = ""
        if quantity is not None and unit is not None:
            lines.append(LineDraft(sku, description, quantity, unit))
    return lines


def validate(data: Any) -> PurchaseOrderDraft | list[FieldError]:
    """The draft of a valid submission, or every field error it has."""
    if not isinstance(data, dict):
        return [FieldError("", "body must be a JSON object")]
    errors: list[FieldError] = []
    customer = _customer(data, errors)
    po_number = _text(data, "po_number", errors)
    issue_date = _date(data, "issue_date", errors)
    currency = _text(data, "currency", errors, max_length=3)
    if currency is not None:
        try:
            exponent(currency)
            currency = currency.upper()
        except MoneyError as exc:
            errors.append(FieldError("currency", str(exc)))
            currency = None
    lines = _lines(data, currency, errors)
    total = _amount(data.get("total"), currency, "total", errors)
    start = _date(data, "subscription_start", errors)
    end = _date(data, "subscription_end", errors)
    if start and end and end < start:
        errors.append(FieldError("subscription_end", "must not be before subscription_start"))
    terms = data.get("payment_terms", "NET30")
    if terms not in PAYMENT_TERMS:
        errors.append(FieldError("payment_terms", f"must be one of {', '.join(PAYMENT_TERMS)}"))
    contact = data.get("contact")
    contact_email = contact.get("email") if isinstance(contact, dict) and isinstance(contact.get("email"),
                                                                                     str) else None
    if contact is not None and contact_email is None:
        errors.append(FieldError("contact", "must be an object with the contact's email"))
    raw_lines = data.get("lines") if isinstance(data.get("lines"), list) else []
    if total is not None and currency and lines and len(lines) == len(raw_lines):
        line_sum = sum(line.amount_minor for line in lines)
        if line_sum != total:
            errors.append(FieldError("total", f"{to_decimal_string(total, currency)} does not equal the sum of "
                                              f"the lines, {to_decimal_string(line_sum, currency)}"))
    vendor = data.get("vendor") if isinstance(data.get("vendor"), str) else None
    if errors:
        return errors
    return PurchaseOrderDraft(customer, contact_email, po_number, issue_date, currency, lines, total,
                              start, end, terms, vendor)


def threshold_minor(threshold_major: Decimal | str, currency: str) -> int:
    """An approval threshold given in major units, in ``currency`` minor units."""
    try:
        return to_minor(Decimal(str(threshold_major)), currency)
    except (InvalidOperation, MoneyError):
        raise ValueError(f"approval threshold {threshold_major!r} is not a decimal amount") from None
