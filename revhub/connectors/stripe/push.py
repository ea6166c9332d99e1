"""Write-back to Stripe: customers and invoices, one object per call (Stripe has no batches).

An invoice is created in steps (create, add lines, finalize, send), each with an
idempotency key derived from the outbox message, so a retry after a crash replays Stripe's
saved answers instead of creating a second invoice.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from revhub.connectors.errors import ConnectorError, FatalError, RetriableError
from revhub.connectors.stripe.catalog import LINE_PRODUCT_ID, StripeCatalog, tax_rate_params
from revhub.connectors.stripe.client import NotFound, StripeAPI
from revhub.currency_rules import stripe_amount
from revhub.mappings import engine
from revhub.mappings.loader import mapping_for
from revhub.mappings.writes import WriteItem, WriteResult
from revhub.tax.codes import invoice_notes


def days_until_due(due_date: str | None, today: date) -> int:
    """Days from ``today`` to the terms' due date, never negative.

    Stripe refuses a ``due_date`` in the past, and DUE_ON_RECEIPT or an invoice pushed after
    its terms ran out would be one; ``days_until_due`` counts from finalization instead (0 is
    due on receipt). The terms' own due date travels in the metadata.
    """
    if not due_date:
        return 0
    return max(0, (date.fromisoformat(due_date) - today).days)


class StripePusher:
    def __init__(self, api: StripeAPI, overrides: dict | None = None,
                 today: Callable[[], date] = lambda: datetime.now(UTC).date()) -> None:
        self.api, self.overrides, self.today = api, overrides, today
        self.catalog = StripeCatalog(api)

    def _customer(self, record: dict[str, Any]) -> dict[str, Any]:
        params = engine.write(mapping_for("stripe", "customer", self.overrides), record, None)
        address = {k: record.get(f"billing_{f}") for k, f in
                   (("line1", "line1"), ("line2", "line2"), ("city", "city"), ("state", "region"),
                    ("postal_code", "postal_code"), ("country", "country"))}
        if any(address.values()):
            params["address"] = {k: v for k, v in address.items() if v}
        params["metadata"] = {"revhub_id": str(record["id"])}
        if record.get("tax_id"):
            params["metadata"]["tax_id"] = record["tax_id"]
        return params

    def _invoice(self, item: WriteItem, customer: str) -> dict[str, Any]:
        record = item.record
        params = engine.write(mapping_for("stripe", "invoice", self.overrides), record, record["currency"])
        params.update(customer=customer, collection_method="send_invoice", auto_advance=False,
                      number=record.get("number"), days_until_due=days_until_due(record.get("due_date"), self.today()))
        if record.get("po_number"):
            params["custom_fields"] = [{"name": "PO number", "value": record["po_number"]}]
        params.setdefault("metadata", {}).update(revhub_id=str(item.record_id))
        if record.get("due_date"):
            params["metadata"]["terms_due_date"] = record["due_date"]
        params["metadata"]["amounts_include_tax"] = "true" if record.get("amounts_include_tax") else "false"
        buyer_vat = (item.related.get("customer") or {}).get("tax_id")
        params["footer"] = invoice_notes([line.get("tax_code") for line in record.get("lines") or ()], buyer_vat)
        return {k: v for k, v in params.items() if v is not None}

    def _lines(self, item: WriteItem, *, dry_run: bool = False) -> list[dict[str, Any]]:
        """Each line as quantity × unit price (Stripe needs a product for that: lines without a
        catalogue product name revhub's line product, created once) with its tax rate."""
        currency = item.record["currency"]
        inclusive = bool(item.record.get("amounts_include_tax"))
        lines = []
        for line in item.record.get("lines") or ():
            product = line.get("product_external_id")
            entry: dict[str, Any] = {
                "description": line.get("description") or (None if product else "Item"),
                "quantity": line.get("quantity") or 1,
                "price_data": {"currency": currency.lower(),
                               "product": product or (LINE_PRODUCT_ID if dry_run else self.catalog.line_product()),
                               "unit_amount": stripe_amount(line.get("unit_amount_minor") or 0, currency)}}
            if line.get("tax_code"):
                rate = tax_rate_params(line["tax_code"], inclusive)
                key = rate["metadata"]["revhub_tax_key"]
                entry["tax_rates"] = [f"<tax rate {key}>" if dry_run else self.catalog.tax_rate(key, rate)]
                entry["metadata"] = {"revhub_tax_code": line["tax_code"]}
            lines.append({k: v for k, v in entry.items() if v is not None})
        return lines

    def describe(self, entity: str, item: WriteItem) -> dict[str, Any]:
        if entity == "customer":
            return self._customer(item.record)
        if entity == "invoice":
            return {"invoice": self._invoice(item, item.refs.get("customer") or "<created with the invoice>"),
                    "lines": self._lines(item, dry_run=True)}
        return {}

    def push(self, entity: str, items: list[WriteItem]) -> list[WriteResult]:
        results = []
        for item in items:
            try:
                if entity == "customer":
                    results.append(self._push_customer(item))
                elif entity == "invoice":
                    results.append(self._push_invoice(item))
                else:
                    results.append(WriteResult(item.message_id, "skipped"))
            except RetriableError as exc:
                results.append(WriteResult(item.message_id, "retry", error=str(exc), retry_after=exc.retry_after))
            except ConnectorError as exc:
                results.append(WriteResult(item.message_id, "dead", error=str(exc)))
            except NotFound as exc:  # gone from Stripe (deleted there): this item's dead letter only
                results.append(WriteResult(item.message_id, "dead", error=f"not found in Stripe (404): {exc}"))
        return results

    def _post(self, path: str, key: str, entity: str, **params: Any) -> dict[str, Any]:
        return self.api.request("post", path, entity, idempotency_key=key, **params)

    def _push_customer(self, item: WriteItem) -> WriteResult:
        """https://docs.stripe.com/api/customers/create"""
        path = f"/v1/customers/{item.external_id}" if item.external_id else "/v1/customers"
        customer = self._post(path, item.idempotency_key, "customer", **self._customer(item.record))
        return WriteResult(item.message_id, "sent", external_id=customer["id"])

    def _push_invoice(self, item: WriteItem) -> WriteResult:
        """https://docs.stripe.com/api/invoices/create, …/add_lines, …/finalize, …/send

        Resumable: a write interrupted after any step (a crash, a run of 5xx) carries on from
        the draft it made, found by the create's idempotent answer, by the link its echo
        recorded, or by listing the customer's invoices for its revhub id.
        """
        if item.external_id:
            if (item.base or {}).get("status") not in (None, "draft"):
                return self._update_invoice(item)
            # Linked by the echo of a write not yet finished (no base of ours): look, then finish it.
            invoice = self.api.get(f"/v1/invoices/{item.external_id}", "invoice")
            if invoice["status"] in ("draft", "open") and _ours(invoice, item):
                return self._finish_invoice(item, invoice, [])
            return self._update_invoice(item)
        links = []
        customer = item.refs.get("customer")
        if not customer:
            related = item.related.get("customer")
            if not related:
                return WriteResult(item.message_id, "dead", error="the invoice has no customer")
            customer = self._post("/v1/customers", f"{item.idempotency_key}:customer", "customer",
                                  **self._customer(related))["id"]
            links.append(("customer", related_id(item), customer))
        invoice = self._draft(item, customer)
        return self._finish_invoice(item, invoice, links)

    def _draft(self, item: WriteItem, customer: str) -> dict[str, Any]:
        """The invoice's draft: created, or the one an earlier attempt of this write created."""
        try:
            return self._post("/v1/invoices", f"{item.idempotency_key}:create", "invoice",
                              **self._invoice(item, customer))
        except FatalError:
            # A newer version of the record has a new key, and Stripe refuses the number the
            # first attempt took: that attempt's invoice is ours to finish.
            found = self._find_invoice(customer, item)
            if found is None:
                raise
            return self._catch_up(item, found, customer)

    def _catch_up(self, item: WriteItem, draft: dict[str, Any], customer: str) -> dict[str, Any]:
        """https://docs.stripe.com/api/invoices/update: a draft made from an older version of
        the record takes the fields a draft may still change."""
        if draft["status"] != "draft":
            return draft
        wanted = self._invoice(item, customer)
        changes = {k: wanted[k] for k in _DRAFT_EDITABLE if k in wanted and wanted[k] != draft.get(k)}
        if not changes:
            return draft
        return self._post(f"/v1/invoices/{draft['id']}", f"{item.idempotency_key}:catch-up", "invoice", **changes)

    def _find_invoice(self, customer: str, item: WriteItem) -> dict[str, Any] | None:
        """https://docs.stripe.com/api/invoices/list: the customer's invoice carrying our revhub id.

        A list, not the search API: search is eventually consistent and may not yet show an
        invoice created seconds ago.
        """
        params: dict[str, Any] = {"customer": customer, "limit": 100}
        while True:
            page = self.api.get("/v1/invoices", "invoice", **params)
            for invoice in page["data"]:
                if _ours(invoice, item):
                    return invoice
            if not page["has_more"] or not page["data"]:
                return None
            params["starting_after"] = page["data"][-1]["id"]

    def _finish_invoice(self, item: WriteItem, invoice: dict[str, Any], links: list) -> WriteResult:
        """Lines, finalize, send: each step only if the invoice has not had it yet."""
        path, key = f"/v1/invoices/{invoice['id']}", item.idempotency_key
        if invoice["status"] == "draft":
            lines = self._lines(item)
            # add_lines adds all of a call's lines or none, so any line means that step is done.
            if lines and not (invoice.get("lines") or {}).get("data"):
                self._post(f"{path}/add_lines", f"{key}:lines", "invoice", lines=lines)
            # Keys of the record, not of this message: a resumed write under a newer version
            # of the record replays these steps instead of sending the customer a second e-mail.
            self._post(f"{path}/finalize", f"{_record_key(item)}:finalize", "invoice", auto_advance=False)
            self._post(f"{path}/send", f"{_record_key(item)}:send", "invoice")
        elif invoice["status"] == "open":
            # Finalized by an attempt that died before sending; Stripe has no "sent" flag, and
            # the record's key makes this a replay if that attempt did send.
            self._post(f"{path}/send", f"{_record_key(item)}:send", "invoice")
        return WriteResult(item.message_id, "sent", external_id=invoice["id"], links=links)

    def _update_invoice(self, item: WriteItem) -> WriteResult:
        status, before = item.record.get("status"), (item.base or {}).get("status")
        if status == before:
            return WriteResult(item.message_id, "skipped", external_id=item.external_id)
        path = f"/v1/invoices/{item.external_id}"
        if status == "paid":
            # Paid somewhere else (a bank transfer booked in Xero): Stripe must stop collecting.
            self._post(f"{path}/pay", f"{item.idempotency_key}:pay", "invoice", paid_out_of_band=True)
        elif status == "void":
            self._post(f"{path}/void", f"{item.idempotency_key}:void", "invoice")
        elif status == "uncollectible":
            self._post(f"{path}/mark_uncollectible", f"{item.idempotency_key}:uncollectible", "invoice")
        else:
            return WriteResult(item.message_id, "skipped", external_id=item.external_id)
        return WriteResult(item.message_id, "sent", external_id=item.external_id)


# What a draft invoice still lets us change of what the create sent (a draft shows no
# days_until_due, so a resumed draft is always given the terms again: one call, harmless).
_DRAFT_EDITABLE = ("days_until_due", "custom_fields", "description", "footer", "metadata")


def _ours(invoice: dict[str, Any], item: WriteItem) -> bool:
    return (invoice.get("metadata") or {}).get("revhub_id") == str(item.record_id)


def _record_key(item: WriteItem) -> str:
    """An idempotency key for a step done once per record, whatever message asks for it."""
    return f"{item.entity}:{item.record_id}:stripe"


def related_id(item: WriteItem):
    import uuid

    return uuid.UUID(item.record["customer_id"])
