"""HubSpot's burst window against revhub's pacing: how close to the limit revhub runs, and the
429s it meets, alone and with a second process of the same app.

    .venv/bin/python bench/bench_hubspot_budget.py [--calls 300] [--max 19] [--interval-ms 1000]

The sandbox enforces the app's rolling window (by default 19 per second: the Professional
private app's 190 per 10 s, compressed tenfold so the run is short) with HubSpot's headers.
One client reads companies one by one (``GET /crm/v3/objects/companies/{id}``); then two
clients with their own limiters (two revhub processes) share the window. Printed: calls per
second against the window's rate (the ratio), and the 429s the sandbox answered.
"""

from __future__ import annotations

import argparse
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from revhub.connectors.hubspot.client import HubSpotAPI  # noqa: E402
from revhub.connectors.resilience import RetryPolicy, forget_limiters  # noqa: E402
from revhub.sandbox.hubspot import HubSpotSandbox  # noqa: E402
from revhub.sandbox.server import SandboxServer  # noqa: E402


def run(clients: int, calls: int, sandbox: HubSpotSandbox, url: str, ids: list[str]) -> tuple[float, int]:
    """(seconds, 429s) for ``clients`` processes' worth of clients making ``calls`` reads each."""
    sandbox.requests.clear()
    forget_limiters()
    apis = [HubSpotAPI({"access_token": sandbox.access_token}, url, retry=RetryPolicy(attempts=20),
                       portal=f"process-{n}") for n in range(clients)]

    def read(api: HubSpotAPI) -> None:
        for n in range(calls):
            api.get("companies", ids[n % len(ids)], ["name"], "customer")

    started = time.monotonic()
    threads = [threading.Thread(target=read, args=(api,)) for api in apis]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started, sum(1 for r in sandbox.requests.entries() if r.status == 429)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--calls", type=int, default=300)
    parser.add_argument("--max", type=int, default=19)
    parser.add_argument("--interval-ms", type=int, default=1000)
    args = parser.parse_args()
    sandbox = HubSpotSandbox(burst_max=args.max, burst_interval_ms=args.interval_ms)
    ids = [sandbox.store.create("companies", {"name": f"Company {n}"}).id for n in range(50)]
    server = SandboxServer(sandbox).start()
    allowed = args.max / (args.interval_ms / 1000)
    try:
        print(f"HubSpot burst window {args.max} per {args.interval_ms} ms ({allowed:.1f} calls/s), "
              f"{args.calls} reads per client")
        for clients in (1, 2):
            seconds, refused = run(clients, args.calls, sandbox, server.url, ids)
            rate = clients * args.calls / seconds
            print(f"  {clients} process(es): {seconds:6.1f} s, {rate:5.1f} calls/s = {rate / allowed:.2f} of the "
                  f"window's rate, {refused} answered 429 of {clients * args.calls + refused} requests")
    finally:
        server.stop()
        sandbox.close()


if __name__ == "__main__":
    main()
