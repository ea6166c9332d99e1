"""Line items and document totals, rounded as Xero rounds (see ``amounts``).

Update rule (PROVIDERS.md 2.3): lines with a known ``LineItemID`` are updated, lines without
one are added, existing lines left out of a supplied ``LineItems`` array are deleted.
"""

from __future__ import annotations

from decimal import Decimal

from revhub.sandbox.xero import tax
from revhub.sandbox.xero.amounts import amount, cents, exact_cents, rounded_cents, unit_amount
from revhub.sandbox.xero.documents import new_id, number
from revhub.sandbox.xero.errors import ValidationFailed
from revhub.sandbox.xero.ledger import Write
from revhub.sandbox.xero.store import Record

QUANTITY_DP = 4  # Xero keeps quantities to 4 decimal places


def build_lines(
    w: Write, raw_lines: object, existing: list[dict], require_account: bool, amount_types: str
) -> list[dict]:
    """The document's lines after applying ``raw_lines``; ``None`` keeps ``existing`` (their
    tax recomputed, for ``LineAmountTypes`` may have changed)."""
    if raw_lines is None:
        raw_lines = [{"LineItemID": line["LineItemID"]} for line in existing]
    if not isinstance(raw_lines, list):
        raise ValidationFailed("LineItems must be an array.")
    by_id = {line["LineItemID"]: line for line in existing}
    lines, errors = [], []
    for raw in raw_lines:
        if not isinstance(raw, dict):
            raise ValidationFailed("Each line item must be an object.")
        base = dict(by_id.get(str(raw.get("LineItemID", "")).lower(), {}))
        # Derived: recomputed from the merged quantity, price and tax type.
        base.pop("LineAmount", None)
        base.pop("TaxAmount", None)
        try:
            lines.append(_line(w, {**base, **raw}, require_account, amount_types))
        except ValidationFailed as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationFailed(*errors)
    return lines


def _line(w: Write, raw: dict, require_account: bool, amount_types: str) -> dict:
    quantity = unit_amount(number(raw, "Quantity", Decimal(1)), QUANTITY_DP).normalize()
    item = _item(w, raw)
    sales = (item.data.get("SalesDetails") or {}) if item else {}
    unit, line_cents, discount = _amounts(w, raw, quantity, sales)
    account = _account(w, raw, sales, require_account)
    line = {
        "LineItemID": str(raw.get("LineItemID") or new_id()).lower(),
        "Description": raw.get("Description") or (item.data.get("Description") if item else "") or "",
        "Quantity": quantity if quantity.as_tuple().exponent < 0 else quantity.quantize(Decimal("1.0")),
        "UnitAmount": unit,
    }
    if item is not None:
        line["ItemCode"] = item.data["Code"]
    if account is not None:
        line["AccountCode"] = account.data["Code"]
    given_type = raw.get("TaxType") or ("NONE" if amount_types == "NoTax" else None)
    rate = tax.line_tax_type(w, given_type, account, sales.get("TaxType"))
    line["TaxType"] = rate.data["TaxType"]
    given_tax = number(raw, "TaxAmount")
    # A TaxAmount sent with the line overrides Xero's own figure (Xero allows it).
    line["TaxAmount"] = amount(
        exact_cents(given_tax, "TaxAmount")
        if given_tax is not None and amount_types != "NoTax"
        else tax.line_tax_cents(line_cents, rate, amount_types)
    )
    line["LineAmount"] = amount(line_cents)
    if discount:
        line["DiscountRate"] = discount
    line["Tracking"] = raw.get("Tracking") or []
    return line


def _item(w: Write, raw: dict) -> Record | None:
    code = raw.get("ItemCode")
    item = w.books["Items"].by_key("Code", str(code)) if code else None
    if code and item is None:
        raise ValidationFailed(f"Item code '{code}' is not valid")
    return item


def _amounts(w: Write, raw: dict, quantity: Decimal, sales: dict) -> tuple[Decimal, int, Decimal]:
    """The unit amount as kept, the line amount in cents, and the discount rate."""
    unit = number(raw, "UnitAmount")
    given_total = number(raw, "LineAmount")
    if unit is None:
        unit = given_total / quantity if given_total is not None and quantity else None
        unit = sales.get("UnitPrice", Decimal(0)) if unit is None else unit
    unit = unit_amount(unit, w.unit_dp)
    discount = number(raw, "DiscountRate", Decimal(0))
    line_cents = rounded_cents(quantity * unit * (1 - discount / 100))
    if given_total is not None and exact_cents(given_total, "LineAmount") != line_cents:
        raise ValidationFailed(
            f"The line total {given_total} does not match the expected line total "
            f"{amount(line_cents)}"
        )
    return unit, line_cents, discount


def _account(w: Write, raw: dict, sales: dict, required: bool) -> Record | None:
    code = raw.get("AccountCode") or sales.get("AccountCode")
    account = w.books["Accounts"].by_key("Code", str(code)) if code else None
    if code and account is None:
        raise ValidationFailed(f"Account code '{code}' is not a valid code for this document.")
    if required and account is None:
        raise ValidationFailed("The account code or ID must be specified")
    return account


NEGATIVE_TOTAL = "The Total for this document must be greater than or equal to zero."


def require_non_negative(lines: list[dict], amount_types: str) -> None:
    """Xero refuses a document whose lines add up below zero (a discount line may be
    negative; the document may not)."""
    if totals(lines, amount_types)["_total_cents"] < 0:
        raise ValidationFailed(NEGATIVE_TOTAL)


def totals(lines: list[dict], amount_types: str) -> dict:
    """``SubTotal``, ``TotalTax`` and ``Total`` as sums of the rounded lines (plus
    ``_total_cents`` for the caller's own arithmetic)."""
    line_sum = sum(cents(line["LineAmount"]) for line in lines)
    tax = 0 if amount_types == "NoTax" else sum(cents(line["TaxAmount"]) for line in lines)
    if amount_types == "Inclusive":
        subtotal, total = line_sum - tax, line_sum
    else:
        subtotal, total = line_sum, line_sum + tax
    return {
        "SubTotal": amount(subtotal),
        "TotalTax": amount(tax),
        "Total": amount(total),
        "_total_cents": total,
    }
