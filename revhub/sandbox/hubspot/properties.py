"""The portal's property definitions: which properties each object has.

HubSpot refuses a write naming a property the portal does not define (400 VALIDATION_ERROR,
PROPERTY_DOESNT_EXIST). The PO lives on the deal as custom properties, as a HubSpot admin
would add them in Settings > Properties (a "Purchase order" group on deals); see
docs/setup/hubspot.md.
"""

from __future__ import annotations

_COMMON = "hs_object_id hs_lastmodifieddate createdate"

PROPERTIES: dict[str, frozenset[str]] = {t: frozenset(f"{_COMMON} {names}".split()) for t, names in {
    "companies": "name domain address address2 city state zip country phone lifecyclestage "
                 "billing_email tax_id",
    "contacts": "firstname lastname email jobtitle phone lifecyclestage lastmodifieddate",
    "deals": "dealname amount closedate dealstage pipeline deal_currency_code hubspot_owner_id "
             "po_number po_status po_issue_date subscription_start subscription_end payment_terms "
             "amount_paid invoice_number revhub_id",
    "line_items": "name hs_sku description quantity price amount hs_product_id tax_code tax_amount revhub_line_id",
}.items()}
# Properties defined with "hasUniqueValue": batch upsert may name them as its idProperty.
UNIQUE: dict[str, frozenset[str]] = {"deals": frozenset({"revhub_id"}), "line_items": frozenset({"revhub_line_id"}),
                                     "companies": frozenset(), "contacts": frozenset({"email"})}

# What the property definitions say of each (the rest are single-line text).
NUMBERS = frozenset({"amount", "amount_paid", "quantity", "price", "tax_amount"})
DATES = frozenset({"po_issue_date", "subscription_start", "subscription_end"})
DATETIMES = frozenset({"hs_lastmodifieddate", "createdate", "closedate", "lastmodifieddate"})
PO_STATUSES = ("received", "approved", "invoiced", "partially_paid", "paid", "cancelled", "invoice_voided")
# The properties an admin adds for revhub (the rest are HubSpot's own).
CUSTOM = frozenset({"billing_email", "tax_id", "po_number", "po_status", "po_issue_date", "subscription_start",
                    "subscription_end", "payment_terms", "amount_paid", "invoice_number", "revhub_id", "tax_code",
                    "tax_amount", "revhub_line_id"})


def definition(object_type: str, name: str, stamp: str) -> dict:
    """One property as GET /crm/v3/properties/{objectType} describes it."""
    kind, field = ("number", "number") if name in NUMBERS else ("date", "date") if name in DATES else (
        "datetime", "date") if name in DATETIMES else ("enumeration", "select") if name == "po_status" else (
        "string", "text")
    options = [{"label": v.replace("_", " ").capitalize(), "value": v, "displayOrder": n, "hidden": False,
                "description": ""} for n, v in enumerate(PO_STATUSES)] if name == "po_status" else []
    return {"name": name, "label": name.replace("_", " ").capitalize(), "type": kind, "fieldType": field,
            "description": "", "groupName": "purchase_order" if name in CUSTOM else f"{object_type[:-1]}information",
            "options": options, "displayOrder": -1, "hasUniqueValue": name in UNIQUE[object_type],
            "hidden": False, "formField": name in CUSTOM, "hubspotDefined": name not in CUSTOM, "calculated": False,
            "externalOptions": False, "archived": False, "createdAt": stamp, "updatedAt": stamp}
