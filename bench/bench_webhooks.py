"""Webhook acknowledgement under load: gunicorn (2 workers) on loopback, wrk posting signed
Stripe events; the verified-and-stored endpoint next to a bare 200 endpoint, same app.

    .venv/bin/python -m bench.bench_webhooks [--postgres-url URL] [--seconds 10]

Needs the Debian package ``wrk``. Prints requests/s and p50/p99 for both endpoints, their
ratio, and p99 of the real endpoint at about 200 requests/s.
"""

from __future__ import annotations

import argparse
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


def _lua(path: str, delay_ms: int | None, nonce: str, templates: int = 16) -> str:
    """A wrk script posting a new, correctly signed event on every request: nothing is a redelivery.

    The bare endpoint gets the same script (it ignores the body), so the load generator does the
    same work on both sides of the comparison.
    """
    heads = ",\n".join(json.dumps(_event_head(i)) for i in range(templates))
    delay = f"function delay() return {delay_ms} end\n" if delay_ms else ""
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
{delay}
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


def _cpu_by_process() -> dict[str, float]:
    """CPU seconds used so far by the processes that share the machine in this benchmark."""
    tick = os.sysconf("SC_CLK_TCK")
    totals = {"hub": 0.0, "postgres": 0.0, "wrk": 0.0}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            cmdline = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        used = (int(fields[11]) + int(fields[12])) / tick
        if "gunicorn" in cmdline:
            totals["hub"] += used
        elif name.startswith("postgres"):
            totals["postgres"] += used
    return totals


def _measured(url: str, script: Path, seconds: int, threads: int, connections: int) -> dict:
    """wrk's figures plus the CPU each party spent per request (ms), wrk's own included."""
    before = _cpu_by_process()
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    result = _wrk(url, script, seconds, threads, connections)
    after = _cpu_by_process()
    done = resource.getrusage(resource.RUSAGE_CHILDREN)
    # wrk has exited by now: its CPU is in this process's children's usage, not in /proc.
    after["wrk"] = before["wrk"] + (done.ru_utime + done.ru_stime) - (children.ru_utime + children.ru_stime)
    requests_done = max(result["requests"], 1)
    result["cpu_ms"] = {k: (after[k] - before[k]) * 1000 / requests_done for k in after}
    return result


def run(database_url: str, label: str, seconds: int, home: Path, threads: int = 1, rounds: int = 3) -> dict:
    env = {**os.environ, "REVHUB_HOME": str(home), "REVHUB_DATABASE_URL": database_url,
           "REVHUB_SECRET_KEY": "bench", "PYTHONPATH": str(ROOT)}
    sys.path.insert(0, str(ROOT))
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
    gunicorn = subprocess.Popen([str(Path(sys.executable).parent / "gunicorn"), "-w", "2", "--threads", str(threads),
                                 "-b", f"127.0.0.1:{port}",
                                 "--log-level", "warning", "bench.webhook_app:app"], cwd=ROOT, env=env,
                                start_new_session=True)
    try:
        base = f"http://127.0.0.1:{port}"
        for _ in range(100):
            try:
                requests.post(f"{base}/bench/bare", timeout=10)
                break
            except (requests.ConnectionError, requests.Timeout):  # a loaded machine starts workers slowly
                time.sleep(0.1)
        scripts = home / "scripts"
        scripts.mkdir()

        def measure(name: str, path: str, delay: int | None = None, connections: int = 16) -> dict:
            script = scripts / f"{name}-{uuid.uuid4().hex[:8]}.lua"
            script.write_text(_lua(path, delay, nonce=script.stem.rsplit("-", 1)[1]))
            return _measured(base, script, seconds, 2, connections)

        # Bare and real alternate, round after round, so a noisy neighbour slowing the machine
        # for a while weighs on both sides of a round's ratio rather than on one endpoint.
        results = {"rounds": [{"bare": measure("bare", "/bench/bare"),
                               "stripe": measure("stripe", "/webhooks/stripe/stripe")} for _ in range(rounds)],
                   "paced": measure("paced", "/webhooks/stripe/stripe", delay=20, connections=4)}
        with db.engine.connect() as conn:
            results["stored"] = conn.execute(text("SELECT count(*) FROM inbox_events")).scalar()
        return results
    finally:
        os.killpg(gunicorn.pid, signal.SIGTERM)
        gunicorn.wait(timeout=20)
        db.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--postgres-url", default=os.environ.get("REVHUB_TEST_POSTGRES_URL"))
    parser.add_argument("--seconds", type=int, default=6, help="per endpoint and round")
    parser.add_argument("--rounds", type=int, default=3, help="alternating bare/real rounds")
    parser.add_argument("--threads", type=int, default=1,
                        help="threads per gunicorn worker (gthread when > 1)")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        sys.exit("wrk is not installed: apt-get install wrk (or run `make bench`, which installs it)")
    engines = [("SQLite", None)]
    if args.postgres_url:
        engines.append(("PostgreSQL", args.postgres_url))
    print(f"{'engine':11} {'endpoint':9} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'non-2xx':>8}")
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
            url = f"{pg}{'&' if '?' in pg else '?'}options={quote(f'-csearch_path={schema}')}"
        r = run(url, label, args.seconds, home, args.threads, args.rounds)
        ratios = []
        for number, round_ in enumerate(r["rounds"], 1):
            for name in ("bare", "stripe"):
                _print_line(label, f"{name} #{number}", round_[name])
            ratios.append(round_["stripe"]["rps"] / round_["bare"]["rps"])
        _print_line(label, "paced", r["paced"])
        print(f"{label:11} ratio real/bare req/s, median of {len(ratios)} rounds: {statistics.median(ratios):.2f} "
              f"({', '.join(f'{x:.2f}' for x in ratios)}; target >= 0.50); paced p99 {r['paced']['p99']:.1f} ms "
              f"at {r['paced']['rps']:.0f} req/s (target < 50 ms at ~200); events stored: {r['stored']} "
              f"of {sum(x['stripe']['requests'] for x in r['rounds']) + r['paced']['requests']} real requests")


def _print_line(label: str, name: str, m: dict) -> None:
    cpu = "  ".join(f"{k} {v:.3f}" for k, v in m.get("cpu_ms", {}).items())
    print(f"{label:11} {name:9} {m['rps']:8.0f} {m['p50']:7.2f} {m['p99']:7.2f} {m['errors']:8d}"
          + (f"   CPU ms/request: {cpu}" if cpu else ""))

if __name__ == "__main__":
    main()
