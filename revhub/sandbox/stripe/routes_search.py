"""The Search API endpoints: customers, invoices, charges and payment intents."""

from __future__ import annotations

from revhub.sandbox.stripe import params as p
from revhub.sandbox.stripe import search

_RESOURCES = (("customers", "customer", "CustomerSearchParams"), ("invoices", "invoice", "InvoiceSearchParams"),
              ("charges", "charge", "ChargeSearchParams"),
              ("payment_intents", "payment_intent", "PaymentIntentSearchParams"))


def install(sb, route, listing) -> None:
    """Serve ``GET /v1/<resource>/search`` for each searchable resource."""
    for resource, kind, params in _RESOURCES:
        def find(q, _resource=resource, _kind=kind):
            limit = p.integer(q, "limit", minimum=1, maximum=100, default=10)
            return search.page(sb.store.all(_kind), _resource, q, limit)
        route(f"/v1/{resource}/search", ["GET"], f"{resource}_search", params)(find)
