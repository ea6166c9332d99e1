"""Matching money received to the invoices it pays, by rules in order of strength.

Pure: the caller hands in open invoices and receipts, and gets back matches (applied
automatically, each with its rule and evidence) and the receipts that fell short of certainty
(with their candidates ranked, for a person to decide). A wrong match is worse than none, so
every rule that is not certain stops at "candidates". Receipts are taken in date order and
invoices in due-date order whatever order they came in, so the same data always gives the
same matches.

Rules, strongest first:
1. ``linked``: the processor already says which invoice(s) the money was for.
2. ``reference``: an invoice or PO number found in the reference (normal forms, see
   ``references``); ``reference:typo`` when one character differs and exactly one number in
   the books is that close, and only with the amount agreeing to the cent.
3. ``amount+customer``: the customer's only open invoice due exactly this amount, issued
   before and due within the window of the receipt; ``amount+customer:combined`` when exactly
   one set of two or three of the customer's open invoices adds up to it.
"""

from __future__ import annotations

import itertools
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import ROUND_HALF_EVEN, Decimal
from typing import Any, Protocol

from revhub.money import exponent, to_decimal
from revhub.recon.references import (
    MIN_TYPO_LENGTH,
    Span,
    normalise_number,
    one_edit_keys,
    reference_spans,
    within_one_edit,
)

DATE_WINDOW = timedelta(days=120)  # paid up to this long after the due date
EARLY_WINDOW = timedelta(days=7)  # or this long before the invoice date (prepayment on a PO)
FX_TOLERANCE = Decimal("0.02")  # a bank's rate differs from the books' by at most 2 %
COMBINATION_POOL = 12  # the customer's open invoices searched for a combined payment
COMBINATION_SIZES = (2, 3)


@dataclass(frozen=True, slots=True)
class OpenInvoice:
    id: str
    number: str | None
    po_number: str | None
    customer_id: str | None
    currency: str
    total_minor: int
    due_minor: int  # still to pay, before this run's matches
    issue_date: date | None = None
    due_date: date | None = None


@dataclass(frozen=True, slots=True)
class Receipt:
    """Money in (or, for a refund, out) that may pay invoices. ``amount_minor`` is what the
    payer sent, before any processor fee (``fee_minor`` is kept only as evidence)."""

    id: str
    amount_minor: int
    currency: str
    received_on: date
    customer_id: str | None = None
    reference: str | None = None
    linked_invoice_ids: tuple[str, ...] = ()
    kind: str = "payment"  # payment | refund
    fee_minor: int = 0
    # What the processor turned it into in another currency (a USD charge settled in EUR):
    # against an invoice in that currency, the realised rate beats the day's rate.
    settled: tuple[str, int] | None = None


@dataclass(frozen=True, slots=True)
class Allocation:
    invoice_id: str
    amount_minor: int  # in the invoice's currency; negative for a refund


@dataclass(frozen=True, slots=True)
class Match:
    receipt_id: str
    rule: str
    allocations: tuple[Allocation, ...]
    unapplied_minor: int = 0  # in the receipt's currency: an over-payment left on account
    rate: Decimal | None = None  # receipt currency → invoice currency, when they differ
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class Candidate:
    invoice_ids: tuple[str, ...]
    score: int  # higher is likelier
    why: str


@dataclass(frozen=True, slots=True)
class Unmatched:
    receipt_id: str
    reason: str
    candidates: tuple[Candidate, ...] = ()


@dataclass(frozen=True, slots=True)
class MatchResult:
    matches: tuple[Match, ...]
    unmatched: tuple[Unmatched, ...]


class Rates(Protocol):
    def __call__(self, source: str, target: str, on: date) -> Decimal | None: ...


def _no_rates(source: str, target: str, on: date) -> Decimal | None:
    return None


class _Books:
    """The open invoices, indexed by their numbers, with what is still due as matches apply."""

    def __init__(self, invoices: list[OpenInvoice]) -> None:
        self.invoices = {inv.id: inv for inv in sorted(invoices, key=_invoice_order)}
        self.due = {inv.id: inv.due_minor for inv in self.invoices.values()}
        self.paid = {inv.id: inv.total_minor - inv.due_minor for inv in self.invoices.values()}
        self.by_number: dict[str, list[str]] = defaultdict(list)
        self.by_po: dict[str, list[str]] = defaultdict(list)
        self.by_customer: dict[str | None, list[str]] = defaultdict(list)
        self.near: dict[str, set[str]] = defaultdict(set)  # one-edit key → normal numbers
        for inv in self.invoices.values():
            self.by_customer[inv.customer_id].append(inv.id)
            for number, index in ((inv.number, self.by_number), (inv.po_number, self.by_po)):
                if number and (norm := normalise_number(number)):
                    index[norm].append(inv.id)
                    for key in one_edit_keys(norm):
                        self.near[key].add(norm)

    def numbers_near(self, token: str) -> set[str]:
        found: set[str] = set()
        for key in one_edit_keys(token):
            found |= self.near.get(key, set())
        return {n for n in found if n != token and within_one_edit(n, token)}

    def hits(self, norm: str) -> list[str]:
        return self.by_number.get(norm, []) or self.by_po.get(norm, [])

    def apply(self, allocations: tuple[Allocation, ...]) -> None:
        for a in allocations:
            self.due[a.invoice_id] -= a.amount_minor
            self.paid[a.invoice_id] += a.amount_minor


def _invoice_order(inv: OpenInvoice) -> tuple:
    return (inv.due_date or date.max, inv.issue_date or date.max, inv.number or "", inv.id)


def match(invoices: list[OpenInvoice], receipts: list[Receipt], rates: Rates = _no_rates) -> MatchResult:
    """Match ``receipts`` to ``invoices``; see the module's rules."""
    books = _Books(invoices)
    matches: list[Match] = []
    unmatched: list[Unmatched] = []
    for receipt in sorted(receipts, key=lambda r: (r.received_on, r.id)):
        outcome = _match_one(books, receipt, rates)
        if isinstance(outcome, Match):
            books.apply(outcome.allocations)
            matches.append(outcome)
        else:
            unmatched.append(outcome)
    return MatchResult(tuple(matches), tuple(unmatched))


def _match_one(books: _Books, receipt: Receipt, rates: Rates) -> Match | Unmatched:
    if receipt.linked_invoice_ids:
        return _linked(books, receipt, rates)
    by_reference = _by_reference(books, receipt, rates)
    if by_reference is not None:
        return by_reference
    if receipt.kind == "refund":
        return Unmatched(receipt.id, "a refund names no invoice it was for")
    return _by_amount(books, receipt)


def _linked(books: _Books, receipt: Receipt, rates: Rates) -> Match | Unmatched:
    known = [i for i in receipt.linked_invoice_ids if i in books.invoices]
    if len(known) != len(receipt.linked_invoice_ids):
        return Unmatched(receipt.id, "linked to an invoice that is not in the books")
    planned = _spread(books, receipt, known, rates, "linked", {"linked": list(known)})
    return planned if planned is not None else Unmatched(
        receipt.id, "linked invoices in another currency with no rate for the day")


def _by_reference(books: _Books, receipt: Receipt, rates: Rates) -> Match | Unmatched | None:
    spans = reference_spans(receipt.reference)
    if not spans:
        return None
    tokens = list(dict.fromkeys(span.token for span in spans))
    # The longest reading wins: "INV 0042 C" is invoice 0042C, not invoice 0042.
    read: list[Span] = []
    for span in spans:
        if _consistent(books, receipt, books.hits(span.token)) and not any(span.overlaps(r) for r in read):
            read.append(span)
    hit_tokens = list(dict.fromkeys(r.token for r in sorted(read, key=lambda r: r.start)))
    if hit_tokens:
        return _exact_reference(books, receipt, hit_tokens, rates)
    near = sorted({n for t in tokens if len(t) >= MIN_TYPO_LENGTH for n in books.numbers_near(t)})
    others = [t for t in tokens if books.hits(t)]  # numbers of another payer's invoices
    if not near:
        return Unmatched(receipt.id, "the reference names invoices of another customer",
                         _ranked(books, receipt, [books.hits(t) for t in others], "named in the reference")
                         ) if others else None
    candidates = _ranked(books, receipt, [books.hits(n) for n in near], "one character from the reference")
    # A slip of one character is read only where it has a single plausible reading: one invoice
    # the payer could owe, due exactly the amount received.
    plausible = sorted({i for n in near for i in _consistent(books, receipt, books.hits(n))
                        if books.due[i] > 0 and books.due[i] == _in_currency(receipt, books.invoices[i], rates)})
    if len(plausible) != 1 or receipt.kind == "refund":
        why = (f"the reference is one character from {len(near)} numbers" if len(near) > 1
               else "one character from a number, but the amount does not agree")
        return Unmatched(receipt.id, why, candidates)
    inv = books.invoices[plausible[0]]
    evidence = {"reference": receipt.reference, "read_as": inv.number or inv.po_number, "edits": 1,
                "numbers_one_character_away": len(near)}
    return _spread(books, receipt, plausible, rates, "reference:typo", evidence)


def _exact_reference(books: _Books, receipt: Receipt, tokens: list[str], rates: Rates) -> Match | Unmatched:
    invoice_hits = [t for t in tokens if books.by_number.get(t)]
    groups = [books.by_number[t] for t in invoice_hits] or [books.by_po[t] for t in tokens]
    named: list[str] = list(dict.fromkeys(i for group in groups for i in group))
    ids = _consistent(books, receipt, named)
    evidence = {"reference": receipt.reference, "numbers": invoice_hits or tokens}
    candidates = _ranked(books, receipt, [[i] for i in named], "named in the reference")
    if not ids:
        return Unmatched(receipt.id, "the reference names invoices of another customer", candidates)
    if receipt.kind == "refund":
        return _refund(books, receipt, ids, rates, evidence, candidates)
    open_ids = [i for i in ids if books.due[i] > 0]
    if not open_ids:
        return Unmatched(receipt.id, "every invoice it names is already paid: a duplicate payment?", candidates)
    if len(open_ids) == 1:
        rival = _rival(books, receipt, tokens, open_ids[0], rates)
        if rival:
            return Unmatched(receipt.id, f"the reference names one invoice, but {rival}, one character away, "
                             "is due exactly this amount", candidates)
        return _spread(books, receipt, open_ids, rates, "reference", evidence) or Unmatched(
            receipt.id, "another currency with no rate for the day", candidates)
    wanted = {i: _in_currency(receipt, books.invoices[i], rates) for i in open_ids}
    exact = [i for i in open_ids if wanted[i] == books.due[i]]
    if len(exact) == 1 and not invoice_hits:
        evidence["chosen_by"] = "the one open invoice of the PO due exactly this amount"
        return _spread(books, receipt, exact, rates, "reference", evidence)
    if _sums_to(books, receipt, open_ids, rates):
        return _spread(books, receipt, open_ids, rates, "reference", evidence)
    return Unmatched(receipt.id, f"names {len(open_ids)} open invoices and pays neither one nor all exactly",
                     candidates)


def _rival(books: _Books, receipt: Receipt, tokens: list[str], named: str, rates: Rates) -> str | None:
    """A number one typing slip from the reference whose invoice is due exactly the amount,
    when the invoice named is not: the payer more likely mistyped than paid part."""
    inv = books.invoices[named]
    if books.due[named] == _in_currency(receipt, inv, rates):
        return None
    for token in tokens:
        for near in sorted(books.numbers_near(token)):
            for other in _consistent(books, receipt, books.hits(near)):
                if other != named and books.due[other] == _in_currency(receipt, books.invoices[other], rates):
                    return books.invoices[other].number or near
    return None


def _refund(books: _Books, receipt: Receipt, ids: list[str], rates: Rates, evidence: dict,
            candidates: tuple[Candidate, ...]) -> Match | Unmatched:
    paid = [i for i in ids if books.paid[i] >= _in_currency(receipt, books.invoices[i], rates) > 0]
    if len(paid) != 1:
        return Unmatched(receipt.id, "a refund larger than what was paid, or against several invoices", candidates)
    inv = books.invoices[paid[0]]
    amount = _in_currency(receipt, inv, rates)
    return Match(receipt.id, "reference:refund", (Allocation(inv.id, -amount),),
                 rate=_rate(receipt, inv, rates), evidence=evidence)


def _by_amount(books: _Books, receipt: Receipt) -> Match | Unmatched:
    if receipt.customer_id is None:
        pool = [i for i in books.invoices if _dated(books.invoices[i], receipt)
                and books.invoices[i].currency == receipt.currency and books.due[i] == receipt.amount_minor]
        return Unmatched(receipt.id, "no reference and no customer: an amount alone is never enough",
                         _ranked(books, receipt, [[i] for i in pool], "same amount, unknown payer"))
    pool = [i for i in books.by_customer.get(receipt.customer_id, [])
            if books.due[i] > 0 and books.invoices[i].currency == receipt.currency
            and _dated(books.invoices[i], receipt)]
    single = [i for i in pool if books.due[i] == receipt.amount_minor]
    if len(single) == 1:
        return _spread(books, receipt, single, _no_rates, "amount+customer",
                       {"amount_minor": receipt.amount_minor, "customer_id": receipt.customer_id})
    if len(single) > 1:
        return Unmatched(receipt.id, f"{len(single)} open invoices of this customer are due exactly this amount",
                         _ranked(books, receipt, [[i] for i in single], "same customer and amount"))
    combos = _combinations(books, receipt, pool)
    if len(combos) == 1:
        return _spread(books, receipt, list(combos[0]), _no_rates, "amount+customer:combined",
                       {"amount_minor": receipt.amount_minor, "customer_id": receipt.customer_id})
    why = f"{len(combos)} sets of open invoices add up to it" if combos else "no open invoice is due this amount"
    return Unmatched(receipt.id, why, _ranked(books, receipt, [list(c) for c in combos] or [[i] for i in pool],
                                              "same customer"))


def _combinations(books: _Books, receipt: Receipt, pool: list[str]) -> list[tuple[str, ...]]:
    recent = pool[-COMBINATION_POOL:]
    return [combo for size in COMBINATION_SIZES for combo in itertools.combinations(recent, size)
            if sum(books.due[i] for i in combo) == receipt.amount_minor]


def _spread(books: _Books, receipt: Receipt, ids: list[str], rates: Rates, rule: str,
            evidence: dict) -> Match | None:
    """Pay ``ids`` in order, each up to what it still owes; what is left over stays on account."""
    rate = None
    left = receipt.amount_minor
    allocations = []
    for i in ids:
        inv = books.invoices[i]
        inv_rate = _rate(receipt, inv, rates)
        if inv.currency != receipt.currency and inv_rate is None:
            return None
        rate = inv_rate or rate
        available = _convert(left, inv_rate, receipt.currency, inv.currency)
        due = max(books.due[i], 0)
        if inv_rate is not None and abs(available - due) <= due * FX_TOLERANCE:
            available = due  # the difference is the bank's rate against the books': a realised FX result
        amount = min(available, due)
        if amount <= 0:
            continue
        allocations.append(Allocation(i, amount))
        left = 0 if amount == available else left - _convert_back(amount, inv_rate, receipt.currency, inv.currency)
    return Match(receipt.id, rule, tuple(allocations), unapplied_minor=max(left, 0), rate=rate,
                 evidence=evidence | ({"rate": str(rate)} if rate is not None else {}))


def _consistent(books: _Books, receipt: Receipt, ids: list[str]) -> list[str]:
    """Invoices a receipt could pay: the same customer when the payer is known."""
    if receipt.customer_id is None:
        return list(ids)
    return [i for i in ids if books.invoices[i].customer_id in (None, receipt.customer_id)]


def _sums_to(books: _Books, receipt: Receipt, ids: list[str], rates: Rates) -> bool:
    total = sum(books.due[i] for i in ids)
    converted = _in_currency(receipt, books.invoices[ids[0]], rates)
    rate = _rate(receipt, books.invoices[ids[0]], rates)
    return converted == total or (rate is not None and abs(converted - total) <= total * FX_TOLERANCE)


def _dated(inv: OpenInvoice, receipt: Receipt) -> bool:
    if inv.issue_date and receipt.received_on < inv.issue_date - EARLY_WINDOW:
        return False
    return not (inv.due_date and receipt.received_on > inv.due_date + DATE_WINDOW)


def _rate(receipt: Receipt, inv: OpenInvoice, rates: Rates) -> Decimal | None:
    """Units of the invoice's currency per unit of the receipt's, or None when they agree."""
    if inv.currency == receipt.currency:
        return None
    if receipt.settled and receipt.settled[0] == inv.currency and receipt.amount_minor:
        return to_decimal(receipt.settled[1], inv.currency) / to_decimal(receipt.amount_minor, receipt.currency)
    return rates(receipt.currency, inv.currency, receipt.received_on)


def _convert(amount: int, rate: Decimal | None, source: str, target: str) -> int:
    if rate is None:
        return amount
    scale = Decimal(10) ** (exponent(target) - exponent(source))
    return int((Decimal(amount) * rate * scale).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _convert_back(amount: int, rate: Decimal | None, source: str, target: str) -> int:
    if rate is None:
        return amount
    scale = Decimal(10) ** (exponent(target) - exponent(source))
    return int((Decimal(amount) / rate / scale).quantize(Decimal(1), rounding=ROUND_HALF_EVEN))


def _in_currency(receipt: Receipt, inv: OpenInvoice, rates: Rates) -> int:
    """The receipt's amount in the invoice's currency (-1 when no rate is known: matches nothing)."""
    if inv.currency == receipt.currency:
        return abs(receipt.amount_minor)
    rate = _rate(receipt, inv, rates)
    return -1 if rate is None else _convert(abs(receipt.amount_minor), rate, receipt.currency, inv.currency)


def _ranked(books: _Books, receipt: Receipt, groups: list[list[str]], why: str) -> tuple[Candidate, ...]:
    scored = []
    for ids in groups:
        ids = [i for i in ids if i in books.invoices]
        if not ids:
            continue
        due = sum(books.due[i] for i in ids)
        score = 0
        score += 40 if due == receipt.amount_minor else 0
        score += 30 if all(books.invoices[i].customer_id == receipt.customer_id for i in ids) else 0
        score += 20 if all(books.invoices[i].currency == receipt.currency for i in ids) else 0
        score += 10 if all(_dated(books.invoices[i], receipt) for i in ids) else 0
        scored.append(Candidate(tuple(ids), score, why))
    scored.sort(key=lambda c: (-c.score, c.invoice_ids))
    return tuple(dict.fromkeys(scored))[:10]
