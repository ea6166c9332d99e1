"""Is a full sync's cost flat as the work grows? (issue 16, target 2)

    .venv/bin/python bench/bench_sync_scale.py --records 10000 50000 200000 [--set stripe|mixed] \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/NAME] [--rounds 1]

``--set stripe`` (the default) syncs one Stripe account; ``--set mixed`` syncs Salesforce
(accounts, contacts, products, purchase orders with their lines), Stripe and Xero (contacts,
items, invoices, payments, credit notes) holding the same companies, as a company running all
three would, so the hub also matches each company across the systems.

For each size a new data set (a seed of its own per size and round) is generated so that the
systems together hold about that many records, and each system's sandbox is seeded with it in
a process of its own. The same sandboxes then serve one full sync into a new SQLite store and,
with ``--database-url``, one into a new PostgreSQL schema: the same work on both sides of the
PostgreSQL/SQLite ratio. Each sync runs in a process of its own (``--worker``), so its CPU
time and peak RSS are its own: records/s, revhub CPU per record (``sync.apply`` apart), peak
RSS, and on PostgreSQL the server's CPU per record, read from ``/proc`` of the backends serving
that process (PostgreSQL must run on this machine).

Neither side is paced: this measures the hub's work, not the providers' allowances. The Xero
sandbox's 60 calls a minute per tenant are lifted (its records and wire format unchanged), and
the hub's own limiters for the three are opened likewise. With Stripe alone, a Xero connection
is configured and never called, so every change writes its outbox row as with the mixed set.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

SETS = {"stripe": ("stripe",), "mixed": ("salesforce", "stripe", "xero")}
# Records a full sync reads per generated company, measured (the worker prints each system's count):
# Stripe customers, invoices, charges, fees, payouts...; Salesforce accounts, contacts, POs
# (their lines ride inside); Xero contacts, invoices, payments, credit notes.
RECORDS_PER_COMPANY = {"stripe": 5.83, "salesforce": 4.95, "xero": 4.35}
# Xero's sandbox counts 60 calls a minute and 5,000 a day per tenant: lifted for a throughput bench.
SANDBOX_OPTIONS = {"xero": {"per_minute": 10**9, "per_day": 10**9, "app_per_minute": 10**9}}
TICKS = os.sysconf("SC_CLK_TCK")


def companies_for(records: int, systems: tuple[str, ...]) -> int:
    """How many companies make about ``records`` records across ``systems``."""
    return max(1, round(records / sum(RECORDS_PER_COMPANY[s] for s in systems)))


def serve_sandbox(provider: str, companies: int, seed: int, ready) -> None:
    """The child process: one provider's sandbox holding the data set of ``companies``
    companies (every system's process generates the same one from the seed), until killed."""
    from revhub.sandbox.clock import SandboxClock
    from revhub.sandbox.dataset import generate
    from revhub.sandbox.launch import STARTERS

    home = Path(tempfile.mkdtemp(prefix=f"revhub-bench-scale-{provider}-"))
    running = STARTERS[provider](home, 0, seed, SandboxClock(), SANDBOX_OPTIONS.get(provider, {}))
    running.sandbox.load_dataset(generate(companies, seed=seed))
    ready.send({"provider": provider, "credentials": running.credentials, "settings": running.settings})
    while True:
        time.sleep(3600)


def start_sandboxes(systems: tuple[str, ...], companies: int, seed: int) -> tuple[list, list[dict]]:
    """One seeded sandbox process per system (seeded side by side); their processes and boxes."""
    children, pipes = [], []
    for provider in systems:
        ours, theirs = multiprocessing.Pipe()
        child = multiprocessing.Process(target=serve_sandbox, args=(provider, companies, seed, theirs),
                                        daemon=True)
        child.start()
        children.append(child)
        pipes.append(ours)
    return children, [pipe.recv() for pipe in pipes]


def unpace_hub(boxes: list[dict]) -> None:
    """Open the hub's own limiters for these sandboxes (Stripe's through its connection setting)."""
    from revhub.connectors.resilience import Limits, RateLimiter, install_limiter

    open_limits = Limits(per_window=10**9, window_seconds=1.0, concurrent=10)
    for box in boxes:
        if box["provider"] == "xero":
            install_limiter("xero", box["settings"]["tenant_id"], RateLimiter(open_limits))
        elif box["provider"] == "salesforce":
            install_limiter("salesforce", box["settings"]["instance_url"].rstrip("/"), RateLimiter(open_limits))


def backend_cpu(db, application_name: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving this process, by pid."""
    from sqlalchemy import text

    with db.engine.connect() as conn:
        pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                            {"name": application_name}).scalars().all()
    return {pid: cpu for pid in pids if (cpu := process_cpu(pid)) is not None}


def process_cpu(pid: int) -> float | None:
    """CPU seconds so far (user + system) of a process on this machine; None once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / TICKS


class EntityCPU:
    """This process's CPU seconds by (connection, entity), read between pages (a run's last
    commit counts with the next entity's first page)."""

    def __init__(self, then=None) -> None:
        self.then, self.cpu, self.last = then, {}, time.process_time()

    def __call__(self, summary) -> None:
        now = time.process_time()
        key = f"{summary.connection}/{summary.entity}"
        self.cpu[key] = self.cpu.get(key, 0.0) + now - self.last
        self.last = now
        if self.then is not None:
            self.then(summary)


class AutoAnalyze:
    """PostgreSQL's autovacuum analyzes a table once 50 rows + 10 % of it have changed. Where
    the server runs with autovacuum off (as this machine's does), a first full sync into an
    empty store plans every link look-up from no statistics: the ``IN (page of ids)`` becomes a
    filter over all of the entity's links, and the server's CPU per record grows with the store.
    This stands in for autoanalyze's default rule, between pages, so the figures are those of a
    server as shipped."""

    def __init__(self, url: str) -> None:
        from sqlalchemy import create_engine

        # Its own connection, not counted with the sync's backends (autovacuum has its own too).
        self.engine = create_engine(url.replace("application_name=revhub-scale-", "application_name=analyze-"))
        self.analyzed, self.runs = 0, 0

    def __call__(self, _summary) -> None:
        from sqlalchemy import text

        with self.engine.connect() as conn:
            links = conn.execute(text("SELECT n_tup_ins FROM pg_stat_user_tables WHERE relname = 'links' "
                                      "AND schemaname = current_schema()")).scalar_one()
            if links - self.analyzed >= 50 + 0.1 * self.analyzed:
                conn.execute(text("ANALYZE"))
                conn.commit()
                self.analyzed, self.runs = links, self.runs + 1


def autovacuum_on(db) -> bool:
    from sqlalchemy import text

    with db.engine.connect() as conn:
        return conn.execute(text("SHOW autovacuum")).scalar_one() == "on"


def connect(db, vault, boxes: list[dict]) -> None:
    """A hub connection per sandbox; with Stripe alone, also a Xero one that is never called."""
    from revhub.connections import save_connection

    with db.session(write=True) as s:
        for box in boxes:
            settings = dict(box["settings"])
            if box["provider"] == "stripe":
                settings["requests_per_second"] = 100_000
            save_connection(s, vault, name=box["provider"], provider=box["provider"],
                            credentials=box["credentials"], settings=settings)
        if [b["provider"] for b in boxes] == ["stripe"]:
            save_connection(s, vault, name="xero", provider="xero",
                            credentials={"client_id": "x", "client_secret": "x", "refresh_token": "x"},
                            settings={"tenant_id": "bench"})
    unpace_hub(boxes)


def worker(url: str | None, boxes: list[dict]) -> dict:
    """One full sync into a new store; its figures as a dict (printed as JSON)."""
    from bench.bench_sync_stripe import ApplyTimer, fresh_database
    from revhub.config import load_config
    from revhub.connections import Vault
    from revhub.store import Database
    from revhub.store.migrate import upgrade
    from revhub.sync import runner
    from revhub.sync.jobs import plan, sync_all

    home = Path(tempfile.mkdtemp(prefix="revhub-bench-scale-"))
    application_name = f"revhub-scale-{os.getpid()}"
    if url:
        url = fresh_database(url) + f"&application_name={application_name}"
    else:
        url = f"sqlite:///{home}/bench.db"
    config = load_config({"REVHUB_HOME": str(home), "REVHUB_DATABASE_URL": url})
    db, vault = Database(config.database_url), Vault(config.encryption_key)
    upgrade(db.engine)
    connect(db, vault, boxes)
    systems = [b["provider"] for b in boxes]
    timer = ApplyTimer()
    runner.apply_changes = timer
    postgres = db.dialect == "postgresql"
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    server_before = backend_cpu(db, application_name) if postgres else {}
    analyze = AutoAnalyze(url) if postgres and not autovacuum_on(db) else None
    wall, cpu = time.perf_counter(), time.process_time()
    pairs = [pair for pair in plan(db) if pair[0] in systems]
    pages = EntityCPU(analyze)
    results = sync_all(db, vault, pairs, on_page=pages)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    server_after = backend_cpu(db, application_name) if postgres else {}
    failed = [(r.entity, r.note) for r in results if r.status != "succeeded"]
    assert not failed, failed
    by_system = {name: sum(r.fetched for r in results if r.connection == name) for name in systems}
    runs = [(f"{r.connection}/{r.entity}", r.fetched, r.duration_s, pages.cpu.get(f"{r.connection}/{r.entity}", 0.0))
            for r in results]
    return {"store": db.dialect, "records": sum(by_system.values()), "by_system": by_system, "runs": runs,
            "wall": wall, "cpu": cpu,
            "apply_cpu": timer.cpu, "rss_before_mb": rss_before,
            "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "server_cpu": (sum(server_after.values()) - sum(server_before.get(p, 0.0) for p in server_after)
                           if postgres else None),
            "analyzes": analyze.runs if analyze else None}


def run_worker(url: str | None, boxes: list[dict]) -> dict:
    command = [sys.executable, __file__, "--worker", json.dumps(boxes)]
    if url:
        command += ["--database-url", url]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--set", choices=sorted(SETS), default="stripe", help="the systems synced")
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--database-url", default=None, help="also sync into PostgreSQL (a fresh schema)")
    parser.add_argument("--detail", action="store_true", help="also print each entity's records/s")
    parser.add_argument("--worker", metavar="BOXES_JSON", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.database_url, json.loads(args.worker))))
        return

    systems = SETS[args.set]
    print(f"full sync of {' + '.join(systems)}; load average {' '.join(f'{x:.1f}' for x in os.getloadavg())}",
          flush=True)
    rows = []
    for round_ in range(args.rounds):
        for size in args.records:
            seed = size + 7919 * round_ + int(time.time()) % 1000  # new data in every round
            started = time.perf_counter()
            children, boxes = start_sandboxes(systems, companies_for(size, systems), seed)
            seeded = time.perf_counter() - started
            try:
                for url in [None] + ([args.database_url] if args.database_url else []):
                    sandboxes_before = sum(process_cpu(c.pid) or 0.0 for c in children)
                    row = run_worker(url, boxes)
                    row.update(size=size, round=round_ + 1, seeded_s=seeded, load=os.getloadavg()[0],
                               sandbox_cpu=sum(process_cpu(c.pid) or 0.0 for c in children) - sandboxes_before)
                    rows.append(row)
                    print(line(row), flush=True)
                    if args.detail:
                        for name, fetched, seconds, cpu in row["runs"]:
                            print(f"      {name}: {fetched:,} in {seconds:.1f} s, revhub CPU {cpu:.2f} s"
                                  + (f" = {cpu * 1000 / fetched:.3f} ms/record" if fetched else ""), flush=True)
            finally:
                for child in children:
                    child.kill()
                    child.join()
    summary(rows)


def line(r: dict) -> str:
    n = r["records"]
    server = "" if r["server_cpu"] is None else f", PostgreSQL server CPU {r['server_cpu'] * 1000 / n:.3f} ms/record"
    if r.get("analyzes") is not None:
        server += f" (server's autovacuum off: {r['analyzes']} ANALYZEs as autoanalyze would)"
    parts = " + ".join(f"{name} {count:,}" for name, count in r["by_system"].items())
    return (f"  {r['store']:<10} {n:>8,} records ({parts}; sandboxes seeded in {r['seeded_s']:.0f} s, "
            f"load average {r['load']:.1f} after): "
            f"{n / r['wall']:,.0f} records/s, revhub CPU {r['cpu'] * 1000 / n:.3f} ms/record "
            f"(sync.apply {r['apply_cpu'] * 1000 / n:.3f}){server}, sandboxes' CPU "
            f"{r['sandbox_cpu'] * 1000 / n:.3f} ms/record, peak RSS {r['rss_peak_mb']:.0f} MB "
            f"(before the sync {r['rss_before_mb']:.0f} MB)")


def all_cpu(r: dict) -> float:
    """CPU seconds of the whole sync: revhub, the sandboxes serving it, PostgreSQL's backends.
    The sync waits on each in turn, so records per CPU-second is its records/s on an idle
    machine (less network waits), the steadier figure on a shared one."""
    return r["cpu"] + r["sandbox_cpu"] + (r["server_cpu"] or 0.0)


def summary(rows: list[dict]) -> None:
    print("\n| store | records | records/s | revhub CPU ms/record | sync.apply ms/record | "
          "PG server CPU ms/record | sandboxes' CPU ms/record | records per CPU-second | peak RSS MB | "
          "load average |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        n = r["records"]
        server = f"{r['server_cpu'] * 1000 / n:.3f}" if r["server_cpu"] is not None else ""
        print(f"| {r['store']} | {n:,} | {n / r['wall']:,.0f} | {r['cpu'] * 1000 / n:.3f} | "
              f"{r['apply_cpu'] * 1000 / n:.3f} | {server} | {r['sandbox_cpu'] * 1000 / n:.3f} | "
              f"{n / all_cpu(r):,.0f} | {r['rss_peak_mb']:.0f} | {r['load']:.1f} |")
    for store in sorted({r["store"] for r in rows}):
        mine = [r for r in rows if r["store"] == store]
        rates = [r["records"] / r["wall"] for r in mine]
        cpus = [r["cpu"] / r["records"] for r in mine]
        steady = [r["records"] / all_cpu(r) for r in mine]
        print(f"{store}: records/s spread (max/min - 1) {max(rates) / min(rates) - 1:.1%}, "
              f"CPU/record spread {max(cpus) / min(cpus) - 1:.1%}, "
              f"records per CPU-second spread {max(steady) / min(steady) - 1:.1%}, "
              f"peak RSS {min(r['rss_peak_mb'] for r in mine):.0f}-{max(r['rss_peak_mb'] for r in mine):.0f} MB")
    sqlite = {(r["size"], r["round"]): r for r in rows if r["store"] == "sqlite"}
    for r in rows:
        other = sqlite.get((r["size"], r["round"]))
        if r["store"] == "postgresql" and other:
            print(f"PostgreSQL/SQLite at {r['records']:,} records: wall {r['wall'] / other['wall']:.2f}, "
                  f"revhub CPU {r['cpu'] / other['cpu']:.2f}")


if __name__ == "__main__":
    main()
