"""The purchase-order JSON schema (draft 2020-12): the one description of what intake takes.

The intake validates every submission with it (``schema_errors``) before the checks no schema
can state (totals against the lines, VAT, a currency ISO 4217 knows, dates in order), the
OpenAPI description embeds it (``revhub.openapi``), and ``docs/api/purchase-order.schema.json``
is this schema written out (a test keeps the file equal to it).

Money on the wire: every amount is a JSON *string* holding an exact decimal in the currency's
major units ("1250.00" EUR, "88200" JPY, "1.250" KWD), at most the currency's decimals. A
JSON number is refused, naming the field: ``1250`` does not say whether it means 1,250.00 or
12.50, and ``12.5`` is a binary float. revhub stores integer minor units.
"""

from __future__ import annotations

from typing import Any

from jsonschema import Draft202012Validator, FormatChecker

from revhub.store.commerce import PAYMENT_TERMS
from revhub.tax import TAX_CODES

SCHEMA_ID = "urn:revhub:schema:purchase-order"
# Shown for a value of the wrong type or shape; it states the rule, not just "not a string".
AMOUNT_RULE = ('must be a decimal string in the currency\'s major units, such as "1250.00" (a JSON number is '
               'refused: it does not say whether it is major or minor units, and a fraction is a binary float)')

# Free text may hold anything but NUL (PostgreSQL's text refuses it); some must not be blank.
NO_NUL = r"^[^\x00]*$"
NOT_BLANK = r"^[^\x00]*[^\s\x00][^\x00]*$"


def definitions() -> dict[str, dict[str, Any]]:
    """The reusable parts, by name (``$defs`` of the schema, ``components/schemas`` of the API)."""
    return {
        "Amount": {
            "type": "string", "pattern": r"^[0-9]{1,15}(\.[0-9]{1,4})?$",
            "description": "An exact decimal in the currency's major units, as a string: \"1250.00\" EUR, "
                           "\"88200\" JPY. At most the currency's decimals (trailing zeros allowed).",
            "examples": ["1250.00", "88200"], "x-revhub-error": AMOUNT_RULE,
        },
        "Date": {
            "type": "string", "format": "date", "pattern": r"^(19|2[0-9])[0-9]{2}-[0-9]{2}-[0-9]{2}$",
            "description": "A calendar date, YYYY-MM-DD (years 1900-2999).", "examples": ["2026-11-02"],
            "x-revhub-error": "must be a date as YYYY-MM-DD",
        },
        "PurchaseOrderLine": {
            "type": "object", "additionalProperties": False, "required": ["quantity", "unit_price"],
            "properties": {
                "product": {"type": ["string", "null"], "maxLength": 64, "pattern": NO_NUL,
                            "description": "A product SKU revhub holds."},
                "description": {"type": ["string", "null"], "maxLength": 512, "pattern": NO_NUL},
                "quantity": {"type": "integer", "minimum": 1, "maximum": 1_000_000,
                             "description": "Whole licences.",
                             "x-revhub-error": "must be a whole number of licences, at least 1"},
                "unit_price": {"$ref": "Amount", "description": "Price of one unit, VAT included when "
                                                                "amounts_include_tax is true."},
                "tax_code": {"enum": [*TAX_CODES, None],
                             "description": "revhub's VAT code; if one line has one, every line must."},
            },
        },
    }


def purchase_order_properties() -> dict[str, Any]:
    return {
        "customer": {
            "type": "object", "additionalProperties": False,
            "description": "The buying company, by revhub id or by billing e-mail.",
            "properties": {"id": {"type": "string", "format": "uuid"},
                           "email": {"type": "string", "minLength": 3, "maxLength": 320, "pattern": NOT_BLANK}},
            "anyOf": [{"required": ["id"]}, {"required": ["email"]}],
            "x-revhub-error": "is required: an object with the customer's id or email",
        },
        "contact": {"type": ["object", "null"], "additionalProperties": False, "required": ["email"],
                    "properties": {"email": {"type": "string", "minLength": 3, "maxLength": 320,
                                             "pattern": NOT_BLANK}},
                    "x-revhub-error": "must be an object with the contact's email"},
        "vendor": {"type": ["string", "null"], "maxLength": 255, "pattern": NO_NUL},
        "po_number": {"type": "string", "minLength": 1, "maxLength": 64, "pattern": NOT_BLANK,
                      "description": "The buyer's PO number; compared after trimming and case-folding."},
        "issue_date": {"$ref": "Date"},
        "currency": {"type": "string", "pattern": "^[A-Za-z]{3}$", "description": "ISO 4217 code.",
                     "examples": ["EUR", "JPY"]},
        "lines": {"type": "array", "minItems": 1, "maxItems": 500, "items": {"$ref": "PurchaseOrderLine"}},
        "total": {"$ref": "Amount", "description": "The PO total, VAT included."},
        "tax": {"anyOf": [{"$ref": "Amount"}, {"type": "null"}],
                "description": "Optional: the VAT the buyer computed, checked against revhub's.",
                "x-revhub-error": AMOUNT_RULE},
        "subscription_start": {"$ref": "Date"},
        "subscription_end": {"$ref": "Date"},
        "payment_terms": {"enum": list(PAYMENT_TERMS), "default": "NET30"},
        "amounts_include_tax": {"type": "boolean", "default": False,
                                "x-revhub-error": "must be true (line amounts include VAT) or false"},
    }


REQUIRED = ["customer", "po_number", "issue_date", "currency", "lines", "total", "subscription_start",
            "subscription_end"]


def with_ref_prefix(node: Any, prefix: str) -> Any:
    """``node`` with each short ``$ref`` ("Amount") written as a reference under ``prefix``."""
    if isinstance(node, dict):
        return {k: (prefix + v if k == "$ref" else with_ref_prefix(v, prefix)) for k, v in node.items()}
    if isinstance(node, list):
        return [with_ref_prefix(v, prefix) for v in node]
    return node


def submission_schema(ref_prefix: str = "#/$defs/") -> dict[str, Any]:
    """The schema of a PO submission; its references under ``ref_prefix``."""
    return with_ref_prefix({"title": "PurchaseOrderSubmission", "type": "object", "additionalProperties": False,
                  "required": REQUIRED, "properties": purchase_order_properties()}, ref_prefix)


def standalone_schema() -> dict[str, Any]:
    """The schema as a self-contained document (``docs/api/purchase-order.schema.json``)."""
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema", "$id": SCHEMA_ID,
              "description": "A purchase order submitted to revhub (POST /api/purchase-orders). Amounts are "
                             "exact decimal strings in the currency's major units; JSON numbers are refused.",
              **submission_schema()}
    schema["$defs"] = with_ref_prefix(definitions(), "#/$defs/")
    return schema


_VALIDATOR = Draft202012Validator(standalone_schema(), format_checker=FormatChecker())
FIELDS = frozenset(purchase_order_properties())
LINE_FIELDS = frozenset(definitions()["PurchaseOrderLine"]["properties"])
CUSTOMER_FIELDS = frozenset(purchase_order_properties()["customer"]["properties"])
_KNOWN = {"": ("purchase order", FIELDS), "customer": ("customer", CUSTOMER_FIELDS),
          "contact": ("contact", frozenset({"email"}))}


def field_path(parts) -> str:
    """``lines[0].unit_price`` from the path ["lines", 0, "unit_price"]."""
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _message(error) -> list[tuple[str, str]]:
    """(field, message) pairs for one schema error, in the words intake has always used."""
    path, kind, schema, value = field_path(error.absolute_path), error.validator, error.schema, error.instance
    if kind == "required":
        return [(_join(path, n), "is required") for n in error.validator_value if n not in value]
    if kind == "additionalProperties":
        where = "line" if path.startswith("lines[") else path
        what, known = _KNOWN.get(where, ("purchase order line", LINE_FIELDS))
        what = "purchase order line" if where == "line" else what
        return [(_join(path, n), f"is not a field of a {what} (known: {', '.join(sorted(known))})")
                for n in sorted(set(value) - set(schema.get("properties", {})))]
    if value is None or (isinstance(value, str) and not value.strip() and kind in ("minLength", "pattern")):
        return [(path, "is required")]
    if kind == "pattern" and error.validator_value in (NO_NUL, NOT_BLANK):
        return [(path, "must not contain a NUL character")]
    if kind == "enum":
        options = [o for o in error.validator_value if o is not None]
        return [(path, f"must be one of {', '.join(options)}")]
    if kind == "maxLength":
        return [(path, f"must be at most {error.validator_value} characters")]
    if kind in ("minItems", "maxItems"):
        return [(path, "must be a non-empty list" if kind == "minItems" else
                 f"must have at most {error.validator_value} items")]
    if kind in ("minimum", "maximum") and "x-revhub-error" not in schema:
        return [(path, f"must be {'at least' if kind == 'minimum' else 'at most'} {error.validator_value}")]
    rule = schema.get("x-revhub-error") or _rule_of(error)
    return [(path, rule or error.message)]


def _rule_of(error) -> str | None:
    """The stated rule of the nearest schema up the error's chain that has one."""
    for parent in (error.parent, *(error.context or ())):
        if parent is not None and isinstance(parent.schema, dict) and parent.schema.get("x-revhub-error"):
            return parent.schema["x-revhub-error"]
    if error.validator == "type" and error.validator_value == "string":
        return "must be a string"
    if error.validator == "format" and error.validator_value == "uuid":
        return "must be a revhub id (a UUID)"
    return None


def schema_errors(data: Any) -> list[tuple[str, str]]:
    """Every (field, message) the schema finds in ``data``, one per field, in document order."""
    found: dict[str, str] = {}
    for error in sorted(_VALIDATOR.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path]):
        for field, message in _message(error):
            found.setdefault(field, message)
    return list(found.items())


def action_schema() -> dict[str, Any]:
    """The body of POST /api/purchase-orders/<id>/approve, /reject and /cancel. Who decides is
    the token's holder, never a field (an ``approver`` field is refused)."""
    return {"title": "PurchaseOrderAction", "type": "object", "additionalProperties": False,
            "properties": {"note": {"type": ["string", "null"], "maxLength": 4000, "pattern": NO_NUL},
                           "reason": {"type": ["string", "null"], "maxLength": 4000, "pattern": NO_NUL,
                                      "description": "Why the PO is rejected (required to reject; the customer "
                                                     "sees it)."}}}


_ACTION_VALIDATOR = Draft202012Validator(action_schema(), format_checker=FormatChecker())


def action_errors(data: Any) -> list[tuple[str, str]]:
    """Every (field, message) the action schema finds in ``data``."""
    if not isinstance(data, dict):
        return [("", "body must be a JSON object")]
    found: dict[str, str] = {}
    for error in _ACTION_VALIDATOR.iter_errors(data):
        path, value = field_path(error.absolute_path), error.instance
        if error.validator == "required":
            pairs = [(_join(path, n), "is required") for n in error.validator_value if n not in value]
        elif error.validator == "additionalProperties":
            pairs = [(_join(path, n), "is not a field of this request (known: note, reason; the decider "
                                      "is the token's holder)")
                     for n in sorted(set(value) - {"note", "reason"})]
        elif value is None or (isinstance(value, str) and not value.strip()):
            pairs = [(path, "is required")]
        elif error.validator == "maxLength":
            pairs = [(path, f"must be at most {error.validator_value} characters")]
        elif error.validator == "pattern":
            pairs = [(path, "must not contain a NUL character")]
        else:
            pairs = [(path, "must be a string")]
        for field, message in pairs:
            found.setdefault(field, message)
    return list(found.items())


# A valid submission (docs/api/purchase-order.example.json; the OpenAPI request example): 25 seats
# at 88,200 JPY, VAT 21 % on top.
EXAMPLE: dict[str, Any] = {
    "customer": {"email": "ap@nakatomi.example"}, "vendor": "revhub Demo Ltd",
    "po_number": "4500012345", "issue_date": "2026-11-02", "currency": "JPY",
    "lines": [{"product": "RH-PLAT", "description": "Platform licence, 12 months", "quantity": 25,
               "unit_price": "88200", "tax_code": "NL_VAT_21"}],
    "tax": "463050", "total": "2668050", "amounts_include_tax": False,
    "subscription_start": "2026-12-01", "subscription_end": "2027-11-30", "payment_terms": "NET45",
}
