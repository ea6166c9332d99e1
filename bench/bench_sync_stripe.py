"""Full and incremental Stripe sync: 50,000 invoices with their payments into the SQLite store.

    .venv/bin/python bench/bench_sync_stripe.py [--invoices 50000] [--changes 100]

The Stripe sandbox runs in another process, so this process's CPU time is revhub's own
(stripe-python's HTTP and JSON work included), and of that the part spent in ``sync.apply``
(links, merge, audit, outbox) is timed apart. A second connection (Xero) is configured but
never called, so every applied change also writes its outbox row as in production.
"""

from __future__ import annotations

import argparse
import multiprocessing
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import requests  # noqa: E402

from revhub.config import load_config  # noqa: E402
from revhub.connections import Vault, save_connection  # noqa: E402
from revhub.store import Database  # noqa: E402
from revhub.store.migrate import upgrade  # noqa: E402
from revhub.sync import runner  # noqa: E402
from revhub.sync.jobs import plan, sync_all  # noqa: E402


def serve_sandbox(invoices: int, ready, seed: int = 3) -> None:
    """The child process: a Stripe sandbox holding ``invoices`` invoices, until killed."""
    from revhub.sandbox.dataset import generate
    from revhub.sandbox.server import SandboxServer
    from revhub.sandbox.stripe import StripeSandbox

    sample = generate(500, seed=seed)
    companies = int(500 * invoices / len(sample.invoices)) + 1
    dataset = generate(companies, seed=seed)
    sandbox = StripeSandbox()
    sandbox.load_dataset(dataset)
    server = SandboxServer(sandbox).start()
    ready.send({"url": server.url, "api_key": sandbox.api_key, "invoices": len(dataset.invoices),
                "payments": len(dataset.payments), "customers": len(dataset.companies)})
    while True:
        time.sleep(3600)


class ApplyTimer:
    """CPU seconds spent inside ``sync.apply`` (wraps the runner's reference to it)."""

    def __init__(self) -> None:
        self.cpu = 0.0
        self._original = runner.apply_changes

    def __call__(self, *args, **kwargs):
        started = time.thread_time()
        try:
            return self._original(*args, **kwargs)
        finally:
            self.cpu += time.thread_time() - started


def fresh_database(url: str) -> str:
    """A new, empty PostgreSQL schema for this run (dropped and made again), as a URL."""
    from sqlalchemy import create_engine, text

    schema = "bench_sync_stripe"
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text(f"DROP SCHEMA IF EXISTS {schema} CASCADE"))
        conn.execute(text(f"CREATE SCHEMA {schema}"))
    engine.dispose()
    joiner = "&" if "?" in url else "?"
    return f"{url}{joiner}options=-csearch_path%3D{schema}"


def run(db: Database, vault: Vault, timer: ApplyTimer) -> tuple[float, float, float, int, int]:
    timer.cpu = 0.0
    wall, cpu = time.perf_counter(), time.process_time()
    results = sync_all(db, vault, plan(db, connection="stripe"))
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    failed = [(r.entity, r.note) for r in results if r.status != "succeeded"]
    assert not failed, failed
    return wall, cpu, timer.cpu, sum(r.fetched for r in results), sum(r.api_calls for r in results)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--invoices", type=int, default=50_000)
    parser.add_argument("--changes", type=int, default=100)
    parser.add_argument("--seed", type=int, default=3, help="the data set (give each round a new one)")
    parser.add_argument("--database-url", default=None,
                        help="the store (default: a new SQLite file); a PostgreSQL URL gets a fresh schema")
    parser.add_argument("--requests-per-second", type=float, default=80.0,
                        help="the hub's Stripe pace (live mode allows ~100/s; test keys default to 20)")
    args = parser.parse_args()

    ours, theirs = multiprocessing.Pipe()
    child = multiprocessing.Process(target=serve_sandbox, args=(args.invoices, theirs, args.seed), daemon=True)
    started = time.perf_counter()
    child.start()
    stripe_box = ours.recv()
    loaded = time.perf_counter() - started
    try:
        home = Path(tempfile.mkdtemp(prefix="revhub-bench-sync-"))
        url = fresh_database(args.database_url) if args.database_url else f"sqlite:///{home}/bench.db"
        config = load_config({"REVHUB_HOME": str(home), "REVHUB_DATABASE_URL": url})
        db, vault = Database(config.database_url), Vault(config.encryption_key)
        upgrade(db.engine)
        with db.session(write=True) as s:
            save_connection(s, vault, name="stripe", provider="stripe",
                            credentials={"api_key": stripe_box["api_key"]},
                            settings={"base_url": stripe_box["url"], "requests_per_second": args.requests_per_second})
            save_connection(s, vault, name="xero", provider="xero",
                            credentials={"client_id": "x", "client_secret": "x", "refresh_token": "x"},
                            settings={"tenant_id": "bench"})
        timer = ApplyTimer()
        runner.apply_changes = timer

        full = run(db, vault, timer)

        # Changes on top: customers renamed, as an account manager's clean-up would.
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {stripe_box['api_key']}"
        customers = session.get(f"{stripe_box['url']}/v1/customers", params={"limit": 100}).json()["data"]
        changed = 0
        while changed < args.changes:
            for customer in customers:
                if changed == args.changes:
                    break
                answer = session.post(f"{stripe_box['url']}/v1/customers/{customer['id']}",
                                      data={"metadata[account_manager]": f"am-{changed}"})
                answer.raise_for_status()
                changed += 1
        incremental = run(db, vault, timer)
    finally:
        child.kill()

    def line(label: str, figures: tuple[float, float, float, int, int]) -> str:
        wall, cpu, apply_cpu, fetched, calls = figures
        per_k = 1000 / max(1, fetched)
        return (f"  {label}: {fetched:,} records in {wall:.1f} s = {fetched / wall:,.0f} records/s, "
                f"{calls:,} API calls; "
                f"revhub CPU {cpu * per_k * 1000:.0f} ms per 1,000 records "
                f"(sync.apply {apply_cpu * per_k * 1000:.0f} ms, connector + SDK + HTTP "
                f"{(cpu - apply_cpu) * per_k * 1000:.0f} ms)")

    print(f"stripe sync bench (hub paced at {args.requests_per_second:g} requests/s): sandbox (own process) "
          f"holds {stripe_box['invoices']:,} invoices, "
          f"{stripe_box['payments']:,} payments, {stripe_box['customers']:,} customers (loaded in {loaded:.0f} s)")
    print(line("full", full))
    print(line(f"incremental after {args.changes} changes", incremental))
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # Linux: KiB
    print(f"  peak RSS of this (revhub) process: {peak_mb:,.0f} MB; store: {args.database_url or 'SQLite'}")
    print(f"  incremental / full: wall {incremental[0] / full[0]:.2%}, CPU {incremental[1] / full[1]:.2%}, "
          f"API calls {incremental[4] / full[4]:.2%}")


if __name__ == "__main__":
    main()
