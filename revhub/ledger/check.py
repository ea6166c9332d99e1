"""The books check: Stripe, Xero and the canonical store side by side. Pure functions.

Each side is read into :class:`Entry` rows (one per payment, refund, fee or payout as that
side holds it), each carrying every id by which another side may name it: its own id, the
canonical record id and the other systems' ids through the store's links, and the Stripe
ids quoted in references. Entries of one kind that share an id are one group; a group is
balanced when every side that must hold it does, for the same amount. What is not balanced
is a :class:`Difference` that names the records on each side.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import date

from revhub.ledger.columns import ROWS, SIDES, Ledger, difference_json, ledger_json, ledgers
from revhub.money import to_decimal_string

__all__ = ["KINDS", "ROWS", "SIDES", "Difference", "Entry", "Ledger", "Report", "compare", "period_of"]

KINDS = ("payment", "refund", "fee", "payout", "dispute")
# What each side calls a record of each kind, for the messages.
NOUNS = {
    ("stripe", "payment"): "charge", ("stripe", "refund"): "refund", ("stripe", "fee"): "fee",
    ("stripe", "payout"): "payout", ("xero", "payment"): "payment", ("xero", "refund"): "refund payment",
    ("xero", "fee"): "fee bank transaction", ("xero", "payout"): "bank transfer",
    ("store", "payment"): "payment", ("store", "refund"): "refund", ("store", "fee"): "payment fee",
    ("stripe", "dispute"): "dispute", ("xero", "dispute"): "dispute bank transaction", ("store", "dispute"): "dispute",
    ("quickbooks", "payment"): "payment", ("quickbooks", "refund"): "refund receipt",
    ("quickbooks", "fee"): "fee purchase", ("quickbooks", "payout"): "transfer",
    ("quickbooks", "dispute"): "dispute purchase or journal entry",
}
LEDGER_NAMES = {"xero": "Xero", "quickbooks": "QuickBooks"}
# The books systems that can fill the ledger column (its slot is named "xero" in the figures).
LEDGERS = ("xero", "quickbooks")


@dataclass(frozen=True)
class Entry:
    """One money movement as one side holds it; ``amount_minor`` is its size (negative only for
    a reversal, such as a failed payout coming back)."""

    side: str
    kind: str
    record_id: str                 # the side's own id: ch_…, a Xero PaymentID, a canonical UUID
    currency: str
    amount_minor: int
    on: date
    keys: frozenset[str] = frozenset()   # every id another side may name this record by
    refs: tuple[str, ...] = ()           # further ids worth showing (balance transaction, invoice …)
    via_stripe: bool = True        # Stripe must hold it too (money that went through Stripe)
    clearing: bool = False         # Xero only: it moved the Stripe clearing account
    # Not in the bank yet, so Xero books it on arrival: a payout in transit, or (fees booked
    # per payout) a fee whose payout has not landed.
    under_way: bool = False
    # What it moved in the balance or bank account, when that account keeps another currency
    # (Stripe's settlement currency, a Xero payment's BankAmount): the clearing rows use it.
    settled_currency: str | None = None
    settled_minor: int | None = None
    payout: str | None = None      # Stripe fees: the payout that settled it (po_…), if paid out

    @property
    def settled(self) -> tuple[str, int]:
        """(currency, minor units) as the Stripe balance or the Xero bank account moved."""
        if self.settled_currency is None or self.settled_minor is None:
            return self.currency, self.amount_minor
        return self.settled_currency, self.settled_minor


@dataclass
class Difference:
    """One group of records that does not balance, with the records that cause it."""

    kind: str
    problem: str  # missing | booked_twice | amount_differs | currency_differs | settled_differs
    sides: list[str]               # the sides missing it, booking it twice, or disagreeing
    currency: str
    period: str
    amounts: dict[str, int | None]
    records: dict[str, list[str]]
    message: str


@dataclass
class Report:
    ledgers: list[Ledger]
    differences: list[Difference]
    period: str | None = None
    currency: str | None = None
    ledger: str = "xero"  # which books system the ledger column holds

    @property
    def balanced(self) -> bool:
        return not self.differences

    def as_json(self) -> dict:
        """JSON-ready; amounts as exact decimal strings in major units, never floats."""
        return {"period": self.period, "currency": self.currency, "balanced": self.balanced, "ledger": self.ledger,
                "ledgers": [ledger_json(x, self.ledger) for x in self.ledgers],
                "differences": [difference_json(d) for d in self.differences]}


def period_of(day: date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def compare(entries: list[Entry], period: str | None = None, currency: str | None = None,
            fees_per_payout: bool = False, ledger: str = "xero") -> Report:
    """The ledgers and the differences of ``entries``, for one period and currency if given.

    A group counts in the period of its Stripe date (else the store's, else Xero's), so a
    payment Xero dates a day after Stripe is one record, not two differences. With
    ``fees_per_payout`` (the Xero connection books each payout's fees as one booking quoting
    it), fees meet the booking of the payout that settled them. ``ledger`` names the books
    system (Xero or QuickBooks) whose entries fill the ledger column, as the differences say.
    """
    # The ledger column's slot is "xero"; another books system's entries take it, named as themselves.
    entries = [replace(e, side="xero") if e.side in LEDGERS else e for e in entries]
    if fees_per_payout:
        entries = _fees_with_payouts(entries)
    groups = [g for kind in KINDS for g in _groups([e for e in entries if e.kind == kind])]
    # A charge settled in another currency moves that currency's balance too: it stays in.
    groups = [g for g in groups if (period is None or _period(g) == period)
              and (currency is None or any(currency in (e.currency, e.settled[0]) for e in g))]
    differences = []
    pooled = _balanced_fee_pools(groups)
    for group in groups:
        if id(group) in pooled:
            continue
        difference = _difference(group, ledger)
        if difference:
            differences.append(difference)
    differences.sort(key=lambda d: (d.currency, d.period, KINDS.index(d.kind), d.message))
    found = [x for x in ledgers(groups, _period) if currency is None or x.currency == currency]
    return Report(found, differences, period, currency, ledger)


def _fees_with_payouts(entries: list[Entry]) -> list[Entry]:
    """Each Stripe fee keyed by the payout that settled it, so it groups with the "Stripe fees
    of po_…" booking (dated by the payout's arrival, perhaps in the next month); a fee whose
    payout has not landed (or that no payout has settled yet) is not expected in Xero yet."""
    landed = {e.record_id for e in entries if e.side == "stripe" and e.kind == "payout" and not e.under_way}
    return [(replace(e, keys=e.keys | {e.payout}) if e.payout in landed else replace(e, under_way=True))
            if e.side == "stripe" and e.kind == "fee" else e for e in entries]


def _groups(entries: list[Entry]) -> list[list[Entry]]:
    """Entries that share any key, transitively (union-find over the keys)."""
    parent = list(range(len(entries)))

    def root(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first_with: dict[str, int] = {}
    for i, entry in enumerate(entries):
        for key in entry.keys | {entry.record_id}:
            if key in first_with:
                parent[root(i)] = root(first_with[key])
            else:
                first_with[key] = i
    found: dict[int, list[Entry]] = defaultdict(list)
    for i, entry in enumerate(entries):
        found[root(i)].append(entry)
    return list(found.values())


def _period(group: list[Entry]) -> str:
    for side in SIDES:
        days = [e.on for e in group if e.side == side]
        if days:
            return period_of(min(days))
    raise ValueError("empty group")


def _expected(group: list[Entry]) -> tuple[str, ...]:
    if any(e.under_way for e in group):
        return ("stripe", "store")  # in transit: Xero books the transfer when it lands
    if any(e.via_stripe for e in group):
        return SIDES
    return ("xero", "store")


def _sums(group: list[Entry]) -> dict[str, int | None]:
    present = {e.side for e in group}
    return {s: sum(e.amount_minor for e in group if e.side == s) if s in present else None for s in SIDES}


def _balanced_fee_pools(groups: list[list[Entry]]) -> set[int]:
    """Fees booked in bulk (per payout or per day) match no single Stripe fee: unmatched fee
    groups whose totals agree per currency and period are balanced together."""
    pools: dict[tuple[str, str], list[list[Entry]]] = defaultdict(list)
    for group in groups:
        if group[0].kind == "fee" and set(_expected(group)) - {e.side for e in group}:
            pools[(group[0].currency, _period(group))].append(group)
    balanced: set[int] = set()
    for members in pools.values():
        totals = _sums([e for g in members for e in g])
        if len({totals[s] or 0 for s in SIDES}) == 1:
            balanced.update(id(g) for g in members)
    return balanced


def _difference(group: list[Entry], ledger: str = "xero") -> Difference | None:
    sums = _sums(group)
    expected = _expected(group)
    missing = [s for s in expected if sums[s] is None]
    present = [s for s in expected if sums[s] is not None]
    currencies = {s: {e.currency for e in group if e.side == s} for s in present}
    reference = next(iter(currencies[present[0]])) if present else None
    if missing and all(sums[s] == 0 for s in present):
        return None  # reversed where it happened (a failed payout): nothing to book elsewhere
    if missing:
        problem, sides = "missing", missing
    elif any(c != {reference} for c in currencies.values()):
        # e.g. a fee Stripe took in the settlement currency, held by a side in the charge's
        problem, sides = "currency_differs", [s for s in present if currencies[s] != {reference}]
    elif len({sums[s] for s in present}) > 1:
        twice = _booked_twice(group, present, sums)
        problem, sides = ("booked_twice", twice) if twice else ("amount_differs", present)
    elif _settled_apart(group):
        problem, sides = "settled_differs", ["stripe", "xero"]
    else:
        return None
    # Named in the currency of the side that leads (Stripe, else the store, else Xero).
    first = min(group, key=lambda e: SIDES.index(e.side))
    records = {s: sorted({e.record_id for e in group if e.side == s} | {r for e in group if e.side == s
                                                                          for r in e.refs}) for s in SIDES}
    named = {"xero": ledger}
    return Difference(first.kind, problem, [named.get(s, s) for s in sides], first.currency, _period(group),
                      {named.get(s, s): sums[s] for s in SIDES if s in expected or sums[s] is not None},
                      {named.get(s, s): ids for s, ids in records.items() if ids},
                      _message(group, problem, sides, sums, ledger))


def _settled_apart(group: list[Entry]) -> bool:
    """Stripe's balance and Xero's clearing account moved by different amounts for the same
    record (a charge converted at one rate by Stripe and at another by Xero)."""
    stripe = _moved([e for e in group if e.side == "stripe"])
    xero = _moved([e for e in group if e.side == "xero" and e.clearing])
    # Compared per currency: a clearing account moved in another currency than Stripe's
    # balance (a foreign amount booked at face value) is a difference, not a pass.
    return bool(stripe and xero) and stripe != xero


def _moved(entries: list[Entry]) -> dict[str, int]:
    """What the entries moved in their balance or bank account, per currency (zeros left out)."""
    moved: dict[str, int] = defaultdict(int)
    for e in entries:
        moved[e.settled[0]] += e.settled[1]
    return {c: a for c, a in moved.items() if a}


def _booked_twice(group: list[Entry], present: list[str], sums: dict[str, int | None]) -> list[str]:
    """Sides holding one record more than the others: their surplus is exactly one of their records."""
    floor = min(sums[s] or 0 for s in present)
    found = []
    for side in present:
        amounts = [e.amount_minor for e in group if e.side == side]
        if len(amounts) > 1 and (sums[side] or 0) - floor in amounts:
            found.append(side)
    return found


def _message(group: list[Entry], problem: str, sides: list[str], sums: dict[str, int | None],
             ledger: str = "xero") -> str:
    kind = group[0].kind
    named = {"xero": ledger}
    sides = [named.get(s, s) for s in sides]
    described = "; ".join(
        f"{named.get(side, side)} {NOUNS.get((named.get(side, side), kind), kind)} "
        f"{', '.join(sorted({e.record_id for e in group if e.side == side}))}"
        f" {_money(sums[side] or 0, next(e.currency for e in group if e.side == side))}"
        for side in SIDES if sums[side] is not None)
    if problem == "missing":
        return f"{described}: none in {' or '.join(sides)}"
    if problem == "booked_twice":
        return f"{described}: booked twice in {' and '.join(sides)}"
    if problem == "settled_differs":
        stripe = _moved([e for e in group if e.side == "stripe"])
        xero = _moved([e for e in group if e.side == "xero" and e.clearing])
        return (f"{described}: Stripe's balance moved {_amounts(stripe)}, {LEDGER_NAMES[ledger]}'s clearing account "
                f"{_amounts(xero)}")
    if problem == "currency_differs":
        return f"{described}: held in another currency by {' and '.join(sides)}"
    return f"{described}: amounts differ"


def _amounts(moved: dict[str, int]) -> str:
    return " and ".join(_money(a, c) for c, a in sorted(moved.items())) or "nothing"


def _money(minor: int, currency: str) -> str:
    return f"{currency} {to_decimal_string(minor, currency)}"
