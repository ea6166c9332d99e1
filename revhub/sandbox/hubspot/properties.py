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
