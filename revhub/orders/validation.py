"""Purchase-order intake: the submitted JSON checked field by field. Pure: no store access.

First against the JSON schema (``revhub.orders.schema``, the one the OpenAPI description
publishes), then for what no schema can say: a currency ISO 4217 knows, amounts with no more
decimals than it has, totals and VAT that add up, dates in order. Every problem is reported
with the path of its field, so a client can show each one next to its input; nothing is
stored unless there are none.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from revhub.currency_rules import PROVIDER_NAMES, refusal
from revhub.money import MoneyError, exponent, to_decimal_string, to_minor
from revhub.orders.schema import AMOUNT_RULE, schema_errors
from revhub.store.commerce import PAYMENT_TERMS
from revhub.tax import TAX_CODES, TaxCodeError, line_tax, tax_code, totals

# The schema lists every field a submission may carry: anything else (a "vat_rate", a misspelt
# "tax_code") is refused by name rather than dropped, so no tax is ever silently lost.


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
    tax_code: str | None = None
    tax_minor: int = 0

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
    amounts_include_tax: bool = False
    tax_minor: int = 0
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
    if not isinstance(value, str):  # a bare JSON number is ambiguous: major or minor units?
        errors.append(FieldError(name, AMOUNT_RULE))
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


def _tax_code(line: dict, where: str, errors: list[FieldError]) -> str | None:
    code = line.get("tax_code")
    if code is None:
        return None
    try:
        return tax_code(code).code
    except TaxCodeError as exc:
        errors.append(FieldError(f"{where}.tax_code", str(exc)))
        return None


def _line(line: Any, where: str, currency: str | None, inclusive: bool, errors: list[FieldError]) -> LineDraft | None:
    if not isinstance(line, dict):
        errors.append(FieldError(where, "must be an object"))
        return None
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
    code = _tax_code(line, where, errors)
    if quantity is None or unit is None:
        return None
    draft = LineDraft(sku, description, quantity, unit, code)
    if code:
        draft.tax_minor = line_tax(draft.amount_minor, TAX_CODES[code].rate, inclusive=inclusive)
    return draft


def _lines(data: dict, currency: str | None, inclusive: bool, errors: list[FieldError]) -> list[LineDraft]:
    raw = data.get("lines")
    if not isinstance(raw, list) or not raw:
        errors.append(FieldError("lines", "must be a non-empty list"))
        return []
    drafts = [_line(line, f"lines[{i}]", currency, inclusive, errors) for i, line in enumerate(raw)]
    coded = [isinstance(line, dict) and line.get("tax_code") is not None for line in raw]
    if any(coded):
        # A taxed invoice states every line's VAT treatment: a line without one is a question, not 0 %.
        errors += [FieldError(f"lines[{i}].tax_code", "is required when another line has a tax code "
                                                       f"(known: {', '.join(TAX_CODES)})")
                   for i, has in enumerate(coded) if not has]
    return [d for d in drafts if d is not None]


def _inclusive(data: dict, errors: list[FieldError]) -> bool:
    value = data.get("amounts_include_tax", False)
    if not isinstance(value, bool):
        errors.append(FieldError("amounts_include_tax", "must be true (line amounts include VAT) or false"))
        return False
    return value


def _check_totals(data: dict, currency: str | None, lines: list[LineDraft], inclusive: bool,
                  errors: list[FieldError]) -> tuple[int | None, int]:
    """The stated total (and tax, if stated) against the lines, with tax computed per line."""
    total = _amount(data.get("total"), currency, "total", errors)
    stated_tax = None if data.get("tax") in (None, "") else _amount(data.get("tax"), currency, "tax", errors)
    raw_lines = data.get("lines") if isinstance(data.get("lines"), list) else []
    if not (currency and lines and len(lines) == len(raw_lines)):
        return total, 0
    sums = totals(((ln.amount_minor, ln.tax_minor) for ln in lines), inclusive=inclusive)
    if stated_tax is not None and stated_tax != sums.tax_minor:
        errors.append(FieldError("tax", f"{to_decimal_string(stated_tax, currency)} does not equal the VAT of the "
                                        f"lines, {to_decimal_string(sums.tax_minor, currency)} (per line, rounded "
                                        f"half up)"))
    if total is not None and total != sums.total_minor:
        what = "the sum of the lines" if not sums.tax_minor else (
            "the sum of the lines (VAT included)" if inclusive else "the sum of the lines plus VAT")
        errors.append(FieldError("total", f"{to_decimal_string(total, currency)} does not equal {what}, "
                                          f"{to_decimal_string(sums.total_minor, currency)}"))
    return total, sums.tax_minor


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
    inclusive = _inclusive(data, errors)
    lines = _lines(data, currency, inclusive, errors)
    total, tax = _check_totals(data, currency, lines, inclusive, errors)
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
    vendor = data.get("vendor") if isinstance(data.get("vendor"), str) else None
    checked = [FieldError(f, m) for f, m in schema_errors(data)]
    if checked or errors:
        # The schema's word on a field first; the semantic checks add only fields it passed.
        flagged = {e.field for e in checked}
        return checked + [e for e in errors if e.field not in flagged]
    return PurchaseOrderDraft(customer, contact_email, po_number, issue_date, currency, lines, total,
                              start, end, terms, vendor, inclusive, tax)


def target_errors(draft: PurchaseOrderDraft, targets: dict[str, tuple[str, dict[str, Any]]]) -> list[FieldError]:
    """What the connected systems (connection name → provider, settings) cannot hold of ``draft``:
    a currency the connection does not have (its ``currencies`` setting), or an amount a system
    would have to round (the currency rules). Each error names the field and the system."""
    errors: list[FieldError] = []
    currency = draft.currency
    for connection, (provider, settings) in sorted(targets.items()):
        name = PROVIDER_NAMES.get(provider, provider)
        active = [c.upper() for c in (settings or {}).get("currencies") or ()]
        if active and currency not in active:
            errors.append(FieldError("currency", f"{currency} is not a currency of {name} (connection "
                                                 f"{connection!r} has {', '.join(active)})"))
            continue
        amounts = [("total", draft.total_minor, False)]
        if draft.tax_minor:
            amounts.append(("tax", draft.tax_minor, False))
        for i, line in enumerate(draft.lines):
            amounts += [(f"lines[{i}].unit_price", line.unit_amount_minor, True),
                        (f"lines[{i}].unit_price", line.amount_minor, False),
                        (f"lines[{i}].tax_code", line.tax_minor, False)]
        seen: set[str] = set()
        for where, minor, unit in amounts:
            problem = refusal(provider, currency, minor, unit=unit)
            if problem and where not in seen:
                seen.add(where)
                errors.append(FieldError(where, f"{to_decimal_string(minor, currency)} {currency}: {problem}"))
    return errors


def threshold_minor(threshold_major: Decimal | str, currency: str) -> int:
    """An approval threshold given in major units, in ``currency`` minor units."""
    try:
        return to_minor(Decimal(str(threshold_major)), currency)
    except (InvalidOperation, MoneyError):
        raise ValueError(f"approval threshold {threshold_major!r} is not a decimal amount") from None
