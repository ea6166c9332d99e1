"""Webhook acknowledgement under load: ``revhub serve``'s gunicorn settings on loopback, wrk
posting signed Stripe events; the verified-and-stored endpoint next to a bare 200 endpoint,
same app, same server, same workers and threads.

    .venv/bin/python -m bench.bench_webhooks [--postgres-url URL] [--seconds 6] [--baseline DIR]

Needs the Debian package ``wrk``. Prints, for SQLite and PostgreSQL in one run: requests/s
and p50/p99 of both endpoints at full load (alternating rounds), their ratio (and the ratio of
CPU per request, steadier on a shared machine), and p50/p95/p99 of the real endpoint at a
constant 200 requests/s (``bench/constant_rate.py``, open loop; every request a new signed
event, latency from its due time), with the machine's load: issue 16's target 4 is the
PostgreSQL ratio >= 0.5 and that p99 < 50 ms.

``--baseline DIR`` serves a second copy of revhub (another commit, e.g. ``git archive <commit>
| tar -x -C DIR``) beside this one, each on its own database schema migrated by its own code,
and alternates the two round by round (before, after; then after, before), so that both
sides see the same machine.
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import json
import os
import re
import resource
import shutil
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import requests
from sqlalchemy import text

ROOT = Path(__file__).resolve().parent.parent
SECRET = "whsec_bench_0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _event_head(i: int) -> str:
    """A realistic ~3.4 KB invoice.paid event, up to its id: the load generator appends a new
    event id to every request (Stripe's own field order differs; JSON's does not matter)."""
    invoice = {
        "id": f"in_bench{i:08d}", "object": "invoice", "account_country": "US", "account_name": "revhub demo",
        "amount_due": 1268000, "amount_paid": 1268000, "amount_remaining": 0, "amount_overpaid": 0,
        "attempt_count": 1, "attempted": True, "auto_advance": False, "billing_reason": "manual",
        "collection_method": "send_invoice", "created": 1763900000, "currency": "usd",
        "custom_fields": [{"name": "PO number", "value": f"PO-{i:06d}"}], "customer": f"cus_bench{i % 500:05d}",
        "customer_email": "ap@acmelabs.example", "customer_name": "Acme Labs Inc.",
        "description": "Annual platform licence per PO", "due_date": 1766500000, "effective_at": 1763900100,
        "hosted_invoice_url": "https://invoice.stripe.com/i/acct_1/test_x", "livemode": False,
        "lines": {"object": "list", "has_more": False, "url": f"/v1/invoices/in_bench{i:08d}/lines", "data": [
            {"id": f"il_bench{i:08d}{n}", "object": "line_item", "amount": 422666 + n, "currency": "usd",
             "description": f"Platform licence, 12 months (seat block {n})", "quantity": 10,
             "period": {"start": 1763900000, "end": 1795436000},
             "pricing": {"type": "price_details", "unit_amount_decimal": "42266",
                         "price_details": {"price": "price_1Plat", "product": "prod_Plat"}}} for n in range(3)]},
        "metadata": {"po_number": f"PO-{i:06d}", "revhub_id": str(uuid.UUID(int=i))},
        "number": f"RH-{i:06d}", "parent": None, "status": "paid",
        "status_transitions": {"finalized_at": 1763900100, "paid_at": 1764000000, "voided_at": None,
                               "marked_uncollectible_at": None},
        "subtotal": 1268000, "total": 1268000, "total_taxes": [], "payments": {"object": "list", "data": []},
    }
    event = {"object": "event", "api_version": "2026-10-28.endive", "created": 1764000000, "type": "invoice.paid",
             "livemode": False, "pending_webhooks": 1, "request": {"id": None, "idempotency_key": None},
             "data": {"object": invoice}}
    return json.dumps(event)[:-1] + ', "id": "'


def _lua(path: str, nonce: str, templates: int = 16) -> str:
    """A wrk script posting a new, correctly signed event on every request: nothing is a redelivery.

    The bare endpoint gets the same script (it ignores the body), so the load generator does the
    same work on both sides of the comparison.
    """
    heads = ",\n".join(json.dumps(_event_head(i)) for i in range(templates))
    return f"""
local signer = dofile({json.dumps(str(ROOT / "bench" / "stripe_signer.lua"))}).signer
local timestamp = "{int(time.time())}"
local heads = {{
{heads}
}}
local signers = {{}}
for i, head in ipairs(heads) do signers[i] = signer({json.dumps(SECRET)}, timestamp .. "." .. head) end
local counter = 0
local next_thread = 0
function setup(thread) next_thread = next_thread + 1; thread:set("thread_number", next_thread) end
request = function()
  counter = counter + 1
  local n = (counter % #heads) + 1
  local tail = "evt_{nonce}" .. thread_number .. "x" .. counter .. '"}}'
  local signature = "t=" .. timestamp .. ",v1=" .. signers[n](tail)
  return wrk.format("POST", "{path}", {{["Content-Type"] = "application/json", ["Stripe-Signature"] = signature}},
                    heads[n] .. tail)
end
"""


def _wrk(url: str, script: Path, seconds: int, threads: int, connections: int) -> dict:
    out = subprocess.run(["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s", "--latency",
                          "-s", str(script), url], capture_output=True, text=True, check=True).stdout
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))

    def pct(p: str) -> float:
        m = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", out)
        value, unit = float(m.group(1)), m.group(2)
        return value / 1000 if unit == "us" else value * 1000 if unit == "s" else value

    non2xx = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    total = int(re.search(r"(\d+) requests in", out).group(1))
    return {"rps": rps, "requests": total, "p50": pct("50"), "p99": pct("99"),
            "errors": int(non2xx.group(1)) if non2xx else 0}


def _cpu_by_pid() -> dict[int, tuple[int, float]]:
    """CPU seconds used so far by every process, with its process group."""
    tick = os.sysconf("SC_CLK_TCK")
    used = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2:].split()
        used[int(entry.name)] = (int(fields[2]), (int(fields[11]) + int(fields[12])) / tick)
    return used


def _measured(url: str, script: Path, seconds: int, threads: int, connections: int, group: int,
              backends: Callable[[], set[int]]) -> dict:
    """wrk's figures plus the CPU each party spent per request (ms): the server (its process
    group), the database (the backends serving this benchmark's database; other users of the
    same PostgreSQL are not counted) and wrk."""
    before = _cpu_by_pid()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = _wrk(url, script, seconds, threads, connections)
    after = _cpu_by_pid()
    done = resource.getrusage(resource.RUSAGE_CHILDREN)

    def spent(pids) -> float:
        return sum(after[pid][1] - before.get(pid, (0, 0.0))[1] for pid in pids if pid in after)

    cpu = {"hub": spent(pid for pid, (pgrp, _) in after.items() if pgrp == group), "postgres": spent(backends()),
           # wrk has exited by now: its CPU is in this process's children's usage, not in /proc.
           "wrk": (done.ru_utime + done.ru_stime) - (children.ru_utime + children.ru_stime)}
    requests_done = max(result["requests"], 1)
    result["cpu_ms"] = {k: v * 1000 / requests_done for k, v in cpu.items()}
    return result


def _signed_events(nonce: str, templates: int = 16):
    """Request ``i`` for the constant-rate client: a new event, signed as Stripe signs it."""
    timestamp = str(int(time.time()))
    heads = [_event_head(i).encode() for i in range(templates)]
    states = [hmac.new(SECRET.encode(), timestamp.encode() + b"." + head, hashlib.sha256) for head in heads]

    def make(i: int) -> tuple[bytes, dict[str, str]]:
        tail = f'evt_{nonce}c{i}"}}'.encode()
        mac = states[i % templates].copy()
        mac.update(tail)
        return heads[i % templates] + tail, {"Content-Type": "application/json",
                                             "Stripe-Signature": f"t={timestamp},v1={mac.hexdigest()}"}

    return make


def _start_server(root: Path, env: dict, port: int, workers: int, threads: int, log: Path) -> subprocess.Popen:
    with log.open("ab") as sink:
        return subprocess.Popen([sys.executable, "-m", "bench.webhook_app", "--port", str(port), "--workers",
                                 str(workers), "--threads", str(threads)], cwd=root, env=env,
                                stdout=sink, stderr=sink, start_new_session=True)


# Run with the served tree's own code: its migrations, its connection vault.
_SETUP = """
import os, sys
from revhub.config import load_config
from revhub.connections import Vault, save_connection
from revhub.store import Database
from revhub.store.migrate import upgrade
db = Database(os.environ["REVHUB_DATABASE_URL"])
upgrade(db.engine)
with db.session(write=True) as s:
    save_connection(s, Vault(load_config(os.environ).encryption_key), name="stripe", provider="stripe",
                    credentials={"api_key": "sk_test_bench", "webhook_secrets": [sys.argv[1]]}, settings={})
db.dispose()
"""


class Side:
    """One copy of revhub served for the benchmark: its database, home, server and results."""

    def __init__(self, name: str, root: Path, database_url: str, home: Path) -> None:
        self.name, self.root, self.url, self.home = name, root, database_url, home
        self.env = {**os.environ, "REVHUB_HOME": str(home), "REVHUB_DATABASE_URL": database_url,
                    "REVHUB_SECRET_KEY": "bench", "PYTHONPATH": str(root),
                    "PROMETHEUS_MULTIPROC_DIR": str(home / "metrics")}
        self.rounds: list[dict] = []
        self.paced: list = []
        self.server: subprocess.Popen | None = None
        self.base = ""
        self.stored_before = self.stored = 0

    def start(self, workers: int, threads: int) -> None:
        subprocess.run([sys.executable, "-c", _SETUP, SECRET], cwd=self.root, env=self.env, check=True)
        port = _free_port()
        self.server = _start_server(self.root, self.env, port, workers, threads, self.home / "server.log")
        self.base = f"http://127.0.0.1:{port}"

    def wait_ready(self, bare_path: str) -> None:
        for _ in range(600):
            try:
                requests.post(f"{self.base}{bare_path}", timeout=10)
                return
            except (requests.ConnectionError, requests.Timeout):  # a loaded machine starts workers slowly
                if self.server.poll() is not None:
                    raise RuntimeError(f"the server exited: see {self.home / 'server.log'}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.server is not None and self.server.poll() is None:
            os.killpg(self.server.pid, signal.SIGTERM)
            self.server.wait(timeout=30)


def run(sides: list[Side], seconds: int, workers: int, threads: int, rounds: int = 3, rate: float = 200) -> None:
    """Every side's rounds (bare and real at full load, then the real one at ``rate``), the
    sides taking turns in alternating order; results are left on the sides."""
    sys.path.insert(0, str(ROOT))
    from bench.constant_rate import constant_rate
    from bench.webhook_app import BARE_PATH
    from revhub.store import Database

    dbs = {side.name: Database(side.url) for side in sides}
    try:
        for side in sides:
            side.start(workers, threads)
        for side in sides:
            side.wait_ready(BARE_PATH)
        scripts = Path(tempfile.mkdtemp(prefix="revhub-bench-scripts-"))

        def backends(side: Side) -> Callable[[], set[int]]:
            def pids() -> set[int]:
                db = dbs[side.name]
                if db.dialect != "postgresql":
                    return set()
                # Every backend of the bench's database but this query's: the other side's are
                # idle while this side is measured (each side has its own schema, not its own
                # database, and revhub names its connections itself).
                with db.engine.connect() as conn:
                    return set(conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                                 "AND pid <> pg_backend_pid()")).scalars())
            return pids

        def script_for(path: str) -> Path:
            script = scripts / f"{uuid.uuid4().hex[:12]}.lua"
            script.write_text(_lua(path, nonce=script.stem))
            return script

        # Both endpoints once, unmeasured: each worker's first requests connect to the database,
        # read the endpoint's secrets and compile statements.
        for side in sides:
            for path in (BARE_PATH, "/webhooks/stripe/stripe"):
                _wrk(side.base, script_for(path), 2, 2, 16)
            side.stored_before = _stored(dbs[side.name])
        for number in range(rounds):
            # Bare and real alternate, round after round, and so do the sides (ABBA), so a noisy
            # neighbour slowing the machine for a while weighs on both sides of every ratio.
            for side in (sides if number % 2 == 0 else sides[::-1]):
                side.rounds.append({
                    "bare": _measured(side.base, script_for(BARE_PATH), seconds, 2, 16, side.server.pid,
                                      backends(side)),
                    "stripe": _measured(side.base, script_for("/webhooks/stripe/stripe"), seconds, 2, 16,
                                        side.server.pid, backends(side))})
                side.paced.append(constant_rate(f"{side.base}/webhooks/stripe/stripe", rate, seconds,
                                                _signed_events(uuid.uuid4().hex[:8])))
        for side in sides:
            side.stored = _stored(dbs[side.name]) - side.stored_before
    finally:
        for side in sides:
            side.stop()
        for db in dbs.values():
            db.dispose()


def _stored(db) -> int:
    with db.engine.connect() as conn:
        return conn.execute(text("SELECT count(*) FROM inbox_events")).scalar()


def _sides(pg: str | None, baseline: Path | None) -> list[Side]:
    trees = [("before", baseline), ("after", ROOT)] if baseline else [("this", ROOT)]
    sides = []
    for name, root in trees:
        home = Path(tempfile.mkdtemp(prefix=f"revhub-bench-{name}-"))
        (home / "metrics").mkdir()
        if pg is None:
            url = f"sqlite:///{home / 'bench.db'}"
        else:
            schema = f"bench_{os.getpid()}_{name}"
            _admin(pg, f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}"')
            url = f"{pg}{'&' if '?' in pg else '?'}options={quote(f'-csearch_path={schema}')}"
        sides.append(Side(name, root, url, home))
    return sides


def _admin(pg: str, statement: str) -> None:
    from revhub.store import Database

    admin = Database(pg)
    try:
        with admin.engine.begin() as conn:
            conn.execute(text(statement))
    finally:
        admin.dispose()


def main() -> None:
    from revhub.serving import ServeOptions

    defaults = ServeOptions(host="127.0.0.1", port=0)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", default=os.environ.get("REVHUB_TEST_POSTGRES_URL"),
                        help="a database of your own: the bench creates and drops schemas in it")
    parser.add_argument("--seconds", type=int, default=6, help="per endpoint and round, and of each paced run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating bare/real rounds")
    parser.add_argument("--workers", type=int, default=defaults.workers, help="gunicorn workers (revhub serve's)")
    parser.add_argument("--threads", type=int, default=defaults.threads,
                        help="threads per worker (revhub serve's default; gthread when > 1)")
    parser.add_argument("--rate", type=float, default=200, help="requests/s of the paced run")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only (profiling)")
    parser.add_argument("--baseline", type=Path, help="another revhub tree served beside this one (before/after)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk (or run `make bench`, which installs it)")
    engines = [] if args.skip_sqlite else [("SQLite", None)]
    if args.postgres_url:
        engines.append(("PostgreSQL", args.postgres_url))
    print(f"revhub serve settings on both endpoints: {args.workers} workers x {args.threads} threads; "
          f"wrk 2 threads, 16 connections, {args.seconds} s per endpoint and round"
          + (f"; before = {args.baseline}, after = {ROOT}" if args.baseline else ""))
    print(f"{'engine':11} {'side':6} {'endpoint':9} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>8}")
    loads = [os.getloadavg()[0]]
    summary = []
    for label, pg in engines:
        sides = _sides(pg, args.baseline)
        try:
            run(sides, args.seconds, args.workers, args.threads, args.rounds, args.rate)
        finally:
            if pg is not None:
                for side in sides:
                    _admin(pg, f'DROP SCHEMA IF EXISTS "bench_{os.getpid()}_{side.name}" CASCADE')
        loads.append(os.getloadavg()[0])
        for side in sides:
            summary += _report(label, side, args.rate)
    print()
    for line in summary:
        print(line)
    print(f"Machine load (1-minute load average, {os.cpu_count()} CPUs) during the run: "
          + " -> ".join(f"{x:.1f}" for x in loads)
          + ". A load above the CPU count means neighbours took CPU from server, database and load generator"
            " alike; the CPU-per-request ratio is the steadier figure then.")


def _report(label: str, side: Side, rate: float) -> list[str]:
    """Print the side's rounds; its summary lines (ratios, and the paced p99 against the target)."""
    from bench.constant_rate import Result

    ratios, cpu_ratios = [], []
    for number, round_ in enumerate(side.rounds, 1):
        for name in ("bare", "stripe"):
            _print_line(label, side.name, f"{name} #{number}", round_[name])
        ratios.append(round_["stripe"]["rps"] / round_["bare"]["rps"])
        bare_cpu, real = round_["bare"]["cpu_ms"], round_["stripe"]["cpu_ms"]
        # What the throughput ratio would be on a machine whose two cores do nothing else:
        # the CPU a bare request costs over what a stored one costs (server and database).
        cpu_ratios.append((bare_cpu["hub"] + bare_cpu["postgres"]) / (real["hub"] + real["postgres"]))
    for number, paced in enumerate(side.paced, 1):
        print(f"{label:11} {side.name:6} paced #{number:<2} {paced.line()}")
    pooled = Result(rate=rate, achieved=statistics.mean(p.achieved for p in side.paced),
                    latencies_ms=[x for p in side.paced for x in p.latencies_ms],
                    errors=sum(p.errors for p in side.paced))
    p99 = pooled.percentile(99)
    acknowledged = sum(r["stripe"]["requests"] - r["stripe"]["errors"] for r in side.rounds) + sum(
        len(p.latencies_ms) - p.errors for p in side.paced)
    who = f"{label:11} {side.name:6}"
    return [
        f"{who} real/bare req/s, median of {len(ratios)} rounds: {statistics.median(ratios):.2f} "
        f"({', '.join(f'{x:.2f}' for x in ratios)}; target >= 0.50); by CPU per request (hub + database): "
        f"{statistics.median(cpu_ratios):.2f} ({', '.join(f'{x:.2f}' for x in cpu_ratios)})",
        f"{who} P99 AT {rate:.0f} REQ/S: {p99:.1f} ms ({'under' if p99 < 50 else 'NOT under'} the 50 ms target; "
        f"per run {', '.join(f'{p.percentile(99):.1f}' for p in side.paced)} ms); p50 {pooled.percentile(50):.1f} ms, "
        f"p95 {pooled.percentile(95):.1f} ms over {len(pooled.latencies_ms)} requests, got "
        f"{pooled.achieved:.0f} req/s, {pooled.errors} errors",
        f"{who} events stored during the measured runs: {side.stored} for {acknowledged} acknowledged "
        f"({'every acknowledged event stored' if side.stored >= acknowledged else 'FEWER STORED THAN ACKNOWLEDGED'};"
        f" warm-up requests of the paced runs and requests in flight when wrk stops are stored, not counted)",
    ]


def _print_line(label: str, side: str, name: str, m: dict) -> None:
    cpu = "  ".join(f"{k} {v:.3f}" for k, v in m.get("cpu_ms", {}).items())
    print(f"{label:11} {side:6} {name:9} {m['rps']:8.0f} {m['p50']:7.2f} {m['p99']:7.2f} {m['errors']:8d}"
          + (f"   CPU ms/request: {cpu}" if cpu else ""))


if __name__ == "__main__":
    main()
