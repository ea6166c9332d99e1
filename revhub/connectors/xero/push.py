"""Write-back to Xero: contacts, sales invoices (ACCREC, AUTHORISED, PO number in
``Reference``) and payments against them.

Batches of up to 50 with ``summarizeErrors=false``, so each element answers for itself and
one invalid element is a dead letter carrying Xero's message while the rest are written.
Every batch carries an ``Idempotency-Key``; beyond Xero's short replay window, invoice
numbers (unique per organisation) and payment references are checked before writing again.
"""

from __future__ import annotations

from typing import Any

from revhub.connectors.errors import ConfigError, FatalError
from revhub.connectors.xero.batches import batch_key as _key
from revhub.connectors.xero.batches import element_errors as _errors
from revhub.connectors.xero.client import NotFound, XeroAPI
from revhub.connectors.xero.exact_json import exact
from revhub.connectors.xero.push_disputes import XeroDisputePusher
from revhub.connectors.xero.push_money import XeroMoneyPusher
from revhub.mappings import engine
from revhub.mappings.ledger_settings import ledger_settings
from revhub.mappings.loader import mapping_for
from revhub.mappings.writes import WriteItem, WriteResult, push_in_batches
from revhub.money import to_decimal
from revhub.tax.codes import invoice_notes
from revhub.tax.mapping import TaxMappingError, xero_tax_types

BATCH = 50
# Canonical billing fields → Xero Address fields.
# https://developer.xero.com/documentation/api/accounting/types#addresses
_ADDRESS_FIELDS = (("billing_line1", "AddressLine1"), ("billing_line2", "AddressLine2"), ("billing_city", "City"),
                   ("billing_region", "Region"), ("billing_postal_code", "PostalCode"),
                   ("billing_country", "Country"))


class XeroPusher(XeroMoneyPusher, XeroDisputePusher):
    def __init__(self, api: XeroAPI, settings: dict[str, Any] | None = None) -> None:
        settings = settings or {}
        self.api = api
        self.sales_account = settings.get("sales_account_code", "200")
        self.clearing_account = settings.get("clearing_account_code", "090")
        self.overrides = settings.get("mapping_overrides")
        try:
            self.tax_types = xero_tax_types(settings)
        except TaxMappingError as exc:
            raise ConfigError(str(exc), provider="xero") from None
        self.ledger = ledger_settings(settings)  # fee treatment: push_ledger.py

    # -- payloads --------------------------------------------------------------------
    def _contact(self, customer: dict[str, Any], contact_id: str | None = None) -> dict[str, Any]:
        body = engine.write(mapping_for("xero", "customer", self.overrides), customer, None)
        if contact_id:
            body["ContactID"] = contact_id
        address = {name: customer.get(field) for field, name in _ADDRESS_FIELDS if customer.get(field)}
        if address:
            # The billing address the contact is read back with (normalize.customer): a contact
            # written without it would read back as "address removed" and erase it in the store.
            body["Addresses"] = [{"AddressType": "POBOX", **address}]
        return body

    def _invoice(self, item: WriteItem, contact_id: str) -> dict[str, Any]:
        """An ACCREC invoice: each line with its tax type and the tax revhub computed (Xero's own
        per-line rounding, sent so Xero's totals are revhub's to the cent in every currency);
        amounts marked exact (xero-python would send a Decimal as a float)."""
        record = item.record
        currency = record["currency"]
        body = engine.write(mapping_for("xero", "invoice", self.overrides), record, currency,
                            only={"number", "po_number", "issue_date", "due_date", "currency"})
        lines = record.get("lines") or ()
        taxed = any(line.get("tax_code") for line in lines)
        amount_types = ("Inclusive" if record.get("amounts_include_tax") else "Exclusive") if taxed else "NoTax"
        body.update(Type="ACCREC", Status="AUTHORISED", LineAmountTypes=amount_types,
                    Contact={"ContactID": contact_id})
        buyer_vat = (item.related.get("customer") or {}).get("tax_id")
        body["LineItems"] = [self._line(line, currency, taxed, buyer_vat) for line in lines]
        return body

    def _line(self, line: dict[str, Any], currency: str, taxed: bool, buyer_vat: str | None) -> dict[str, Any]:
        code = line.get("tax_code")
        description = line.get("description") or "Item"
        note = invoice_notes([code], buyer_vat)
        body = {"Description": f"{description}\n{note}" if note else description,
                "Quantity": line.get("quantity") or 1,
                "UnitAmount": exact(to_decimal(line.get("unit_amount_minor") or 0, currency)),
                "AccountCode": self.sales_account}
        if taxed:
            body["TaxType"] = self.tax_types[code] if code else "NONE"
            body["TaxAmount"] = exact(to_decimal(line.get("tax_minor") or 0, currency))
        return body

    def describe(self, entity: str, item: WriteItem) -> dict[str, Any]:
        if entity == "customer":
            return self._contact(item.record, item.external_id)
        if entity == "invoice":
            return self._invoice(item, item.refs.get("customer") or "<created with the invoice>")
        if entity == "payment":
            return {"Payments": self._payments(item)}
        if entity == "refund":
            return {"CreditNotes": [self._credit_note(item, {"Contact": {"ContactID": "<the refunded payment's>"}})]}
        if entity in ("fee", "payout"):
            return self._describe_ledger(entity, item)
        if entity == "dispute":
            return self._describe_dispute(item)
        return {}

    def _describe_ledger(self, entity: str, item: WriteItem) -> dict[str, Any]:
        """The bookings a fee or payout would make under the connection's fee treatment."""
        treatment = self.ledger.fee_treatment
        if entity == "fee":
            if treatment != "per_charge":
                return {"note": f"fee_treatment is {treatment}: a fee is not booked on its own"}
            return {"BankTransactions": [self._fee_body(item)]}
        if not self.ledger.books_fees:
            return {"note": "fee_treatment is none: payouts are not booked"}
        body: dict[str, Any] = {} if item.record.get("status") == "paid" else {
            "note": f"payout {item.record.get('status')}: booked once it is paid"}
        if treatment == "per_payout" and item.record.get("fee_minor"):
            body["BankTransactions"] = [self._payout_fees_body(item)]
        body["BankTransfers"] = [self.bank_transfer(item)]
        return body

    # -- pushing ---------------------------------------------------------------------
    def push(self, entity: str, items: list[WriteItem]) -> list[WriteResult]:
        handler = {"customer": self._push_customers, "invoice": self._push_invoices,
                   "payment": self._push_payments, "refund": self._push_refunds,
                   "fee": self._push_fees, "payout": self._push_payouts,
                   "dispute": self._push_disputes}.get(entity)
        if handler is None:
            return [WriteResult(i.message_id, "skipped") for i in items]

        def one_batch(batch: list[WriteItem]) -> list[WriteResult]:
            try:
                return handler(batch)
            except NotFound as exc:  # a whole call answered 404: its own items fail, the other batches stand
                raise FatalError(f"not found in Xero (404): {exc}") from exc

        return push_in_batches(items, BATCH, one_batch)

    def _push_customers(self, items: list[WriteItem]) -> list[WriteResult]:
        """https://developer.xero.com/documentation/api/accounting/contacts#post-contacts"""
        body = {"Contacts": [self._contact(i.record, i.external_id) for i in items]}
        answer = self.api.call("update_or_create_contacts", "customer", contacts=body, summarize_errors=False,
                               idempotency_key=_key(items, "contacts"))
        return [WriteResult(i.message_id, "sent",
                            external_id=e["ContactID"]) if e.get("StatusAttributeString") != "ERROR"
                else WriteResult(i.message_id, "dead", error=_errors(e))
                for i, e in zip(items, answer.get("Contacts") or [], strict=True)]

    def _ensure_contacts(self, items: list[WriteItem]) -> dict[int, tuple[str | None, str | None]]:
        """Xero contact id per item, creating contacts for customers Xero does not know yet."""
        found = {i.message_id: (i.refs.get("customer"), None) for i in items}
        missing = [i for i in items if not i.refs.get("customer") and i.related.get("customer")]
        if missing:
            body = {"Contacts": [self._contact(i.related["customer"]) for i in missing]}
            answer = self.api.call("update_or_create_contacts", "customer", contacts=body, summarize_errors=False,
                                   idempotency_key=_key(missing, "invoice-contacts"))
            for item, element in zip(missing, answer.get("Contacts") or [], strict=True):
                if element.get("StatusAttributeString") == "ERROR":
                    found[item.message_id] = (None, f"contact: {_errors(element)}")
                else:
                    found[item.message_id] = (element["ContactID"], None)
        return found

    def _push_invoices(self, items: list[WriteItem]) -> list[WriteResult]:
        """https://developer.xero.com/documentation/api/accounting/invoices#put-invoices"""
        results: list[WriteResult] = []
        contacts = self._ensure_contacts([i for i in items if not i.external_id])
        creates, bodies = [], []
        for item in items:
            if item.external_id:
                results.append(self._update_invoice(item))
                continue
            contact_id, error = contacts.get(item.message_id, (None, None))
            if not contact_id:
                results.append(WriteResult(item.message_id, "dead", error=error or "the customer is not known to Xero"))
                continue
            creates.append((item, contact_id))
            bodies.append(self._invoice(item, contact_id))
        if not creates:
            return results
        # unitdp=4: unit prices of 3- and 4-decimal currencies are kept, not rounded to 2.
        answer = self.api.call("create_invoices", "invoice", invoices={"Invoices": bodies}, summarize_errors=False,
                               unitdp=4, idempotency_key=_key([c[0] for c in creates], "invoices"))
        for (item, contact_id), element in zip(creates, answer.get("Invoices") or [], strict=True):
            links = [] if item.refs.get("customer") else [("customer", uuid_of(item.record["customer_id"]), contact_id)]
            if element.get("StatusAttributeString") != "ERROR":
                results.append(WriteResult(item.message_id, "sent", external_id=element["InvoiceID"], links=links))
            elif any("must be unique" in (e.get("Message") or "") for e in element.get("ValidationErrors") or ()):
                results.append(self._adopt_existing(item, links))
            else:
                results.append(WriteResult(item.message_id, "dead", error=_errors(element), links=links))
        return results

    def _adopt_existing(self, item: WriteItem, links: list) -> WriteResult:
        # Written on an earlier attempt whose answer we lost: link to it rather than duplicate.
        found = self.api.call("get_invoices", "invoice", invoice_numbers=[item.record["number"]])
        invoices = found.get("Invoices") or []
        if invoices and invoices[0].get("Reference") == item.record.get("po_number"):
            return WriteResult(item.message_id, "sent", external_id=invoices[0]["InvoiceID"], links=links)
        return WriteResult(item.message_id, "dead", links=links,
                           error=f"invoice number {item.record['number']} is already used in Xero by another invoice")

    def _update_invoice(self, item: WriteItem) -> WriteResult:
        if item.record.get("status") == "void" and (item.base or {}).get("status") != "void":
            body = {"Invoices": [{"InvoiceID": item.external_id, "Status": "VOIDED"}]}
            try:
                self.api.call("update_invoice", "invoice", invoice_id=item.external_id, invoices=body,
                              idempotency_key=_key([item], "void"))
            except FatalError as exc:
                return WriteResult(item.message_id, "dead", error=str(exc))
            except NotFound:  # one invoice Xero does not have fails alone, never its batch
                return WriteResult(item.message_id, "dead", error=f"invoice {item.external_id} is not in Xero (404)")
            return WriteResult(item.message_id, "sent", external_id=item.external_id)
        # Amounts paid reach Xero as payments; nothing else on an authorised invoice is ours to edit.
        return WriteResult(item.message_id, "skipped", external_id=item.external_id)


def uuid_of(value: str):
    import uuid

    return uuid.UUID(value)
