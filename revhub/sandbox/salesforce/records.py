"""Turning a write request into a record version, with Salesforce's validation order.

Pure functions over plain dicts: unknown fields, read-only fields, value types, restricted
picklists, then required fields; then the fields Salesforce derives itself (names,
closed/won flags, line totals, inherited currency).
"""

from __future__ import annotations

from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from revhub.money import exponent
from revhub.sandbox.salesforce import schema, values
from revhub.sandbox.salesforce.errors import ApiError, dml
from revhub.sandbox.salesforce.schema import SObjectDef

_OPEN_ENDED = date(9999, 12, 31)
# Keys a record body may carry that are not fields (sObject Collections put the type here).
_META_KEYS = {"attributes"}


def parse_fields(definition: SObjectDef, body: dict, *, creating: bool) -> dict:
    """The body's fields as ``{api name: python value}``; raises ApiError like Salesforce."""
    if not isinstance(body, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of "
                       f"{definition.name} from {type(body).__name__} value")
    parsed: dict = {}
    read_only: list[str] = []
    for key, raw in body.items():
        if key in _META_KEYS:
            continue
        field = definition.field(key)
        if field is None:
            raise ApiError(400, "INVALID_FIELD",
                           f"No such column '{key}' on sobject of type {definition.name}")
        allowed = field.createable if creating else field.updateable
        if not allowed:
            read_only.append(field.name)
            continue
        parsed[field.name] = values.coerce(field, raw)
    if read_only:
        raise dml("INVALID_FIELD_FOR_INSERT_UPDATE",
                  f"Unable to create/update fields: {', '.join(read_only)}. Please check the "
                  "security settings of this field and verify that it is read/write for your "
                  "profile or permission set.", read_only)
    for name, value in parsed.items():
        field = definition.fields[name]
        if field.type == "boolean" and value is None:
            parsed[name] = False  # Salesforce booleans are never null
        elif field.values and value is not None and value not in field.values:
            message = (f"{field.label}: invalid currency code: {value}" if name == "CurrencyIsoCode"
                       else f"{field.label}: bad value for restricted picklist field: {value}")
            raise dml("INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST", message, [name])
    return parsed


def check_required(definition: SObjectDef, record: dict) -> None:
    missing = [f.name for f in definition.fields.values()
               if f.required and f.createable and record.get(f.name) in (None, "")]
    if missing:
        raise dml("REQUIRED_FIELD_MISSING", f"Required fields are missing: [{', '.join(missing)}]",
                  missing)


def defaults(definition: SObjectDef, user_id: str) -> dict:
    """Values a new record starts with before the request's fields are applied."""
    record = {name: None for name in definition.fields}
    for name, field in definition.fields.items():
        if field.type == "boolean":
            record[name] = False
    if "OwnerId" in record:
        record["OwnerId"] = user_id
    if "CurrencyIsoCode" in record:
        record["CurrencyIsoCode"] = schema.CORPORATE_CURRENCY
    return record


def derive(definition: SObjectDef, record: dict, parent_lookup) -> None:
    """Set the fields Salesforce computes from others (in place).

    ``parent_lookup(id)`` returns the current version of a referenced record or None.
    """
    name = definition.name
    if name == "Contact":
        record["Name"] = " ".join(p for p in (record.get("FirstName"), record.get("LastName")) if p)
    elif name == "Opportunity":
        stage = record.get("StageName")
        record["IsClosed"] = stage in schema.STAGES_CLOSED
        record["IsWon"] = stage in schema.STAGES_WON
    elif name == "PricebookEntry":
        product = parent_lookup(record.get("Product2Id"))
        record["Name"] = product["Name"] if product else None
    elif name == "OpportunityLineItem":
        _derive_line_item(record, parent_lookup)
    elif name == "DatedConversionRate" and record.get("NextStartDate") is None:
        record["NextStartDate"] = _OPEN_ENDED  # the newest rate holds until another starts
    elif name == "Purchase_Order_Line__c":
        order = parent_lookup(record.get("Purchase_Order__c"))
        currency = order.get("CurrencyIsoCode") if order else None
        currency = currency or schema.CORPORATE_CURRENCY
        if "CurrencyIsoCode" in definition.fields:
            record["CurrencyIsoCode"] = currency
        quantity, unit = record.get("Quantity__c"), record.get("Unit_Price__c")
        record["Total_Price__c"] = (money(quantity * unit, currency)
                                    if quantity is not None and unit is not None else None)


def _derive_line_item(record: dict, parent_lookup) -> None:
    opportunity = parent_lookup(record.get("OpportunityId"))
    currency = (opportunity.get("CurrencyIsoCode") if opportunity else None) or schema.CORPORATE_CURRENCY
    if "CurrencyIsoCode" in record:
        record["CurrencyIsoCode"] = currency
    entry = parent_lookup(record.get("PricebookEntryId"))
    if entry is not None and record.get("Product2Id") is None:
        record["Product2Id"] = entry["Product2Id"]
    quantity = record.get("Quantity")
    if record.get("UnitPrice") is None and entry is not None:
        record["UnitPrice"] = entry["UnitPrice"]
    if quantity and record.get("UnitPrice") is not None:
        record["TotalPrice"] = money(quantity * record["UnitPrice"], currency)
    elif quantity and record.get("TotalPrice") is not None:
        record["UnitPrice"] = money(record["TotalPrice"] / quantity, currency)


def check_line_item_prices(body: dict) -> None:
    """OpportunityLineItem takes UnitPrice or TotalPrice, never both."""
    given = {k.lower() for k in body}
    if "unitprice" in given and "totalprice" in given:
        raise dml("FIELD_INTEGRITY_EXCEPTION",
                  "field integrity exception: TotalPrice (you can't specify both unit price and "
                  "total price)", ["TotalPrice"])


def money(amount: Decimal, currency: str) -> Decimal:
    """``amount`` rounded half-up to the currency's minor unit, as an exact Decimal."""
    return amount.quantize(Decimal(1).scaleb(-exponent(currency)), rounding=ROUND_HALF_UP)
