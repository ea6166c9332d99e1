"""Month-end (issue 16, target 5): POs approved → invoices in Stripe and Xero → paid → payments
and fees in Xero → `ledger check` at zero, with Xero at its real limits on a scaled clock.

    .venv/bin/python bench/bench_month_end.py [--pos 20000] [--customers 2000] [--clock-factor 60]

The sandboxes (Stripe, Xero) run in this process, in their own server threads, on one
``SandboxClock`` running ``--clock-factor`` times faster than the wall: Xero's 60 calls a
minute, 5 in flight and 5,000 a day are counted on that clock, and the hub's Xero pacing reads
the same clock (1 real second = ``factor`` sandbox seconds). The hub's Stripe pacing (20 calls
a second, test mode) runs on that clock too, so the whole month is sandbox time; the Stripe
sandbox does not count requests itself. The hub's parts (PO intake and
approval, outbox drains, syncs, the ledger check) run in the main thread; their CPU is that
thread's ``getrusage(RUSAGE_THREAD)``, so the sandboxes' threads are not counted. The
customer's side (Stripe customers created, invoices paid) is the bench's, run in the main
thread between the hub's phases and left out of the hub's CPU.

Prints: calls per system and kind (from the sandboxes' request logs, phase by phase) against
the batch minimum, the 429s the sandboxes answered, wall time real and in sandbox minutes,
the hub's CPU per invoice, and the ledger check's result.
"""

from __future__ import annotations

import argparse
import math
import re
import resource
import sys
import tempfile
import time
from collections import Counter
from datetime import timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import stripe  # noqa: E402
from sqlalchemy import func, select, update  # noqa: E402

from revhub.config import load_config  # noqa: E402
from revhub.connections import Vault  # noqa: E402
from revhub.connectors.resilience import RateLimiter, forget_limiters, install_limiter  # noqa: E402
from revhub.connectors.stripe.client import DEFAULT_LIMITS as STRIPE_LIMITS  # noqa: E402
from revhub.connectors.xero.client import DEFAULT_LIMITS as XERO_LIMITS  # noqa: E402
from revhub.connectors.xero.push import BATCH as XERO_BATCH  # noqa: E402
from revhub.ledger.sources import run_check  # noqa: E402
from revhub.mappings.outbox import OutboxWorker  # noqa: E402
from revhub.orders import service  # noqa: E402
from revhub.orders.validation import validate  # noqa: E402
from revhub.sandbox.clock import SandboxClock  # noqa: E402
from revhub.sandbox.launch import SandboxSet  # noqa: E402
from revhub.store import Database, Invoice, Link, OutboxMessage, PurchaseOrder  # noqa: E402
from revhub.store.migrate import upgrade  # noqa: E402
from revhub.sync.jobs import plan, sync_all  # noqa: E402

DAY = 86400
CHUNK = 200
# (currency, country, VAT number or None, lines) — a customer keeps one currency, as Stripe's do.
PROFILES = [
    ("EUR", "NL", "NL859466812B01", [("Platform licence", 3, "33.33", "NL_VAT_21"),
                                     ("Training book", 2, "10.05", "NL_VAT_9")]),
    ("EUR", "DE", "DE811907980", [("Platform licence", 1, "1000.00", "EU_REVERSE_CHARGE")]),
    ("USD", "US", None, [("Platform licence", 2, "250.00", "EXPORT")]),
    ("GBP", "GB", None, [("Platform licence", 1, "300.00", "EXPORT"), ("Support", 4, "12.50", "EXPORT")]),
]
ID_SEGMENT = re.compile(r"/(?:[a-z]+_[A-Za-z0-9]{10,}|[0-9a-fA-F-]{36}|\d+)(?=/|$)")


class Phases:
    """Wall time, sandbox time, hub CPU and the sandboxes' request logs, phase by phase."""

    def __init__(self, running: SandboxSet) -> None:
        self.running = running
        self.calls: Counter[tuple[str, str, str]] = Counter()   # (system, phase kind, "METHOD /path")
        self.throttled: Counter[str] = Counter()
        self.refused: Counter[tuple[str, int]] = Counter()  # the hub's calls answered 4xx/5xx
        self.xero_writes: Counter[tuple[str, str]] = Counter()  # (phase, "METHOD /path")
        self.hub_cpu = 0.0
        self.rows: list[tuple[str, str, float, float, float]] = []

    def run(self, name: str, who: str, fn, *args):
        for sandbox in self.running.running.values():
            sandbox.sandbox.requests.clear()
        cpu0, wall0, box0 = _thread_cpu(), time.perf_counter(), self.running.clock.time()
        result = fn(*args)
        cpu, wall, box = _thread_cpu() - cpu0, time.perf_counter() - wall0, self.running.clock.time() - box0
        if who == "hub":
            self.hub_cpu += cpu
        self.rows.append((name, who, wall, box, cpu))
        print(f"  ... {name}: {wall:.1f} s real, {box / 60:.1f} sandbox min, CPU {cpu:.1f} s", flush=True)
        for system, sandbox in self.running.running.items():
            for r in sandbox.sandbox.requests.entries():
                kind = f"{r.method} {ID_SEGMENT.sub('/{id}', r.path)}"
                self.calls[(system, who, kind)] += 1
                if who == "hub" and system == "xero" and r.method != "GET" and "/api.xro/" in r.path:
                    self.xero_writes[(name, kind)] += 1
                if r.status == 429:
                    self.throttled[system] += 1
                if r.status >= 400 and who == "hub":
                    self.refused[(system, r.status)] += 1
        return result


def _thread_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_THREAD)
    return usage.ru_utime + usage.ru_stime


def customers(client: stripe.StripeClient, count: int) -> list[tuple[str, tuple]]:
    """``count`` customers made in Stripe, as its dashboard would; (email, profile) each."""
    made = []
    for n in range(count):
        profile = PROFILES[n % len(PROFILES)]
        _, country, vat, _ = profile
        email = f"ap{n:05d}@customer{n:05d}.example"
        params: dict = {"name": f"Customer {n:05d} Ltd", "email": email,
                        "address": {"country": country, "line1": f"{n} Main Street"}}
        if vat:
            params["metadata"] = {"tax_id": vat}
        client.v1.customers.create(params)
        made.append((email, profile))
    return made


def intake(db: Database, made: list[tuple[str, tuple]], count: int, issued: str) -> None:
    """``count`` POs through the intake (validated, submitted, awaiting approval), each then
    approved by someone else: approval raises its invoice and queues its write-back."""
    for start in range(0, count, CHUNK):
        with db.session(write=True) as s:
            for n in range(start, min(count, start + CHUNK)):
                email, (currency, _, _, lines) = made[n % len(made)]
                # Each of a customer's POs for other quantities: identical bills of one customer
                # are what the duplicate guard flags for a person (and compares each new one with).
                more = n // len(made)
                lines = [(what, quantity + more, unit, code) for what, quantity, unit, code in lines]
                draft = validate(_po(n, email, currency, lines, issued))
                assert not isinstance(draft, list), draft
                po = service.submit(s, draft, actor="buyer@bench", threshold_minor=-1)
                service.approve(s, po, approver="approver@bench")


def _po(n: int, email: str, currency: str, lines: list[tuple], issued: str) -> dict:
    from decimal import Decimal

    from revhub.tax import TAX_CODES

    total = tax = Decimal(0)
    body = []
    for description, quantity, unit, code in lines:
        net = Decimal(unit) * quantity
        line_tax = (net * TAX_CODES[code].rate / 100).quantize(Decimal("0.01"), rounding="ROUND_HALF_UP")
        total, tax = total + net + line_tax, tax + line_tax
        body.append({"description": description, "quantity": quantity, "unit_price": unit, "tax_code": code})
    return {"customer": {"email": email}, "po_number": f"45{n:08d}", "issue_date": issued, "currency": currency,
            "lines": body, "total": str(total), "tax": str(tax), "subscription_start": "2027-01-01",
            "subscription_end": "2027-12-31", "payment_terms": "NET30"}


def pay(db: Database, client: stripe.StripeClient, odd: bool) -> Counter[str]:
    """Every invoice paid in Stripe by card; with ``odd``, one in 50 paid short and one in 100
    paid over (a payment intent attached to the invoice), the rest paid in full."""
    with db.session() as s:
        rows = s.execute(select(Link.external_id, Invoice.total_minor)
                         .join(Invoice, Invoice.id == Link.canonical_id)
                         .where(Link.system == "stripe", Link.entity == "invoice")
                         .order_by(Invoice.number)).all()
    kinds: Counter[str] = Counter()
    for n, (stripe_id, total) in enumerate(rows):
        if odd and n % 50 == 7:
            _attach(client, stripe_id, total // 2)
            kinds["partial"] += 1
        elif odd and n % 100 == 13:
            _attach(client, stripe_id, total + 500)
            kinds["over"] += 1
        else:
            client.v1.invoices.pay(stripe_id, {"payment_method": "pm_card_visa"})
            kinds["full"] += 1
    return kinds


def _attach(client: stripe.StripeClient, invoice_id: str, amount: int) -> None:
    remote = client.v1.invoices.retrieve(invoice_id)
    intent = client.v1.payment_intents.create({"amount": amount, "currency": remote.currency,
                                               "customer": remote.customer, "payment_method": "pm_card_visa",
                                               "confirm": True})
    client.v1.invoices.attach_payment(invoice_id, {"payment_intent": intent.id})


def sync(db: Database, vault: Vault, rounds: int = 6) -> None:
    """Every connection synced; a run a provider failed is run again, as the scheduler would."""
    pairs = plan(db)
    for _ in range(rounds):
        results = sync_all(db, vault, pairs)
        pairs = [(r.connection, r.entity) for r in results if r.status != "succeeded"]
        if not pairs:
            return
    raise SystemExit(f"syncs still failing after {rounds} rounds: {pairs}")


def drain(db: Database, vault: Vault, rounds: int = 6) -> None:
    """The outbox emptied; a failed message is retried once its delay is over; none may die."""
    for _ in range(rounds):
        OutboxWorker(db, vault, "bench").drain(limit=1000, max_rounds=100_000)
        with db.session(write=True) as s:
            dead = s.scalars(select(OutboxMessage).where(OutboxMessage.status == "dead")).all()
            if dead:
                raise SystemExit(f"{len(dead)} dead: {[(m.target_system, m.entity, m.last_error) for m in dead[:5]]}")
            if not s.scalar(select(OutboxMessage.id).where(
                    OutboxMessage.status.in_(("pending", "failed", "processing"))).limit(1)):
                return
            s.execute(update(OutboxMessage).where(OutboxMessage.status == "failed").values(next_attempt_at=None))
    raise SystemExit(f"outbox not empty after {rounds} rounds")


def settle(db: Database, vault: Vault) -> None:
    sync(db, vault)
    drain(db, vault)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pos", type=int, default=20_000)
    parser.add_argument("--customers", type=int, default=None, help="default: one per 10 POs")
    parser.add_argument("--clock-factor", type=float, default=60.0)
    parser.add_argument("--no-odd-payments", action="store_true", help="pay every invoice in full")
    args = parser.parse_args()
    n_customers = args.customers or max(4, args.pos // 10)
    home = Path(tempfile.mkdtemp(prefix="revhub-bench-month-end-"))
    config = load_config({"REVHUB_HOME": str(home), "REVHUB_DATABASE_URL": f"sqlite:///{home}/bench.db"})
    db, vault = Database(config.database_url), Vault(config.encryption_key)
    upgrade(db.engine)
    clock = SandboxClock(factor=args.clock_factor)
    running = SandboxSet(home / "sandboxes", seed=11, clock=clock).start(("stripe", "xero"))
    phases = Phases(running)
    started_real = time.perf_counter()
    try:
        running.connect(db, vault)
        forget_limiters()
        # The hub's Xero pacing on the sandboxes' clock: its window is Xero's minute as Xero counts it.
        install_limiter("xero", running["xero"].settings["tenant_id"],
                        RateLimiter(XERO_LIMITS, clock=clock.time, sleep=clock.sleep))
        # Stripe's test-mode pace (20/s of its ~25/s) on the same clock, so the whole month runs
        # on sandbox time (the Stripe sandbox itself counts no requests).
        install_limiter("stripe", running["stripe"].credentials["api_key"][-12:],
                        RateLimiter(STRIPE_LIMITS, clock=clock.time, sleep=clock.sleep))
        now = clock.now()
        first = (now.replace(day=1) + timedelta(days=32)).replace(day=1, hour=9, minute=0, second=0, microsecond=0)
        clock.advance((first - now).total_seconds())
        period, issued = first.strftime("%Y-%m"), first.date().isoformat()
        client = stripe.StripeClient(running["stripe"].credentials["api_key"],
                                     base_addresses={"api": running["stripe"].url}, max_network_retries=0)

        made = phases.run("customers made in Stripe", "customer", customers, client, n_customers)
        clock.advance(60)
        phases.run("customers synced (Stripe → store → Xero contacts)", "hub", settle, db, vault)
        phases.run("POs submitted and approved", "hub", intake, db, made, args.pos, issued)
        phases.run("invoices written to Stripe and Xero", "hub", drain, db, vault)
        clock.advance(DAY)
        kinds = phases.run("invoices paid in Stripe", "customer", pay, db, client, not args.no_odd_payments)
        clock.advance(60)
        phases.run("payments synced and booked in Xero", "hub", settle, db, vault)
        clock.advance(5 * DAY)  # Stripe's automatic payouts, with the fees they settle
        phases.run("payouts synced and booked", "hub", settle, db, vault)
        clock.advance(DAY)
        phases.run("payouts landed", "hub", settle, db, vault)
        report = phases.run("ledger check", "hub", run_check, db, vault, period)
        xero_counts = {name: len(c) for name, c in
                       running["xero"].sandbox.tenants[running["xero"].settings["tenant_id"]].collections.items()
                       if len(c)}
        with db.session() as s:
            po_statuses = dict(s.execute(select(PurchaseOrder.status, func.count())
                                         .group_by(PurchaseOrder.status)).all())
    finally:
        running.stop()
    wall, box = time.perf_counter() - started_real, sum(row[3] for row in phases.rows)
    _report(args, n_customers, period, phases, kinds, xero_counts, report, wall, box, po_statuses)


def _report(args, n_customers, period, phases: Phases, kinds, xero_counts, report, wall, box, po_statuses) -> None:
    n = args.pos
    print(f"month-end bench: {n:,} POs, {n_customers:,} customers, period {period}; Xero at 60/min, 5 in flight, "
          f"5,000/day on a clock x{args.clock_factor:g}; payments {dict(kinds)}")
    print(f"  POs by status at the end: {po_statuses}")
    print("  phase | by | real s | sandbox min | hub CPU s")
    for name, who, real, sandbox, cpu in phases.rows:
        print(f"  {name} | {who} | {real:.1f} | {sandbox / 60:.1f} | {cpu if who == 'hub' else 0:.1f}")
    print("  hub calls (system, METHOD path): count")
    for (system, who, kind), count in sorted(phases.calls.items()):
        if who == "hub":
            print(f"    {system} {kind}: {count:,}")
    print(f"  Xero records after the run: {xero_counts}")
    print("  Xero writes by phase:")
    for (phase, kind), count in phases.xero_writes.items():
        print(f"    {phase}: {kind} {count:,}")
    xero_writes = sum(phases.xero_writes.values())
    xero_reads = sum(c for (system, who, kind), c in phases.calls.items()
                     if who == "hub" and system == "xero" and kind.startswith("GET /api.xro"))
    # Kinds the hub writes with its own calls (an overpayment is made by its payment's call).
    written = {k: v for k, v in xero_counts.items() if k not in ("Accounts", "TaxRates", "Overpayments")}
    minimum = sum(math.ceil(v / XERO_BATCH) for v in written.values())
    print(f"  Xero writes {xero_writes:,} against a batch minimum of {minimum:,} "
          f"(ceil(records / {XERO_BATCH}) per kind written: {written}); Xero reads {xero_reads:,}")
    stripe_invoice_calls = sum(c for (system, who, kind), c in phases.calls.items()
                               if who == "hub" and system == "stripe" and "/v1/invoices" in kind
                               and not kind.startswith("GET"))
    print(f"  Stripe invoice writes {stripe_invoice_calls:,} against a minimum of {4 * n:,} "
          f"(one object per call: create, add_lines, finalize, send)")
    print(f"  429s answered: {dict(phases.throttled) or 0}; the hub's calls answered >= 400: "
          f"{dict(phases.refused) or 'none'}")
    print(f"  wall: {wall / 60:.1f} real min, {box / 60:.1f} sandbox min in the phases (the days the clock "
          f"was moved on left out); hub CPU {phases.hub_cpu:.1f} s = {phases.hub_cpu / n * 1000:.2f} ms per invoice")
    print(f"  peak RSS of the process (hub, sandboxes and their data): "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    print(f"  ledger check {period}: {'balanced' if not report.differences else 'DIFFERENCES'}, "
          f"{len(report.differences)} differences")
    for d in report.differences[:20]:
        print(f"    {d.currency} {d.kind} {d.problem}: {d.message}")


if __name__ == "__main__":
    main()
