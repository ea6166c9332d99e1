"""Webhook acknowledgement under load: ``revhub serve``'s gunicorn settings on loopback, wrk
posting signed Stripe events; the verified-and-stored endpoint next to a bare 200 endpoint,
same app, same server, same workers and threads.

    .venv/bin/python -m bench.bench_webhooks [--postgres-url URL] [--seconds 6]

Needs the Debian package ``wrk``. Prints, for SQLite and PostgreSQL in one run: requests/s
and p50/p99 of both endpoints at full load (alternating rounds), their ratio (and the ratio of
CPU per request, steadier on a shared machine), and p50/p95/p99 of the real endpoint at a
constant 200 requests/s (``bench/constant_rate.py``, open loop), with the machine's load.
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


def _start_server(env: dict, port: int, workers: int, threads: int, log: Path) -> subprocess.Popen:
    with log.open("ab") as sink:
        return subprocess.Popen([sys.executable, "-m", "bench.webhook_app", "--port", str(port), "--workers",
                                 str(workers), "--threads", str(threads)], cwd=ROOT, env=env,
                                stdout=sink, stderr=sink, start_new_session=True)


def run(database_url: str, seconds: int, home: Path, workers: int, threads: int, rounds: int = 3,
        rate: float = 200) -> dict:
    env = {**os.environ, "REVHUB_HOME": str(home), "REVHUB_DATABASE_URL": database_url,
           "REVHUB_SECRET_KEY": "bench", "PYTHONPATH": str(ROOT), "PROMETHEUS_MULTIPROC_DIR": str(home / "metrics")}
    sys.path.insert(0, str(ROOT))
    from bench.constant_rate import constant_rate
    from bench.webhook_app import BARE_PATH
    from revhub.config import load_config
    from revhub.connections import Vault, save_connection
    from revhub.store import Database
    from revhub.store.migrate import upgrade

    config = load_config(env)
    db = Database(database_url)
    upgrade(db.engine)
    with db.session(write=True) as s:
        save_connection(s, Vault(config.encryption_key), name="stripe", provider="stripe",
                        credentials={"api_key": "sk_test_bench", "webhook_secrets": [SECRET]}, settings={})
    port = _free_port()
    server = _start_server(env, port, workers, threads, home / "server.log")
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(600):
            try:
                requests.post(f"{base}{BARE_PATH}", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):  # a loaded machine starts workers slowly
                if server.poll() is not None:
                    raise RuntimeError(f"the server exited: see {home / 'server.log'}") from None
                time.sleep(0.1)
        scripts = home / "scripts"
        scripts.mkdir()

        def backends() -> set[int]:
            if db.dialect != "postgresql":
                return set()
            with db.engine.connect() as conn:
                return set(conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                             "AND pid <> pg_backend_pid()")).scalars())

        def measure(name: str, path: str, connections: int = 16) -> dict:
            script = scripts / f"{name}-{uuid.uuid4().hex[:8]}.lua"
            script.write_text(_lua(path, nonce=script.stem.rsplit("-", 1)[1]))
            return _measured(base, script, seconds, 2, connections, server.pid, backends)

        # Both endpoints once, unmeasured: each worker's first requests connect to the database,
        # read the endpoint's secrets and compile statements.
        for path in (BARE_PATH, "/webhooks/stripe/stripe"):
            script = scripts / f"warm-{uuid.uuid4().hex[:8]}.lua"
            script.write_text(_lua(path, nonce=script.stem.rsplit("-", 1)[1]))
            _wrk(base, script, 2, 2, 16)
        # Bare and real alternate, round after round, so a noisy neighbour slowing the machine
        # for a while weighs on both sides of a round's ratio rather than on one endpoint.
        results = {"rounds": [{"bare": measure("bare", BARE_PATH),
                               "stripe": measure("stripe", "/webhooks/stripe/stripe")} for _ in range(rounds)]}
        paced = constant_rate(f"{base}/webhooks/stripe/stripe", rate, seconds, _signed_events(uuid.uuid4().hex[:8]))
        results["paced"] = paced
        with db.engine.connect() as conn:
            results["stored"] = conn.execute(text("SELECT count(*) FROM inbox_events")).scalar()
        return results
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
        db.dispose()


def main() -> None:
    from revhub.serving import ServeOptions

    defaults = ServeOptions(host="127.0.0.1", port=0)
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", default=os.environ.get("REVHUB_TEST_POSTGRES_URL"))
    parser.add_argument("--seconds", type=int, default=6, help="per endpoint and round, and of the paced run")
    parser.add_argument("--rounds", type=int, default=3, help="alternating bare/real rounds")
    parser.add_argument("--workers", type=int, default=defaults.workers, help="gunicorn workers (revhub serve's)")
    parser.add_argument("--threads", type=int, default=defaults.threads,
                        help="threads per worker (revhub serve's default; gthread when > 1)")
    parser.add_argument("--rate", type=float, default=200, help="requests/s of the paced run")
    parser.add_argument("--skip-sqlite", action="store_true", help="PostgreSQL only (profiling)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk (or run `make bench`, which installs it)")
    engines = [] if args.skip_sqlite else [("SQLite", None)]
    if args.postgres_url:
        engines.append(("PostgreSQL", args.postgres_url))
    print(f"revhub serve settings on both endpoints: {args.workers} workers x {args.threads} threads; "
          f"wrk 2 threads, 16 connections, {args.seconds} s per endpoint and round")
    print(f"{'engine':11} {'endpoint':9} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>8}")
    loads = [os.getloadavg()[0]]
    summary = []
    for label, pg in engines:
        home = Path(tempfile.mkdtemp(prefix="revhub-bench-"))
        if pg is None:
            url = f"sqlite:///{home / 'bench.db'}"
        else:
            from revhub.store import Database

            schema = f"bench_{os.getpid()}"
            admin = Database(pg)
            with admin.engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE; CREATE SCHEMA "{schema}"'))
            admin.dispose()
            url = f"{pg}{'&' if '?' in pg else '?'}options={quote(f'-csearch_path={schema}')}"
        r = run(url, args.seconds, home, args.workers, args.threads, args.rounds, args.rate)
        if pg is not None:
            admin = Database(pg)
            with admin.engine.begin() as conn:
                conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
            admin.dispose()
        loads.append(os.getloadavg()[0])
        ratios, cpu_ratios = [], []
        for number, round_ in enumerate(r["rounds"], 1):
            for name in ("bare", "stripe"):
                _print_line(label, f"{name} #{number}", round_[name])
            ratios.append(round_["stripe"]["rps"] / round_["bare"]["rps"])
            bare_cpu, real = round_["bare"]["cpu_ms"], round_["stripe"]["cpu_ms"]
            # What the throughput ratio would be on a machine whose two cores do nothing else:
            # the CPU a bare request costs over what a stored one costs (server and database).
            cpu_ratios.append((bare_cpu["hub"] + bare_cpu["postgres"]) / (real["hub"] + real["postgres"]))
        paced = r["paced"]
        print(f"{label:11} paced     {paced.line()}")
        requests_sent = sum(x["stripe"]["requests"] for x in r["rounds"]) + len(paced.latencies_ms)
        summary.append(
            f"{label:11} real/bare req/s, median of {len(ratios)} rounds: {statistics.median(ratios):.2f} "
            f"({', '.join(f'{x:.2f}' for x in ratios)}; target >= 0.50); by CPU per request (hub + database): "
            f"{statistics.median(cpu_ratios):.2f}; at {paced.rate:.0f} req/s p50 {paced.percentile(50):.1f} ms, "
            f"p95 {paced.percentile(95):.1f} ms, p99 {paced.percentile(99):.1f} ms (target p99 < 50 ms); "
            f"events stored {r['stored']} of {requests_sent} real requests")
    print()
    for line in summary:
        print(line)
    print(f"Machine load (1-minute load average, {os.cpu_count()} CPUs) during the run: "
          + " -> ".join(f"{x:.1f}" for x in loads)
          + ". A load above the CPU count means neighbours took CPU from server, database and load generator"
            " alike; the CPU-per-request ratio is the steadier figure then.")


def _print_line(label: str, name: str, m: dict) -> None:
    cpu = "  ".join(f"{k} {v:.3f}" for k, v in m.get("cpu_ms", {}).items())
    print(f"{label:11} {name:9} {m['rps']:8.0f} {m['p50']:7.2f} {m['p99']:7.2f} {m['errors']:8d}"
          + (f"   CPU ms/request: {cpu}" if cpu else ""))


if __name__ == "__main__":
    main()
