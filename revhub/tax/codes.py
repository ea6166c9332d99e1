"""revhub's tax codes: what a PO line may say about VAT, for a Dutch seller.

A code fixes the rate and what the invoice must say; where it lands in Xero (a tax type of the
organisation, per connection) and Stripe (a tax rate, created once per account) is decided
from it, never by the systems themselves.

The default Xero tax types are those of a Dutch organisation on Xero's GLOBAL version: the
system rates OUTPUT (set to 21 %) and NONE (exempt), and the rates the organisation adds, which
Xero numbers TAX001, TAX002... in the order they were added (9 %, 0 %, reverse charge, export
here). An organisation that added them in another order maps them in its connection's
``tax_types`` setting.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

REVERSE_CHARGE_NOTE = "VAT reverse charged / BTW verlegd"


class TaxCodeError(ValueError):
    """A tax code revhub does not know."""


@dataclass(frozen=True)
class TaxCode:
    code: str
    rate: Decimal                 # percent
    label: str                    # shown on the Stripe invoice (tax rate display name)
    xero_tax_type: str            # default Xero tax type; a connection may map it to its own
    needs_buyer_vat: bool = False  # the buyer's VAT number must be on the invoice
    note: str | None = None       # the words the invoice must carry


TAX_CODES: dict[str, TaxCode] = {c.code: c for c in (
    TaxCode("NL_VAT_21", Decimal("21"), "BTW 21%", "OUTPUT"),
    TaxCode("NL_VAT_9", Decimal("9"), "BTW 9%", "TAX001"),
    TaxCode("NL_VAT_0", Decimal("0"), "BTW 0%", "TAX002"),
    TaxCode("EXEMPT", Decimal("0"), "Vrijgesteld van BTW (exempt)", "NONE"),
    TaxCode("EU_REVERSE_CHARGE", Decimal("0"), "BTW verlegd (reverse charge)", "TAX003",
            needs_buyer_vat=True, note=REVERSE_CHARGE_NOTE),
    TaxCode("EXPORT", Decimal("0"), "Export outside the EU (0%)", "TAX004",
            note="Export outside the EU: no Dutch VAT / export buiten de EU"),
)}


def tax_code(code: str) -> TaxCode:
    """The tax code ``code`` names (case-sensitive, as listed in ``TAX_CODES``)."""
    try:
        return TAX_CODES[code]
    except (KeyError, TypeError):
        raise TaxCodeError(f"unknown tax code {code!r} (known: {', '.join(TAX_CODES)})") from None


def strip_notes(description: str) -> str:
    """A line description without the tax note revhub appended to it (Xero has no invoice note)."""
    for found in TAX_CODES.values():
        if found.note and f"\n{found.note}" in description:
            return description.split(f"\n{found.note}", 1)[0]
    return description


def invoice_notes(codes: list[str | None], buyer_vat: str | None) -> str | None:
    """The text an invoice with lines under ``codes`` must carry (reverse charge, export), once each."""
    notes = []
    for code in dict.fromkeys(c for c in codes if c):
        found = TAX_CODES[code]
        if found.note:
            notes.append(f"{found.note} (VAT no. {buyer_vat})" if found.needs_buyer_vat and buyer_vat else found.note)
    return "\n".join(notes) or None
