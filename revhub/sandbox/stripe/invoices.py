"""Invoices (API 2026-10-28: no top-level charge/paid/subscription; payments are invoice
payments), their line items, and the state machine draft → open → paid | void | uncollectible."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from revhub.sandbox.stripe import currencies, invoice_items, lines, taxes
from revhub.sandbox.stripe import params as p
from revhub.sandbox.stripe.errors import StripeError
from revhub.sandbox.stripe.payments import Payments
from revhub.sandbox.stripe.store import Store, new_id

DAY = 86400


class Invoices:
    def __init__(self, store: Store, now: Callable[[], int], emit: Callable[..., None], payments: Payments) -> None:
        self.store, self.now, self.emit, self.payments = store, now, emit, payments

    # -- creation and lines ----------------------------------------------------------
    def create(self, q: dict[str, Any], created: int | None = None) -> dict[str, Any]:
        customer = self.store["customer"].get(p.string(q, "customer", required=True), "customer")
        method = p.string(q, "collection_method", choices=("charge_automatically", "send_invoice")) or \
            "charge_automatically"
        days = p.integer(q, "days_until_due", minimum=0, maximum=3650)
        due = p.future_timestamp(q, "due_date", self.now())
        p.future_timestamp(q, "automatically_finalizes_at", self.now())
        if method == "send_invoice" and days is None and due is None:
            raise StripeError(400, "Missing required param: days_until_due.", code="parameter_missing",
                              param="days_until_due")
        if method == "charge_automatically" and (days is not None or due is not None):
            raise StripeError(400, "Invoices with collection_method charge_automatically cannot have a due date.",
                              param="days_until_due" if days is not None else "due_date")
        number = p.string(q, "number", max_length=26)
        if number and self.store.is_taken("invoice.number", number):
            raise StripeError(400, f"Invoice number {number} has already been used.", code="invoice_number_taken",
                              param="number")
        created = created or self.now()
        currency = (p.string(q, "currency") or customer.get("currency")
                    or self.payments.balance.default_currency).lower()  # the account's, when neither says
        invoice = {
            "id": new_id("invoice"), "object": "invoice", "account_country": "NL", "account_name": "revhub sandbox",
            "account_tax_ids": None, "amount_due": 0, "amount_overpaid": 0, "amount_paid": 0, "amount_remaining": 0,
            "amount_shipping": 0, "application": None, "attempt_count": 0, "attempted": False,
            "auto_advance": p.boolean(q, "auto_advance", default=method == "charge_automatically"),
            "automatic_tax": {"enabled": False, "liability": None, "provider": None, "status": None},
            "billing_reason": "manual", "collection_method": method, "created": created, "currency": currency,
            "custom_fields": _custom_fields(q), "customer": customer["id"], "customer_address": customer["address"],
            "customer_email": customer["email"], "customer_name": customer["name"], "customer_phone": customer["phone"],
            "customer_shipping": None, "customer_tax_exempt": "none", "customer_tax_ids": [],
            "default_payment_method": None, "default_source": None, "default_tax_rates": [],
            "description": p.string(q, "description"), "discounts": [], "due_date": due,
            "effective_at": None, "ending_balance": None, "footer": p.string(q, "footer"), "from_invoice": None,
            "hosted_invoice_url": None, "invoice_pdf": None, "issuer": {"type": "self"},
            "last_finalization_error": None, "latest_revision": None,
            "lines": {"object": "list", "data": [], "has_more": False, "total_count": 0, "url": ""},
            "livemode": False, "metadata": p.metadata(q), "next_payment_attempt": None, "number": number,
            "on_behalf_of": None, "parent": None,
            "payment_settings": {"default_mandate": None, "payment_method_options": None, "payment_method_types": None},
            "period_end": created, "period_start": created, "post_payment_credit_notes_amount": 0,
            "pre_payment_credit_notes_amount": 0, "receipt_number": None, "rendering": None, "shipping_cost": None,
            "shipping_details": None, "starting_balance": 0, "statement_descriptor": None, "status": "draft",
            "status_transitions": {"finalized_at": None, "marked_uncollectible_at": None, "paid_at": None,
                                   "voided_at": None},
            "subtotal": 0, "subtotal_excluding_tax": 0, "test_clock": None, "total": 0, "total_discount_amounts": [],
            "total_excluding_tax": 0, "total_pretax_credit_amounts": [], "total_taxes": [],
            "webhooks_delivered_at": None, "_days_until_due": days, "_default_tax_rates": [],
        }
        self._default_tax_rates(invoice, q)
        invoice["lines"]["url"] = f"/v1/invoices/{invoice['id']}/lines"
        if number:
            self.store.take("invoice.number", number)
        if customer["currency"] is None:  # a customer's currency is that of its first invoice
            customer["currency"] = currency
        self.store["invoice"].add(invoice)
        if p.string(q, "pending_invoice_items_behavior") == "include":
            invoice["lines"]["data"].extend(invoice_items.take_pending(self.store, invoice))
            self._totals(invoice)
        self.emit("invoice.created", invoice)
        return invoice

    def update(self, invoice: dict[str, Any], q: dict[str, Any]) -> dict[str, Any]:
        """``POST /v1/invoices/{id}``: a draft takes any field, a finalized invoice only a few."""
        if invoice["status"] != "draft" and set(q) - {"metadata", "description", "footer", "expand"}:
            raise StripeError(400, "You can only update metadata, description and footer of a finalized invoice.",
                              code="invoice_not_editable")
        changes: dict[str, Any] = {}
        if "metadata" in q:
            changes["metadata"] = p.metadata(q, invoice["metadata"])
        for name in ("description", "footer"):
            if name in q:
                changes[name] = p.string(q, name)
        if "due_date" in q:
            changes["due_date"] = p.future_timestamp(q, "due_date", self.now())
        if "days_until_due" in q:
            invoice["_days_until_due"] = p.integer(q, "days_until_due", minimum=0, maximum=3650)
        if "custom_fields" in q:
            changes["custom_fields"] = _custom_fields(q)
        if "default_tax_rates" in q:
            ids = taxes.rate_ids(self.store, q["default_tax_rates"], "default_tax_rates")
            changes["default_tax_rates"] = [self.store["tax_rate"].get(i) for i in ids]
        before = {name: invoice[name] for name, value in changes.items() if invoice[name] != value}
        invoice.update(changes)
        if "default_tax_rates" in changes:
            invoice["_default_tax_rates"] = [rate["id"] for rate in changes["default_tax_rates"]]
            self._totals(invoice)
        if before:
            self.emit("invoice.updated", invoice, before)
        return invoice

    def add_line(self, invoice: dict[str, Any], line: dict[str, Any]) -> dict[str, Any]:
        """One line (an invoice item's): checked, added, backed by its invoice item, totals redone."""
        return self._commit(invoice, [lines.build(self.store, invoice, line, "", self.now())])[0]

    def _commit(self, invoice: dict[str, Any], rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
        for row in rows:
            invoice["lines"]["data"].append(row)
            invoice_items.from_line(self.store, row, invoice, row["period"]["start"])
        self._totals(invoice)
        return rows

    def add_lines(self, invoice: dict[str, Any], given: Any) -> dict[str, Any]:
        """``POST /v1/invoices/{id}/add_lines``: all lines or none."""
        if not isinstance(given, list) or not given:
            raise StripeError(400, "Missing required param: lines.", code="parameter_missing", param="lines")
        before = {"amount_due": invoice["amount_due"], "total": invoice["total"]}
        # Every line is checked before any is added: a refused request changes nothing.
        rows = [lines.build(self.store, invoice, line, f"lines[{i}]", self.now()) for i, line in enumerate(given)]
        self._commit(invoice, rows)
        self.emit("invoice.updated", invoice, before)
        return invoice

    def _totals(self, invoice: dict[str, Any]) -> None:
        """Line taxes (the line's own rates, else the invoice's defaults) and the invoice's amounts."""
        lines = invoice["lines"]["data"]
        for line in lines:
            line["taxes"] = taxes.line_taxes(self.store, line["amount"],
                                             line["_tax_rates"] or invoice["_default_tax_rates"])
        invoice["lines"]["total_count"] = len(lines)
        invoice.update(taxes.totals(lines))
        invoice["amount_due"] = invoice["total"]
        invoice["amount_remaining"] = max(0, invoice["total"] - invoice["amount_paid"])

    def _default_tax_rates(self, invoice: dict[str, Any], q: dict[str, Any]) -> None:
        ids = taxes.rate_ids(self.store, q.get("default_tax_rates"), "default_tax_rates")
        invoice["_default_tax_rates"] = ids
        invoice["default_tax_rates"] = [self.store["tax_rate"].get(i) for i in ids]

    # -- state machine ---------------------------------------------------------------
    def finalize(self, invoice: dict[str, Any], at: int | None = None) -> dict[str, Any]:
        if invoice["status"] != "draft":
            raise StripeError(400, "This invoice is already finalized, you can't re-finalize a non-draft invoice.",
                              code="invoice_not_editable")
        if invoice["amount_due"]:
            currencies.check_charge(invoice["amount_due"], invoice["currency"], param=None, minimum=False)
        at = at or self.now()
        customer = self.store["customer"].get(invoice["customer"])
        if not invoice["number"]:
            customer["next_invoice_sequence"] += 1
            invoice["number"] = f"{customer['invoice_prefix']}-{customer['next_invoice_sequence'] - 1:04d}"
        self.store.take("invoice.number", invoice["number"])
        if invoice["collection_method"] == "send_invoice" and invoice["due_date"] is None:
            invoice["due_date"] = at + DAY * (invoice["_days_until_due"] or 0)
        invoice["status"], invoice["effective_at"] = "open", at
        invoice["status_transitions"]["finalized_at"] = at
        invoice["hosted_invoice_url"] = f"https://invoice.stripe.com/i/acct_sandbox/test_{invoice['id']}"
        invoice["invoice_pdf"] = f"{invoice['hosted_invoice_url']}/pdf"
        invoice["ending_balance"] = 0
        self.emit("invoice.finalized", invoice)
        if invoice["amount_due"] == 0:
            self._mark_paid(invoice, at)
        return invoice

    def pay(self, invoice: dict[str, Any], q: dict[str, Any], at: int | None = None) -> dict[str, Any]:
        if invoice["status"] not in ("open", "uncollectible"):
            raise StripeError(400, f"Invoice is already {invoice['status']}" if invoice["status"] in ("paid", "void")
                              else "You can only pay an invoice that is open or uncollectible.",
                              code="invoice_not_editable" if invoice["status"] == "draft" else "invoice_already_paid"
                              if invoice["status"] == "paid" else "invoice_not_editable")
        at = at or self.now()
        if p.boolean(q, "paid_out_of_band", default=False):
            invoice["_paid_out_of_band"] = True
            invoice["amount_paid"] = invoice["amount_due"]
            invoice["amount_remaining"] = 0
            self._mark_paid(invoice, at)
            return invoice
        method = p.string(q, "payment_method") or "pm_card_visa"
        intent = self.payments.intent(invoice["amount_remaining"], invoice["currency"], invoice["customer"],
                                      description=f"Payment for Invoice {invoice['number']}", created=at)
        invoice["attempt_count"] += 1
        invoice["attempted"] = True
        try:
            self.payments.confirm(intent, method, at)
        except StripeError:
            self.emit("invoice.payment_failed", invoice)
            raise
        return self.attach(invoice, intent, at)

    def attach(self, invoice: dict[str, Any], intent: dict[str, Any], at: int | None = None) -> dict[str, Any]:
        """Apply a succeeded payment intent (maybe partial, maybe more than due) to the invoice."""
        if invoice["status"] not in ("open", "uncollectible"):
            raise StripeError(400, "You can only attach payments to an open or uncollectible invoice.",
                              code="invoice_not_editable", param="payment_intent")
        if intent["status"] != "succeeded":
            raise StripeError(400, "The PaymentIntent must have succeeded to be attached.",
                              code="payment_intent_unexpected_state", param="payment_intent")
        if intent["currency"] != invoice["currency"]:
            raise StripeError(400, "The PaymentIntent's currency must match the invoice's.", param="payment_intent")
        if self.store.is_taken("invoice_payment.payment_intent", intent["id"]):
            raise StripeError(400, "This PaymentIntent is already attached to an invoice.", param="payment_intent")
        at = at or self.now()
        applied = min(intent["amount_received"], invoice["amount_remaining"])
        self.store.take("invoice_payment.payment_intent", intent["id"])
        invoice.setdefault("_payment_intents", []).append(intent["id"])
        intent["_invoice"] = invoice["id"]
        self.store["invoice_payment"].add({
            "id": new_id("invoice_payment"), "object": "invoice_payment", "amount_paid": intent["amount_received"],
            "amount_requested": intent["amount"], "created": at, "currency": invoice["currency"],
            "invoice": invoice["id"], "is_default": True, "livemode": False,
            "payment": {"type": "payment_intent", "payment_intent": intent["id"]}, "status": "paid",
            "status_transitions": {"canceled_at": None, "paid_at": at}})
        before = {"amount_paid": invoice["amount_paid"], "amount_remaining": invoice["amount_remaining"]}
        invoice["amount_paid"] += applied
        invoice["amount_overpaid"] += intent["amount_received"] - applied
        invoice["amount_remaining"] = invoice["amount_due"] - invoice["amount_paid"]
        if invoice["amount_remaining"] <= 0:
            self.emit("invoice.payment_succeeded", invoice)
            self._mark_paid(invoice, at)
        else:
            self.emit("invoice.updated", invoice, before)
        return invoice

    def _mark_paid(self, invoice: dict[str, Any], at: int) -> None:
        invoice["status"] = "paid"
        invoice["status_transitions"]["paid_at"] = at
        self.emit("invoice.paid", invoice)

    def void(self, invoice: dict[str, Any]) -> dict[str, Any]:
        if invoice["status"] not in ("open", "uncollectible") or invoice["amount_paid"]:
            raise StripeError(400,
                              f"You can only void open invoices without payments; this one is {invoice['status']}.",
                              code="invoice_not_editable")
        invoice["status"] = "void"
        invoice["status_transitions"]["voided_at"] = self.now()
        self.emit("invoice.voided", invoice)
        return invoice

    def mark_uncollectible(self, invoice: dict[str, Any]) -> dict[str, Any]:
        if invoice["status"] != "open":
            raise StripeError(400, "You can only mark open invoices as uncollectible.", code="invoice_not_editable")
        invoice["status"] = "uncollectible"
        invoice["status_transitions"]["marked_uncollectible_at"] = self.now()
        self.emit("invoice.marked_uncollectible", invoice)
        return invoice

    def send(self, invoice: dict[str, Any]) -> dict[str, Any]:
        if invoice["status"] != "open" or invoice["collection_method"] != "send_invoice":
            raise StripeError(400, "You can only send open invoices with collection_method send_invoice.",
                              code="invoice_not_editable")
        self.emit("invoice.sent", invoice)
        return invoice


def _custom_fields(q: dict[str, Any]) -> list[dict[str, str]] | None:
    given = q.get("custom_fields")
    if given in (None, ""):
        return None
    if not isinstance(given, list) or len(given) > 4:
        raise StripeError(400, "You can have at most 4 custom fields.", param="custom_fields")
    fields = []
    for i, field in enumerate(given):
        if not isinstance(field, dict) or not field.get("name") or not field.get("value"):
            raise StripeError(400, f"Missing required param: custom_fields[{i}][name].",
                              code="parameter_missing", param=f"custom_fields[{i}][name]")
        if len(field["name"]) > 40 or len(field["value"]) > 140:
            raise StripeError(400, "Custom field names are at most 40 and values at most 140 characters.",
                              param=f"custom_fields[{i}]")
        fields.append({"name": field["name"], "value": field["value"]})
    return fields
