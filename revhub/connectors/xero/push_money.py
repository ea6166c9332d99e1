"""Write-back to Xero of money received: payments against invoices, any excess as a customer
credit (a RECEIVE-OVERPAYMENT bank transaction), and money with no invoice to pay queued as
unapplied cash. Mixed into :class:`~revhub.connectors.xero.push.XeroPusher`, which owns the API
client, the batching and the settings these methods read."""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from revhub.connectors.xero.allocation import Split, split_payment
from revhub.connectors.xero.batches import batch_key as _key
from revhub.connectors.xero.batches import element_errors as _errors
from revhub.connectors.xero.exact_json import exact
from revhub.connectors.xero.normalize import minor
from revhub.connectors.xero.push_ledger import XeroLedgerPusher
from revhub.connectors.xero.push_refunds import XeroRefundPusher
from revhub.ledger.fx import part_rates
from revhub.mappings.transforms import TRANSFORMS
from revhub.mappings.writes import WriteItem, WriteResult
from revhub.money import to_decimal, to_decimal_string

# Money that was captured is booked, even when it has since been refunded ("reversed"): the
# ledger shows the receipt and then the refund as a paid-out credit note, never neither.
BOOKED = ("succeeded", "reversed")


@dataclass
class _Planned:
    item: WriteItem
    split: Split
    contact_id: str | None
    numbers: str
    # Xero payments already quoting this payment's reference (written before, the answer lost)
    adopted: list[dict[str, Any]] = field(default_factory=list)


class XeroMoneyPusher(XeroRefundPusher, XeroLedgerPusher):
    api: Any
    clearing_account: str
    sales_account: str

    def _payments(self, item: WriteItem, applied: list[tuple[str, int]] | None = None,
                  excess: int = 0) -> list[dict[str, Any]]:
        record = item.record
        currency = record["currency"]
        if applied is None:
            applied = [(a["invoice_external_id"], a["amount_minor"])
                       for a in record.get("allocations") or () if a.get("invoice_external_id")]
        rates = self._part_rates(record, [amount for _, amount in applied] + [excess])
        return [_rated({"Invoice": {"InvoiceID": invoice_id}, "Account": {"Code": self.clearing_account},
                        "Date": _date(record), "Amount": exact(to_decimal(amount, currency)),
                        "Reference": _reference(item)}, rate)
                for (invoice_id, amount), rate in zip(applied, rates, strict=False)]

    def _part_rates(self, record: dict[str, Any], parts: list[int]) -> list[Decimal | None]:
        """Each part's ``CurrencyRate``: what the processor settled for the whole payment, shared
        among its parts in proportion (the shares sum to it exactly), each part at the rate
        realised on its own share, so Xero's BankAmounts add up to exactly what was settled."""
        settled = record.get("settled_minor")
        if settled is None or not self._foreign(record["currency"], record.get("settled_currency")):
            return [None for _ in parts]
        return part_rates(parts, record["currency"], settled, record["settled_currency"])

    def _overpayment(self, planned: _Planned) -> dict[str, Any]:
        """https://developer.xero.com/documentation/api/accounting/banktransactions#put-banktransactions"""
        record = planned.item.record
        # The excess is the last part; its CurrencyRate makes the clearing account move by its share.
        rate = self._part_rates(record, [a for _, a in planned.split.applied] + [planned.split.excess])[-1]
        body = {"Type": "RECEIVE-OVERPAYMENT", "Contact": {"ContactID": planned.contact_id},
                "BankAccount": {"Code": self.clearing_account}, "Date": _date(record),
                "CurrencyCode": record["currency"], "LineAmountTypes": "NoTax",
                "Reference": _overpayment_reference(planned.item),
                "LineItems": [{"Description": f"Overpayment on {planned.numbers}"[:4000],
                               "LineAmount": exact(to_decimal(planned.split.excess, record["currency"]))}]}
        return _rated(body, rate)

    def _gate(self, item: WriteItem) -> WriteResult | None:
        """The answer for a payment that is not to be written now (None: write it)."""
        record = item.record
        if item.external_id:
            return WriteResult(item.message_id, "skipped", external_id=item.external_id)
        if record.get("status") not in BOOKED:
            return WriteResult(item.message_id, "skipped")
        allocations = record.get("allocations") or []
        if not allocations:
            amount = f"{to_decimal_string(record['amount_minor'], record['currency'])} {record['currency']}"
            return WriteResult(item.message_id, "skipped", error="unapplied cash: no invoice to pay", notices=[{
                "kind": "unapplied_cash", "payload": {"reference": record.get("reference"), "amount": amount},
                "message": f"Payment {record.get('reference') or item.record_id} of {amount} pays no invoice: "
                           "apply it to an invoice where it was taken, or refund it"}])
        if not any(a.get("invoice_external_id") for a in allocations):
            return WriteResult(item.message_id, "retry", retry_after=120,
                               error="waiting for the paid invoice to reach Xero")
        return None

    def _plan(self, items: list[WriteItem]) -> list[_Planned]:
        """Each payment split against what its invoices still owe in Xero (one read per batch)."""
        wanted = sorted({a["invoice_external_id"] for i in items for a in i.record.get("allocations") or ()
                         if a.get("invoice_external_id")})
        found = []
        for start in range(0, len(wanted), 100):
            # Paged, so Xero includes each invoice's payments (an unpaged list leaves them out).
            found += self.api.call("get_invoices", "invoice", i_ds=wanted[start:start + 100], page=1,
                                   page_size=100).get("Invoices") or []
        invoices = {inv["InvoiceID"]: inv for inv in found}
        due = {k: minor(v.get("AmountDue"), v.get("CurrencyCode") or "USD") if v.get("Status") == "AUTHORISED" else 0
               for k, v in invoices.items()}
        planned = []
        for item in items:
            asked = [(a["invoice_external_id"], a["amount_minor"])
                     for a in item.record.get("allocations") or () if a.get("invoice_external_id")]
            named = [invoices[i] for i, _ in asked if i in invoices]
            # The natural key: written before (an answer lost, a store rebuilt), it is not written again;
            # what Xero allocated then stands, and the rest is still the customer's credit.
            adopted = [{**pay, "InvoiceID": inv["InvoiceID"]} for inv in named for pay in inv.get("Payments") or ()
                       if pay.get("Reference") == _reference(item)]
            split = _held(item, adopted) if adopted else split_payment(item.record["amount_minor"], asked, due)
            for invoice_id, amount in split.applied:
                due[invoice_id] -= amount  # a second payment in this batch sees what the first left
            planned.append(_Planned(item, split, named[0]["Contact"]["ContactID"] if named else None,
                                    ", ".join(inv.get("InvoiceNumber") or inv["InvoiceID"] for inv in named), adopted))
        return planned

    def _push_payments(self, items: list[WriteItem]) -> list[WriteResult]:
        """https://developer.xero.com/documentation/api/accounting/payments#put-payments"""
        results: list[WriteResult] = []
        ready = []
        for item in items:
            gated = self._gate(item)
            if gated is None:
                ready.append(item)
            else:
                results.append(gated)
        if not ready:
            return results
        planned = self._plan(ready)
        payments = self._create_payments([p for p in planned if not p.adopted])
        owed = [p for p in planned if p.split.excess and p.contact_id]
        held = self._credits_held([p for p in owed if p.adopted])
        credits = {**held, **self._create_overpayments([p for p in owed if p.item.message_id not in held])}
        for p in planned:
            written = p.adopted or payments.get(p.item.message_id, [])
            results.append(_outcome(p, written, credits.get(p.item.message_id)))
        return results

    def _credits_held(self, planned: list[_Planned]) -> dict[int, dict[str, Any]]:
        """The overpayments Xero already holds for payments written before (by their reference)."""
        found = {}
        for p in planned:
            reference = _overpayment_reference(p.item)
            rows = self.api.call("get_bank_transactions", "payment",
                                 where=f'Reference=="{reference}"').get("BankTransactions") or []
            booked = [r for r in rows if r.get("Type") == "RECEIVE-OVERPAYMENT"
                      and r.get("Status") not in ("DELETED", "VOIDED")]
            if booked:
                found[p.item.message_id] = booked[0]
        return found

    def _create_payments(self, planned: list[_Planned]) -> dict[int, list[dict[str, Any]]]:
        bodies = [(p.item, body) for p in planned
                  for body in self._payments(p.item, p.split.applied, p.split.excess)]
        if not bodies:
            return {}
        answer = self.api.call("create_payments", "payment", payments={"Payments": [b for _, b in bodies]},
                               summarize_errors=False, idempotency_key=_key([i for i, _ in bodies], "payments"))
        out: dict[int, list[dict[str, Any]]] = {}
        for (item, _), element in zip(bodies, answer.get("Payments") or [], strict=True):
            out.setdefault(item.message_id, []).append(element)
        return out

    def _create_overpayments(self, planned: list[_Planned]) -> dict[int, dict[str, Any]]:
        if not planned:
            return {}
        answer = self.api.call("create_bank_transactions", "payment",
                               bank_transactions={"BankTransactions": [self._overpayment(p) for p in planned]},
                               summarize_errors=False,
                               idempotency_key=_key([p.item for p in planned], "overpayments"))
        return {p.item.message_id: element
                for p, element in zip(planned, answer.get("BankTransactions") or [], strict=True)}


def _outcome(p: _Planned, payments: list[dict[str, Any]], credit: dict[str, Any] | None) -> WriteResult:
    """One payment's answer from its Xero payments and its overpayment, with what to tell a person."""
    failed = [e for e in payments if e.get("StatusAttributeString") == "ERROR"]
    written = [e for e in payments if e.get("StatusAttributeString") != "ERROR"]
    if failed and not written:
        return WriteResult(p.item.message_id, "dead", error="; ".join(_errors(e) for e in failed))
    record = p.item.record
    currency = record["currency"]
    excess = f"{to_decimal_string(p.split.excess, currency)} {currency}"
    applied = f"{to_decimal_string(sum(a for _, a in p.split.applied), currency)} {currency}"
    notices = []
    if p.split.excess:
        if credit is not None and credit.get("StatusAttributeString") != "ERROR":
            where = f"held as customer credit (Xero overpayment {credit.get('OverpaymentID')})"
        else:
            where = f"NOT booked: {_errors(credit) if credit else 'no Xero contact for the invoice'}"
        notices.append({"kind": "overpayment", "message": (
            f"Payment {record.get('reference') or p.item.record_id} of "
            f"{to_decimal_string(record['amount_minor'], currency)} {currency} on {p.numbers or 'its invoice'}: "
            f"{applied} allocated, {excess} {where}"),
            "payload": {"applied": applied, "excess": excess, "overpayment_id": (credit or {}).get("OverpaymentID"),
                        "bank_transaction_id": (credit or {}).get("BankTransactionID")}})
    external_id = written[0]["PaymentID"] if written else (credit or {}).get("OverpaymentID")
    if external_id is None:
        return WriteResult(p.item.message_id, "dead", error=notices[0]["message"] if notices else "nothing written")
    return WriteResult(p.item.message_id, "sent", external_id=external_id, notices=notices,
                       error="; ".join(_errors(e) for e in failed) or None, pushed=_as_xero_has_it(p))


def _as_xero_has_it(p: _Planned) -> dict[str, Any]:
    """The payment as Xero now holds it (what was allocated, not what was received): the base
    its echo is compared with, so Xero's smaller amount is never taken for a change."""
    applied = dict(p.split.applied)
    allocations = [{"invoice_id": a.get("invoice_id"), "amount_minor": applied[a["invoice_external_id"]]}
                   for a in p.item.record.get("allocations") or () if a.get("invoice_external_id") in applied]
    return {**p.item.record, "amount_minor": sum(applied.values()), "allocations": allocations}


def _rated(body: dict[str, Any], rate: Decimal | None) -> dict[str, Any]:
    """``body`` with its ``CurrencyRate`` when one is to be sent (else Xero takes its rate of the day)."""
    return {**body, "CurrencyRate": exact(rate)} if rate is not None else body


def _date(record: dict[str, Any]) -> str | None:
    return TRANSFORMS["xero_date"].write((record.get("received_at") or "")[:10] or None, None)


def _held(item: WriteItem, adopted: list[dict[str, Any]]) -> Split:
    """What Xero's earlier payments allocated, and the rest of the amount received as excess."""
    currency = item.record["currency"]
    applied = [(pay["InvoiceID"], minor(pay.get("Amount"), currency)) for pay in adopted]
    return Split(applied, max(0, item.record["amount_minor"] - sum(a for _, a in applied)))


def _overpayment_reference(item: WriteItem) -> str:
    return f"{_reference(item)} overpayment"[:255]


def _reference(item: WriteItem) -> str:
    # The processor's payment id: the natural key by which Xero's copy is matched on a resync.
    return (item.record.get("reference") or str(item.record_id))[:255]
