"""A realistic, deterministic data set of B2B SaaS billing, shared by the three sandboxes.

The same companies appear in Salesforce, Stripe and Xero with the same e-mail and tax id
(and the small differences real systems have: "Inc." here, not there), so the hub's
matching and reconciliation have real work to do. Amounts are integer minor units.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from functools import cache

from revhub.money import exponent
from revhub.store.commerce import PAYMENT_TERM_DAYS as TERMS_DAYS

CURRENCIES = ("USD", "EUR", "GBP", "JPY")  # JPY: a 0-decimal currency

_PREFIXES = ("Acme", "Globex", "Initech", "Umbrella", "Stark", "Wayne", "Hooli", "Vandelay",
             "Soylent", "Tyrell", "Cyberdyne", "Wonka", "Aperture", "Massive", "Oscorp",
             "Pied Piper", "Dunder", "Gringotts", "Monarch", "Nakatomi")
_SUFFIXES = ("Labs", "Systems", "Analytics", "Logistics", "Health", "Capital", "Media",
             "Robotics", "Foods", "Energy")
_LEGAL = ("Inc.", "Ltd", "GmbH", "LLC", "K.K.", "S.A.")
_FIRST = ("Ana", "Ben", "Chloe", "Dev", "Elena", "Farid", "Grace", "Hiro", "Ines", "Jon")
_LAST = ("Alvarez", "Brown", "Chen", "Dubois", "Evans", "Fischer", "Garcia", "Hayashi", "Ito", "Jones")
_CITIES = (("San Francisco", "CA", "US"), ("Berlin", None, "DE"), ("London", None, "GB"),
           ("Tokyo", None, "JP"), ("Austin", "TX", "US"), ("Dublin", None, "IE"))

# (sku, name, monthly price in USD cents, recurring interval or None)
PRODUCTS = (
    ("RH-PLAT", "Platform licence (per seat)", 4_900, "month"),
    ("RH-ANLT", "Analytics add-on (per seat)", 1_500, "month"),
    ("RH-API", "API access tier", 250_000, "year"),
    ("RH-ONB", "Onboarding package", 500_000, None),
    ("RH-SUP", "Premium support", 120_000, "year"),
)
# Rough FX to make prices plausible in each currency (major units per USD).
_FX = {"USD": 1, "EUR": 0.92, "GBP": 0.79, "JPY": 150}


@dataclass
class Company:
    key: str
    name: str              # legal name as the CRM holds it
    short_name: str        # as billing systems often hold it (no legal suffix)
    email: str             # accounts-payable mailbox: the cross-system natural key
    tax_id: str
    street: str
    city: str
    region: str | None
    postal_code: str
    country: str
    currency: str
    payment_terms: str


@dataclass
class Person:
    company: str
    first_name: str
    last_name: str
    email: str
    role: str  # billing | purchasing


@dataclass
class Line:
    sku: str
    description: str
    quantity: int
    unit_amount: int  # minor units

    @property
    def amount(self) -> int:
        return self.quantity * self.unit_amount


@dataclass
class PurchaseOrder:
    number: str          # the customer's PO number
    company: str
    issue_date: date
    currency: str
    lines: list[Line]
    subscription_start: date
    subscription_end: date
    payment_terms: str

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


@dataclass(frozen=True)
class Settlement:
    """What a card payment or refund moved in the processor's balance: minor units of the
    settlement currency, and the processor's fee there (none on a refund)."""

    amount: int
    currency: str
    fee: int = 0


@cache
def _stripe_pricing():
    """The Stripe sandbox's own conversion and pricing (a EUR account, its default settings):
    the one source of every settled amount and fee, so the bookkeeping side's copies equal Stripe's."""
    from revhub.sandbox.stripe.balance import Balance  # the Stripe sandbox imports this module

    return Balance(store=None, now=lambda: 0, emit=lambda *args, **kwargs: None)  # type: ignore[arg-type]


def stripe_settlement(amount: int, currency: str, *, charged: bool = True) -> Settlement:
    """``amount`` minor units of ``currency`` as Stripe settles it (with its fee on a charge)."""
    settled, target, rate = _stripe_pricing().convert(amount, currency.lower())
    fee = _stripe_pricing().fee(settled, target, rate is not None) if charged else 0
    return Settlement(settled, target.upper(), fee)


@dataclass
class Payment:
    key: str
    invoice: str
    amount: int       # minor units actually received (may exceed amount due)
    currency: str
    paid_at: datetime
    kind: str         # full | partial | over

    @property
    def settled(self) -> Settlement:
        """The charge as Stripe settled it, with Stripe's fee."""
        return stripe_settlement(self.amount, self.currency)

    @property
    def fee(self) -> int:
        """Stripe's processing fee, in the settlement currency's minor units."""
        return self.settled.fee

    @property
    def processor_id(self) -> str:
        """The card processor's id of this payment (a Stripe PaymentIntent id), which the
        bookkeeping side also quotes as its payment reference, as Stripe-to-Xero feeds do."""
        return "pi_" + hashlib.sha256(f"{self.invoice}/{self.key}".encode()).hexdigest()[:24]


@dataclass
class Refund:
    key: str
    payment: str
    amount: int
    currency: str
    reason: str
    refunded_at: datetime

    @property
    def settled(self) -> Settlement:
        """The refund as Stripe took it from the balance (no fee is returned)."""
        return stripe_settlement(self.amount, self.currency, charged=False)

    @property
    def processor_id(self) -> str:
        """The card processor's id of this refund (a Stripe Refund id), which the bookkeeping
        side quotes in the credit note's reference, as a Stripe-to-Xero feed does."""
        return "re_" + hashlib.sha256(f"{self.payment}/{self.key}".encode()).hexdigest()[:24]


@dataclass
class Invoice:
    number: str
    company: str
    po_number: str
    currency: str
    issue_date: date
    due_date: date
    lines: list[Line]
    status: str  # open | paid | void | uncollectible (after payments applied)

    @property
    def total(self) -> int:
        return sum(line.amount for line in self.lines)


@dataclass
class Dataset:
    companies: list[Company] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    purchase_orders: list[PurchaseOrder] = field(default_factory=list)
    invoices: list[Invoice] = field(default_factory=list)
    payments: list[Payment] = field(default_factory=list)
    refunds: list[Refund] = field(default_factory=list)

    def unit_price(self, sku: str, currency: str) -> int:
        return unit_price(sku, currency)

    def company(self, key: str) -> Company:
        return next(c for c in self.companies if c.key == key)


def unit_price(sku: str, currency: str) -> int:
    """List price of ``sku`` in ``currency`` minor units, rounded to a tidy amount."""
    usd_cents = next(p[2] for p in PRODUCTS if p[0] == sku)
    major = usd_cents / 100 * _FX[currency]
    places = exponent(currency)
    # Whole major units keep prices tidy in every currency and exact in minor units.
    return int(round(major)) * 10**places


def generate(companies: int = 20, seed: int = 1, today: date | None = None) -> Dataset:
    """A data set of ``companies`` customers with POs, invoices, payments and refunds."""
    rng = random.Random(seed)
    today = today or datetime.now(UTC).date()
    ds = Dataset()
    for i in range(companies):
        prefix = _PREFIXES[i % len(_PREFIXES)]
        suffix = _SUFFIXES[(i // len(_PREFIXES) + i) % len(_SUFFIXES)]
        legal = _LEGAL[i % len(_LEGAL)]
        short = f"{prefix} {suffix}" + (f" {i // len(_PREFIXES) + 1}" if i >= len(_PREFIXES) else "")
        slug = short.lower().replace(" ", "")
        city, region, country = _CITIES[i % len(_CITIES)]
        currency = CURRENCIES[i % len(CURRENCIES)]
        company = Company(
            key=f"c{i:04d}", name=f"{short} {legal}", short_name=short, email=f"ap@{slug}.example",
            tax_id=f"{country}{rng.randrange(10**8, 10**9)}", street=f"{rng.randrange(1, 999)} Market St",
            city=city, region=region, postal_code=f"{rng.randrange(10000, 99999)}", country=country,
            currency=currency, payment_terms=rng.choice(("NET30", "NET30", "NET45", "NET15", "NET60")),
        )
        ds.companies.append(company)
        for role in ("billing", "purchasing"):
            first, last = rng.choice(_FIRST), rng.choice(_LAST)
            ds.people.append(Person(company.key, first, last,
                                    f"{first.lower()}.{last.lower()}@{slug}.example", role))
        for j in range(rng.randint(1, 3)):
            _add_po_and_invoice(ds, rng, company, j, today)
    return ds


def _add_po_and_invoice(ds: Dataset, rng: random.Random, company: Company, j: int, today: date) -> None:
    issue = today - timedelta(days=rng.randint(5, 150))
    seats = rng.choice((5, 10, 25, 50, 120))
    lines = [Line("RH-PLAT", "Platform licence, 12 months", seats, unit_price("RH-PLAT", company.currency) * 12)]
    if rng.random() < 0.5:
        lines.append(Line("RH-ANLT", "Analytics add-on, 12 months", seats,
                          unit_price("RH-ANLT", company.currency) * 12))
    if j == 0:
        lines.append(Line("RH-ONB", "Onboarding package", 1, unit_price("RH-ONB", company.currency)))
    po = PurchaseOrder(
        number=f"PO-{company.key[1:]}-{issue.year}-{rng.randrange(100, 999)}{j}",
        company=company.key, issue_date=issue, currency=company.currency, lines=lines,
        subscription_start=issue + timedelta(days=7),
        subscription_end=issue + timedelta(days=7 + 364), payment_terms=company.payment_terms,
    )
    ds.purchase_orders.append(po)
    inv_date = issue + timedelta(days=rng.randint(0, 3))
    invoice = Invoice(
        number=f"INV-{len(ds.invoices) + 1001}", company=company.key, po_number=po.number,
        currency=po.currency, issue_date=inv_date,
        due_date=inv_date + timedelta(days=TERMS_DAYS[po.payment_terms]), lines=lines, status="open",
    )
    ds.invoices.append(invoice)
    _add_payments(ds, rng, invoice, today)


def _add_payments(ds: Dataset, rng: random.Random, invoice: Invoice, today: date) -> None:
    roll = rng.random()
    paid_on = min(today, invoice.issue_date + timedelta(days=rng.randint(3, 40)))
    paid_at = datetime(paid_on.year, paid_on.month, paid_on.day, 14, 30, tzinfo=UTC)

    def pay(kind: str, amount: int) -> Payment:
        payment = Payment(f"p{len(ds.payments) + 1:05d}", invoice.number, amount, invoice.currency, paid_at, kind)
        ds.payments.append(payment)
        return payment

    if roll < 0.08:
        invoice.status = "void"
    elif roll < 0.12:
        invoice.status = "uncollectible"
    elif roll < 0.55:
        payment = pay("full", invoice.total)
        invoice.status = "paid"
        if rng.random() < 0.15:
            ds.refunds.append(Refund(f"r{len(ds.refunds) + 1:05d}", payment.key, invoice.lines[-1].amount,
                                     invoice.currency, "requested_by_customer", paid_at + timedelta(days=5)))
    elif roll < 0.75:
        pay("partial", invoice.total // 2)
    elif roll < 0.8:
        pay("over", invoice.total + 10 ** exponent(invoice.currency) * 50)
        invoice.status = "paid"
    # otherwise: open and unpaid
