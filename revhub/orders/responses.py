"""JSON schemas of what the purchase-order API answers (the OpenAPI description's responses)."""

from __future__ import annotations

from typing import Any

from revhub.store.commerce import PAYMENT_TERMS, PO_STATUSES
from revhub.tax import TAX_CODES

# Amounts answered are exact decimal strings in major units, as taken ("2205000", "1250.00").
_AMOUNT = {"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$"}
_DATE = {"type": "string", "format": "date"}


def response_schemas() -> dict[str, dict[str, Any]]:
    """Schemas by name, for ``components/schemas``."""
    line = {"type": "object", "additionalProperties": False,
            "required": ["description", "quantity", "unit_price", "amount", "tax_code", "tax"],
            "properties": {"description": {"type": "string"}, "quantity": {"type": "integer", "minimum": 1},
                           "unit_price": _AMOUNT, "amount": _AMOUNT, "tax_code": {"enum": [*TAX_CODES, None]},
                           "tax": _AMOUNT}}
    po = {"type": "object", "additionalProperties": False,
          "required": ["id", "internal_number", "po_number", "customer_id", "status", "currency", "total",
                       "issue_date", "tax", "amounts_include_tax", "payment_terms", "subscription_start",
                       "subscription_end", "lines"],
          "properties": {"id": {"type": "string", "format": "uuid"},
                         "internal_number": {"type": "integer", "minimum": 1},
                         "po_number": {"type": "string"}, "customer_id": {"type": "string", "format": "uuid"},
                         "status": {"enum": list(PO_STATUSES)},
                         "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
                         "total": _AMOUNT, "tax": _AMOUNT, "issue_date": _DATE,
                         "amounts_include_tax": {"type": "boolean"}, "payment_terms": {"enum": list(PAYMENT_TERMS)},
                         "subscription_start": {"anyOf": [_DATE, {"type": "null"}]},
                         "subscription_end": {"anyOf": [_DATE, {"type": "null"}]},
                         "lines": {"type": "array", "items": line}}}
    field_error = {"type": "object", "required": ["field", "message"],
                   "properties": {"field": {"type": "string", "description": "Path of the field, e.g. "
                                                                            "lines[0].unit_price; empty: the body."},
                                  "message": {"type": "string"}}}
    error = {"type": "object", "required": ["error"],
             "properties": {"error": {"type": "string"}, "message": {"type": "string"},
                            "errors": {"type": "array", "items": {"$ref": "#/components/schemas/FieldError"}},
                            "original": {"type": "object", "description": "A duplicate's original PO.",
                                         "properties": {"id": {"type": "string"},
                                                        "internal_number": {"type": "integer"}}}}}
    health = {"type": "object", "required": ["status"],
              "properties": {"status": {"enum": ["ok", "degraded", "error"]}, "database": {"type": "string"},
                             "schema_revision": {"type": ["string", "null"]},
                             "expected_revision": {"type": ["string", "null"]}, "detail": {"type": "string"}}}
    return {"PurchaseOrder": po, "PurchaseOrderLineAnswer": line, "FieldError": field_error, "Error": error,
            "Health": health}
