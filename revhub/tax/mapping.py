"""Per-connection placement of revhub tax codes in Xero, validated when the connection loads."""

from __future__ import annotations

from typing import Any

from revhub.tax.codes import TAX_CODES


class TaxMappingError(ValueError):
    """A connection's tax mapping names a code revhub does not have, or no usable tax type."""


def xero_tax_types(settings: dict[str, Any] | None) -> dict[str, str]:
    """revhub tax code → Xero tax type: the defaults with the connection's ``tax_types`` over them."""
    given = (settings or {}).get("tax_types") or {}
    if not isinstance(given, dict):
        raise TaxMappingError("setting tax_types must be an object of revhub tax code → Xero tax type")
    unknown = sorted(set(given) - set(TAX_CODES))
    if unknown:
        raise TaxMappingError(f"setting tax_types names unknown tax codes {', '.join(unknown)} "
                              f"(known: {', '.join(TAX_CODES)})")
    for code, tax_type in given.items():
        if not isinstance(tax_type, str) or not tax_type.strip():
            raise TaxMappingError(f"setting tax_types[{code}] must be a Xero tax type such as OUTPUT or TAX001")
    return {code: given.get(code, c.xero_tax_type).strip() for code, c in TAX_CODES.items()}
