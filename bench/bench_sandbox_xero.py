"""Benchmark: load a 20,000-invoice data set into the Xero sandbox and list it page by page.

Run: ``.venv/bin/python bench/bench_sandbox_xero.py``. Prints load time and records/s served
(pages of 100 with line items, as ``GET /Invoices?page=N`` with the SDK's headers).
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from revhub.sandbox.dataset import generate  # noqa: E402
from revhub.sandbox.server import SandboxServer  # noqa: E402
from revhub.sandbox.xero import XeroSandbox  # noqa: E402
from revhub.sandbox.xero.ratelimit import Limits  # noqa: E402

TARGET_INVOICES = 20_000


def build_dataset():
    companies = 10_000
    ds = generate(companies, seed=11)
    while len(ds.invoices) < TARGET_INVOICES:
        companies += 500
        ds = generate(companies, seed=11)
    return ds


def main() -> None:
    started = time.perf_counter()
    ds = build_dataset()
    generated = time.perf_counter()
    # The default 60 calls/minute would throttle a 200-page crawl; the bench measures serving.
    sandbox = XeroSandbox(rate_limits=Limits(per_minute=100_000, per_day=1_000_000))
    sandbox.load_dataset(ds)
    loaded = time.perf_counter()
    count = len(sandbox.tenants[sandbox.default_tenant_id]["Invoices"])
    token = sandbox.issue_token()
    headers = {
        "Authorization": "Bearer " + token["access_token"],
        "xero-tenant-id": sandbox.default_tenant_id,
        "Accept": "application/json",
        "Content-Type": "application/json",
        "User-Agent": "xero-python (15.2.0)",
    }
    with SandboxServer(sandbox) as server, requests.Session() as session:
        for label in ("cold (first render)", "warm (cached JSON)"):
            served, page, t0 = 0, 1, time.perf_counter()
            while True:
                answer = session.get(
                    f"{server.url}/api.xro/2.0/Invoices", params={"page": page}, headers=headers
                )
                answer.raise_for_status()
                invoices = answer.json()["Invoices"]
                served += len(invoices)
                if len(invoices) < 100:
                    break
                page += 1
            elapsed = time.perf_counter() - t0
            print(
                f"{label}: {served} invoices in {page} pages, {elapsed:.2f} s "
                f"-> {served / elapsed:,.0f} records/s"
            )
    print(
        f"data set: {len(ds.invoices)} invoices generated in {generated - started:.2f} s; "
        f"loaded {count} invoices (+{len(ds.payments)} payments, {len(ds.refunds)} refunds) "
        f"in {loaded - generated:.2f} s"
    )


if __name__ == "__main__":
    main()
