"""Stripe objects revhub's invoices refer to and creates once per account: the product for
invoice lines without a catalogue product, and the tax rates (one per revhub tax code,
percentage and inclusive/exclusive).

Each is looked up before it is created, and created with an idempotency key derived from what
it is, so two workers or a retry after a lost answer never make a second one.
"""

from __future__ import annotations

from typing import Any

from revhub.connectors.stripe.client import NotFound, StripeAPI
from revhub.tax.codes import tax_code

# A fixed id (Stripe lets a product's id be chosen): found again by any process, at any time.
LINE_PRODUCT_ID = "revhub_line_item"


def tax_rate_params(code: str, inclusive: bool) -> dict[str, Any]:
    """The Stripe tax rate for revhub tax ``code`` (percentage as an exact decimal string).
    https://docs.stripe.com/api/tax_rates/create"""
    found = tax_code(code)
    key = f"{found.code}:{found.rate.normalize():f}:{'inclusive' if inclusive else 'exclusive'}"
    return {"display_name": found.label[:50], "percentage": f"{found.rate.normalize():f}", "inclusive": inclusive,
            "country": "NL", "jurisdiction": "NL", "tax_type": "vat", "description": f"revhub tax code {found.code}",
            "metadata": {"revhub_tax_code": found.code, "revhub_tax_key": key}}


class StripeCatalog:
    """The line product and tax rates of one Stripe account, remembered once found."""

    def __init__(self, api: StripeAPI) -> None:
        self.api = api
        self._line_product: str | None = None
        self._tax_rates: dict[str, str] = {}

    def line_product(self) -> str:
        """https://docs.stripe.com/api/products/create (id chosen by revhub)"""
        if self._line_product is None:
            try:
                self.api.get(f"/v1/products/{LINE_PRODUCT_ID}", "product")
            except NotFound:
                self.api.request("post", "/v1/products", "product", idempotency_key=f"revhub:{LINE_PRODUCT_ID}",
                                 id=LINE_PRODUCT_ID, name="Invoice line",
                                 metadata={"revhub_role": "line_item"})
            self._line_product = LINE_PRODUCT_ID
        return self._line_product

    def tax_rate(self, key: str, params: dict[str, Any]) -> str:
        """The id of the tax rate ``key`` names, created from ``params`` when the account has none.
        https://docs.stripe.com/api/tax_rates/create"""
        if key not in self._tax_rates:
            found = self._find_tax_rate(key)
            if found is None:
                created = self.api.request("post", "/v1/tax_rates", "tax_rate", idempotency_key=f"revhub:tax:{key}",
                                           **params)
                found = created["id"]
            self._tax_rates[key] = found
        return self._tax_rates[key]

    def _find_tax_rate(self, key: str) -> str | None:
        """https://docs.stripe.com/api/tax_rates/list"""
        params: dict[str, Any] = {"limit": 100, "active": "true"}
        while True:
            page = self.api.get("/v1/tax_rates", "tax_rate", **params)
            for rate in page.get("data") or ():
                if (rate.get("metadata") or {}).get("revhub_tax_key") == key:
                    return rate["id"]
            if not page.get("has_more") or not page.get("data"):
                return None
            params["starting_after"] = page["data"][-1]["id"]
