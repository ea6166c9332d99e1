"""Benchmark: how fast the Salesforce sandbox serves a 20,000-invoice org page by page.

Loads a generated data set with at least 20,000 invoices (each one a Purchase_Order__c
carrying its invoice number), serves it over TLS with SandboxServer, and lists every
purchase order with plain ``requests`` exactly as simple-salesforce pages: ``query`` then
``nextRecordsUrl`` until ``done``. Prints load time and records/s served.

    /work/main/.venv/bin/python bench/bench_sandbox_salesforce.py
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from revhub.sandbox.dataset import generate  # noqa: E402
from revhub.sandbox.salesforce import SalesforceSandbox  # noqa: E402
from revhub.sandbox.server import SandboxServer  # noqa: E402
from revhub.sandbox.tls import ensure_tls, server_ssl_context, trusting_session  # noqa: E402

TARGET_INVOICES = 20_000
VERSION = "66.0"
SOQL = ("SELECT Id, Name, PO_Number__c, Invoice_Number__c, Issue_Date__c, CurrencyIsoCode, "
        "Amount__c, Amount_Paid__c, Status__c, Account__c, SystemModstamp "
        "FROM Purchase_Order__c ORDER BY SystemModstamp, Id")


def build_dataset():
    companies = TARGET_INVOICES // 2
    while True:
        ds = generate(companies=companies, seed=42)
        if len(ds.invoices) >= TARGET_INVOICES:
            return ds
        companies = int(companies * TARGET_INVOICES / len(ds.invoices)) + 50


def main() -> None:
    started = time.perf_counter()
    ds = build_dataset()
    generated = time.perf_counter()
    sandbox = SalesforceSandbox(seed=1, daily_api_limit=1_000_000)
    sandbox.load_dataset(ds)
    loaded = time.perf_counter()
    total_records = sum(len(t.rows) for t in sandbox.store.tables.values())
    print(f"data set: {len(ds.invoices)} invoices, {len(ds.companies)} companies "
          f"(generated in {generated - started:.1f}s)")
    print(f"loaded {total_records} records into the sandbox in {loaded - generated:.1f}s")

    with tempfile.TemporaryDirectory() as tls_dir:
        ca_path = ensure_tls(tls_dir)[0]
        with SandboxServer(sandbox, ssl_context=server_ssl_context(tls_dir)) as server:
            session = trusting_session(ca_path)
            # The headers simple-salesforce sends on every call.
            session.headers.update({"Authorization": f"Bearer {sandbox.sessions.static_token}",
                                    "Content-Type": "application/json", "X-PrettyPrint": "1"})
            for label, batch in (("default batch (2000)", None), ("batchSize=500", "batchSize=500")):
                headers = {"Sforce-Query-Options": batch} if batch else {}
                count, pages, seconds = list_all(session, server.url, headers)
                print(f"{label}: {count} records in {pages} pages, {seconds:.2f}s "
                      f"-> {count / seconds:,.0f} records/s served")


def list_all(session, base: str, headers: dict) -> tuple[int, int, float]:
    began = time.perf_counter()
    response = session.get(f"{base}/services/data/v{VERSION}/query/", params={"q": SOQL},
                           headers=headers)
    response.raise_for_status()
    page = response.json()
    seen, pages = len(page["records"]), 1
    while not page["done"]:
        response = session.get(base + page["nextRecordsUrl"], headers=headers)
        response.raise_for_status()
        page = response.json()
        seen += len(page["records"])
        pages += 1
    elapsed = time.perf_counter() - began
    assert seen == page["totalSize"], (seen, page["totalSize"])
    return seen, pages, elapsed


if __name__ == "__main__":
    main()
