"""Is a full Stripe sync's cost flat as the work grows? (issue 16, target 2)

    .venv/bin/python bench/bench_sync_scale.py --records 10000 50000 200000 \
        [--database-url postgresql+psycopg://postgres@127.0.0.1:5432/NAME] [--rounds 1]

For each size a Stripe sandbox (its own process) is seeded with a new data set (a seed of its
own per size and round) of about that many records. The same sandbox then serves one full sync
into a new SQLite store and, with ``--database-url``, one into a new PostgreSQL schema: the same
work on both sides of the PostgreSQL/SQLite ratio. Each sync runs in a process of its own
(``--worker``), so its CPU time and peak RSS are its own: records/s, revhub CPU per record
(``sync.apply`` apart), peak RSS, and on PostgreSQL the server's CPU per record, read from
``/proc`` of the backends serving that process (PostgreSQL must run on this machine).
A second connection (Xero) is configured and never called, so every change writes its outbox row.
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

RECORDS_PER_COMPANY = 5.83  # measured: customers, invoices, charges, fees, payouts... per company
TICKS = os.sysconf("SC_CLK_TCK")


def serve_sandbox(records: int, seed: int, ready) -> None:
    """The child process: a Stripe sandbox of about ``records`` records, until killed."""
    from revhub.sandbox.dataset import generate
    from revhub.sandbox.server import SandboxServer
    from revhub.sandbox.stripe import StripeSandbox

    dataset = generate(max(1, round(records / RECORDS_PER_COMPANY)), seed=seed)
    sandbox = StripeSandbox()
    sandbox.load_dataset(dataset)
    server = SandboxServer(sandbox).start()
    ready.send({"url": server.url, "api_key": sandbox.api_key})
    while True:
        time.sleep(3600)


def backend_cpu(db, application_name: str) -> dict[int, float]:
    """CPU seconds so far of each PostgreSQL backend serving this process, by pid."""
    from sqlalchemy import text

    with db.engine.connect() as conn:
        pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE application_name = :name"),
                            {"name": application_name}).scalars().all()
    cpu = {}
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu[pid] = (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime
    return cpu


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


def worker(url: str | None, sandbox_url: str, api_key: str) -> dict:
    """One full sync into a new store; its figures as a dict (printed as JSON)."""
    from bench.bench_sync_stripe import ApplyTimer, fresh_database
    from revhub.config import load_config
    from revhub.connections import Vault, save_connection
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
    with db.session(write=True) as s:
        save_connection(s, vault, name="stripe", provider="stripe", credentials={"api_key": api_key},
                        settings={"base_url": sandbox_url, "requests_per_second": 100_000})
        save_connection(s, vault, name="xero", provider="xero",
                        credentials={"client_id": "x", "client_secret": "x", "refresh_token": "x"},
                        settings={"tenant_id": "bench"})
    timer = ApplyTimer()
    runner.apply_changes = timer
    postgres = db.dialect == "postgresql"
    rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    server_before = backend_cpu(db, application_name) if postgres else {}
    analyze = AutoAnalyze(url) if postgres and not autovacuum_on(db) else None
    wall, cpu = time.perf_counter(), time.process_time()
    results = sync_all(db, vault, plan(db, connection="stripe"), on_page=analyze)
    wall, cpu = time.perf_counter() - wall, time.process_time() - cpu
    server_after = backend_cpu(db, application_name) if postgres else {}
    failed = [(r.entity, r.note) for r in results if r.status != "succeeded"]
    assert not failed, failed
    return {"store": db.dialect, "records": sum(r.fetched for r in results), "wall": wall, "cpu": cpu,
            "apply_cpu": timer.cpu, "rss_before_mb": rss_before,
            "rss_peak_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            "server_cpu": (sum(server_after.values()) - sum(server_before.get(p, 0.0) for p in server_after)
                           if postgres else None),
            "analyzes": analyze.runs if analyze else None}


def run_worker(url: str | None, box: dict) -> dict:
    command = [sys.executable, __file__, "--worker", box["url"], box["api_key"]]
    if url:
        command += ["--database-url", url]
    out = subprocess.run(command, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, nargs="+", default=[10_000, 50_000])
    parser.add_argument("--rounds", type=int, default=1)
    parser.add_argument("--database-url", default=None, help="also sync into PostgreSQL (a fresh schema)")
    parser.add_argument("--worker", nargs=2, metavar=("SANDBOX_URL", "API_KEY"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        print(json.dumps(worker(args.database_url, *args.worker)))
        return

    rows = []
    for round_ in range(args.rounds):
        for size in args.records:
            ours, theirs = multiprocessing.Pipe()
            seed = size + 7919 * round_ + int(time.time()) % 1000  # new data in every round
            child = multiprocessing.Process(target=serve_sandbox, args=(size, seed, theirs), daemon=True)
            started = time.perf_counter()
            child.start()
            box = ours.recv()
            seeded = time.perf_counter() - started
            try:
                for url in [None] + ([args.database_url] if args.database_url else []):
                    row = run_worker(url, box)
                    row.update(size=size, round=round_ + 1, seeded_s=seeded)
                    rows.append(row)
                    print(line(row), flush=True)
            finally:
                child.kill()
                child.join()
    summary(rows)


def line(r: dict) -> str:
    n = r["records"]
    server = "" if r["server_cpu"] is None else f", PostgreSQL server CPU {r['server_cpu'] * 1000 / n:.3f} ms/record"
    if r.get("analyzes") is not None:
        server += f" (server's autovacuum off: {r['analyzes']} ANALYZEs as autoanalyze would)"
    return (f"  {r['store']:<10} {n:>8,} records (sandbox seeded in {r['seeded_s']:.0f} s): "
            f"{n / r['wall']:,.0f} records/s, revhub CPU {r['cpu'] * 1000 / n:.3f} ms/record "
            f"(sync.apply {r['apply_cpu'] * 1000 / n:.3f}){server}, peak RSS {r['rss_peak_mb']:.0f} MB "
            f"(before the sync {r['rss_before_mb']:.0f} MB)")


def summary(rows: list[dict]) -> None:
    print("\n| store | records | records/s | revhub CPU ms/record | sync.apply ms/record | "
          "PG server CPU ms/record | peak RSS MB |\n|---|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        n = r["records"]
        server = f"{r['server_cpu'] * 1000 / n:.3f}" if r["server_cpu"] is not None else ""
        print(f"| {r['store']} | {n:,} | {n / r['wall']:,.0f} | {r['cpu'] * 1000 / n:.3f} | "
              f"{r['apply_cpu'] * 1000 / n:.3f} | {server} | {r['rss_peak_mb']:.0f} |")
    for store in sorted({r["store"] for r in rows}):
        mine = [r for r in rows if r["store"] == store]
        rates = [r["records"] / r["wall"] for r in mine]
        cpus = [r["cpu"] / r["records"] for r in mine]
        print(f"{store}: records/s spread (max/min - 1) {max(rates) / min(rates) - 1:.1%}, "
              f"CPU/record spread {max(cpus) / min(cpus) - 1:.1%}, "
              f"peak RSS {min(r['rss_peak_mb'] for r in mine):.0f}-{max(r['rss_peak_mb'] for r in mine):.0f} MB")
    sqlite = {(r["size"], r["round"]): r for r in rows if r["store"] == "sqlite"}
    for r in rows:
        other = sqlite.get((r["size"], r["round"]))
        if r["store"] == "postgresql" and other:
            print(f"PostgreSQL/SQLite at {r['records']:,} records: wall {r['wall'] / other['wall']:.2f}, "
                  f"revhub CPU {r['cpu'] / other['cpu']:.2f}")


if __name__ == "__main__":
    main()
