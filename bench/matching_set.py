"""A generated adversarial set for the matching engine, with its ground truth.

Each receipt carries the invoices it truly pays (empty: it pays none, e.g. a duplicate or
money nobody can place). The set is built to trip a matcher up: sequential invoice numbers
(a typo often lands on another real number), round amounts shared within and across
customers, PO numbers in several house styles, references that carry dates and amounts
beside the number, split and combined payments, duplicates, refunds, over-payments and
payments in another currency at a bank's rate.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from revhub.recon.matching import OpenInvoice, Receipt

ROUND_AMOUNTS = (50000, 100000, 121000, 250000, 60500)
EUR_USD = Decimal("1.0850")  # USD per EUR in the books on every day of the set


@dataclass(frozen=True)
class Case:
    receipt: Receipt
    truth: frozenset[str]  # invoice ids it pays
    kind: str


def rates(source: str, target: str, on: date) -> Decimal | None:
    if (source, target) == ("USD", "EUR"):
        return 1 / EUR_USD
    if (source, target) == ("EUR", "USD"):
        return EUR_USD
    return None


def _po_number(rng: random.Random, n: int) -> str:
    style = rng.randrange(4)
    return (f"PO-2026-{n:04d}", f"45{n:08d}", f"ACME/PO/{n}", f"PO{n:05d}")[style]


def _dress(number: str, rng: random.Random) -> str:
    """The same number as an AP clerk might type it."""
    style = rng.randrange(6)
    if style == 0:
        return number.lower()
    if style == 1:
        return number.replace("-", " ")
    if style == 2:
        return number.replace("-", "")
    if style == 3:
        return "#" + number.replace("-", "").replace("PO", "")
    if style == 4:
        return number.replace("/", "-")
    return number


def _typo(number: str, rng: random.Random) -> str:
    digits = [i for i, ch in enumerate(number) if ch.isdigit()]
    i = rng.choice(digits)
    kind = rng.randrange(3)
    if kind == 0:  # a wrong digit
        return number[:i] + str((int(number[i]) + rng.randrange(1, 10)) % 10) + number[i + 1:]
    if kind == 1 and i + 1 < len(number):  # two digits swapped
        return number[:i] + number[i + 1] + number[i] + number[i + 2:]
    return number[:i] + number[i + 1:]  # a digit dropped


def _wrap(text: str, rng: random.Random, amount: int, on: date) -> str:
    templates = ("{n}", "Payment {n}", "INV {n} {d}", "{d} EUR {a} {n}", "Betaling factuur {n}",
                 "remittance: {n}; thank you", "PO {n}")
    return rng.choice(templates).format(n=text, d=on.isoformat(), a=f"{amount / 100:.2f}")


def generate(seed: int = 7, customers: int = 400,
             invoices_per_customer: int = 8) -> tuple[list[OpenInvoice], list[Case]]:
    rng = random.Random(seed)
    invoices: list[OpenInvoice] = []
    cases: list[Case] = []
    start = date(2026, 1, 1)
    serial = 1000
    po_serial = 1
    for c in range(customers):
        cust = f"cus_{c:04d}"
        currency = "USD" if c % 10 == 0 else "EUR"
        po = _po_number(rng, po_serial)
        po_serial += 1
        for _ in range(invoices_per_customer):
            serial += 1
            issued = start + timedelta(days=rng.randrange(0, 150))
            shared = rng.random() < 0.35
            total = rng.choice(ROUND_AMOUNTS) if shared else rng.randrange(5000, 900000)
            if rng.random() < 0.25:  # a new PO now and then
                po = _po_number(rng, po_serial)
                po_serial += 1
            invoices.append(OpenInvoice(f"inv_{serial}", f"INV-{serial:06d}", po, cust, currency, total, total,
                                        issued, issued + timedelta(days=30)))
    by_customer: dict[str, list[OpenInvoice]] = {}
    for inv in invoices:
        by_customer.setdefault(inv.customer_id, []).append(inv)
    po_open: dict[str, list[OpenInvoice]] = {}
    for inv in invoices:
        po_open.setdefault(inv.po_number, []).append(inv)

    n = 0

    def receipt(amount: int, currency: str, on: date, cust: str | None, ref: str | None,
                truth: set[str], label: str, **extra) -> None:
        nonlocal n
        n += 1
        cases.append(Case(Receipt(f"rcpt_{n:06d}", amount, currency, on, cust, ref, **extra), frozenset(truth), label))

    for cust, invs in by_customer.items():
        for inv in invs:
            paid_on = inv.due_date + timedelta(days=rng.randrange(-25, 40))
            roll = rng.random()
            if roll < 0.22:  # the invoice number, dressed
                ref = _wrap(_dress(inv.number, rng), rng, inv.total_minor, paid_on)
                receipt(inv.total_minor, inv.currency, paid_on, cust, ref, {inv.id}, "reference")
            elif roll < 0.34:  # the PO number only
                ref = _wrap(_dress(inv.po_number, rng), rng, inv.total_minor, paid_on)
                receipt(inv.total_minor, inv.currency, paid_on, cust, ref, {inv.id}, "po")
            elif roll < 0.42:  # a typo in the invoice number
                ref = _wrap(_typo(inv.number, rng), rng, inv.total_minor, paid_on)
                receipt(inv.total_minor, inv.currency, paid_on, cust, ref, {inv.id}, "typo")
            elif roll < 0.52:  # no reference at all
                receipt(inv.total_minor, inv.currency, paid_on, cust, None, {inv.id}, "amount")
            elif roll < 0.58:  # paid in two parts
                first = inv.total_minor // 3
                ref = _dress(inv.number, rng)
                receipt(first, inv.currency, paid_on, cust, ref, {inv.id}, "split")
                receipt(inv.total_minor - first, inv.currency, paid_on + timedelta(days=9), cust, ref,
                        {inv.id}, "split")
            elif roll < 0.63:  # the processor linked it
                receipt(inv.total_minor, inv.currency, paid_on, cust, None, {inv.id}, "linked",
                        linked_invoice_ids=(inv.id,), fee_minor=inv.total_minor * 29 // 1000 + 25)
            elif roll < 0.68:  # paid twice: the second one pays nothing
                ref = _dress(inv.number, rng)
                receipt(inv.total_minor, inv.currency, paid_on, cust, ref, {inv.id}, "reference")
                receipt(inv.total_minor, inv.currency, paid_on + timedelta(days=2), cust, ref, set(), "duplicate")
            elif roll < 0.72:  # paid, then partly refunded
                ref = _dress(inv.number, rng)
                receipt(inv.total_minor, inv.currency, paid_on, cust, ref, {inv.id}, "reference")
                receipt(inv.total_minor // 4, inv.currency, paid_on + timedelta(days=20), cust,
                        f"Refund {inv.number}", {inv.id}, "refund", kind="refund")
            elif roll < 0.76:  # over-paid
                receipt(inv.total_minor + rng.randrange(100, 5000), inv.currency, paid_on, cust,
                        _dress(inv.number, rng), {inv.id}, "overpayment")
            elif roll < 0.81 and inv.currency == "EUR":  # paid in dollars at the bank's rate
                bank = EUR_USD * (1 + Decimal(rng.randrange(-8, 9)) / 1000)
                usd = int((Decimal(inv.total_minor) * bank).quantize(Decimal(1)))
                receipt(usd, "USD", paid_on, cust, _dress(inv.number, rng), {inv.id}, "fx")
            elif roll < 0.84:  # an unknown payer quoting the number
                receipt(inv.total_minor, inv.currency, paid_on, None, _dress(inv.number, rng), {inv.id}, "no-payer")
            # the rest stay unpaid
        open_invs = [i for i in invs if i.total_minor < 400000]
        if len(open_invs) >= 2 and rng.random() < 0.3:  # one payment for several invoices, all named
            pair = rng.sample(open_invs, 2)
            fresh = [OpenInvoice(f"{i.id}_c", f"{i.number}-C", i.po_number, i.customer_id, i.currency,
                                 i.total_minor, i.total_minor, i.issue_date, i.due_date) for i in pair]
            invoices.extend(fresh)
            ref = " ".join(_dress(i.number, rng) for i in fresh)
            receipt(sum(i.total_minor for i in fresh), fresh[0].currency, fresh[0].due_date, cust, ref,
                    {i.id for i in fresh}, "combined")
    for k in range(len(cases) // 50):  # money nobody can place: an unknown payer, or an odd amount
        on = start + timedelta(days=rng.randrange(200))
        if k % 2:
            receipt(rng.choice(ROUND_AMOUNTS), "EUR", on, None, rng.choice([None, f"ref {k}"]), set(), "stray")
        else:
            receipt(rng.randrange(100, 999) * 7 + 3, "EUR", on, f"cus_{rng.randrange(customers):04d}",
                    None, set(), "stray")
    return invoices, cases
