"""What the Xero and Salesforce sandboxes spend answering a full read, as the data grows.

    .venv/bin/python bench/bench_sync_scale_sandboxes.py [--records 10000 50000 200000] [--rounds 2]

For each size (records of the mixed set of ``bench_sync_scale``), each round seeds both
sandboxes with a new data set, then serves the hub connectors' full reads, as the connectors
ask for them, with the sandbox's code before and after this branch's changes, alternately:
- Xero invoices: pages of 1,000 ordered ``UpdatedDateUTC ASC, InvoiceID ASC`` (before: each
  page sorted the whole collection again);
- Salesforce purchase orders: the query's pages of 2,000, and for each page its lines 500
  orders at a time, ``Purchase_Order__c IN (...)`` (before: each read the whole lines table).
Printed: the sandbox's CPU per record read, before and after, and their ratio. Flat after
means a sandbox no longer bends the curve of ``bench_sync_scale``.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
import time
from contextlib import contextmanager
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.bench_sync_scale import SETS, companies_for  # noqa: E402
from revhub.sandbox.dataset import generate  # noqa: E402
from revhub.sandbox.salesforce import SalesforceSandbox, query  # noqa: E402
from revhub.sandbox.xero import XeroSandbox, listing  # noqa: E402

PO_FIELDS = ("Id, IsDeleted, SystemModstamp, Name, Account__c, PO_Number__c, Issue_Date__c, CurrencyIsoCode, "
             "Amount__c, Status__c, Subscription_Start__c, Subscription_End__c, Payment_Terms__c, Revhub_Id__c")
LINE_FIELDS = ("Id, IsDeleted, Purchase_Order__c, Product__c, Description__c, Quantity__c, Unit_Price__c, "
               "Total_Price__c, Tax_Code__c, Tax_Amount__c")


@contextmanager
def before(active: bool):
    """The sandboxes as they were: every ordered page sorted, every link query a full scan."""
    if not active:
        yield
        return
    stored_order, bind = listing._stored_order, query.bind
    listing._stored_order = lambda resource, keys: False
    query.bind = lambda *args, **kwargs: dataclasses.replace(bind(*args, **kwargs), seek=None)
    try:
        yield
    finally:
        listing._stored_order, query.bind = stored_order, bind


def xero_read(sandbox: XeroSandbox) -> int:
    """The connector's full read of invoices; the number of records served."""
    served, page = 0, 1
    with sandbox.lock:
        for record in sandbox.tenants[sandbox.default_tenant_id]["Invoices"].ordered():
            record._rendered = {}  # each read renders its records, as the first read after a change does
        while True:
            w = sandbox.write(notify=False)
            args = {"page": str(page), "pageSize": "1000", "order": "UpdatedDateUTC ASC, InvoiceID ASC",
                    "unitdp": "4"}
            _, text = sandbox.accounting.handle(w, "GET", ["Invoices"], args, None, None)
            body = json.loads(text)
            served += len(body["Invoices"])
            if page >= body["pagination"]["pageCount"]:
                return served
            page += 1


def salesforce_read(sandbox: SalesforceSandbox) -> int:
    """The connector's full read of purchase orders with their lines; the records served."""
    served = 0
    body = json.loads(sandbox.queries.run(f"SELECT {PO_FIELDS} FROM Purchase_Order__c "
                                          "ORDER BY SystemModstamp ASC, Id ASC",
                                          include_deleted=True, batch=2000, version="67.0"))
    while True:
        ids = [r["Id"] for r in body["records"]]
        served += len(ids)
        for start in range(0, len(ids), 500):
            quoted = ", ".join(f"'{i}'" for i in ids[start:start + 500])
            lines = json.loads(sandbox.queries.run(
                f"SELECT {LINE_FIELDS} FROM Purchase_Order_Line__c WHERE Purchase_Order__c IN ({quoted}) "
                "ORDER BY Purchase_Order__c ASC, Id ASC", include_deleted=False, batch=2000, version="67.0"))
            assert lines["done"]
        if body["done"]:
            return served
        body = json.loads(sandbox.queries.more(body["nextRecordsUrl"].rsplit("/", 1)[1], "67.0"))


def cpu_per_record(read, sandbox) -> float:
    started = time.process_time()  # (clearing Xero's rendered records is counted: the same on both sides)
    served = read(sandbox)
    return (time.process_time() - started) * 1000 / served


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--records", type=int, nargs="+", default=[10_000, 50_000, 200_000])
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args()
    print("| mixed set | Xero invoices | before ms/record | after | before/after | "
          "Salesforce POs | before ms/record | after | before/after |\n|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for size in args.records:
        figures: dict[tuple[str, bool], list[float]] = {}
        for round_ in range(args.rounds):
            data = generate(companies_for(size, SETS["mixed"]), seed=size + 7919 * round_ + int(time.time()) % 1000)
            xero = XeroSandbox(per_minute=10**9, per_day=10**9, app_per_minute=10**9)
            xero.load_dataset(data)
            salesforce = SalesforceSandbox(outbound_verify=False)
            salesforce.load_dataset(data)
            for old in (round_ % 2 == 0, round_ % 2 == 1):  # alternate which goes first
                with before(old):
                    figures.setdefault(("xero", old), []).append(cpu_per_record(xero_read, xero))
                    figures.setdefault(("salesforce", old), []).append(cpu_per_record(salesforce_read, salesforce))
            salesforce.close()
        counts = len(data.invoices), len(data.purchase_orders)
        cells = []
        for system, count in zip(("xero", "salesforce"), counts, strict=True):
            old, new = min(figures[(system, True)]), min(figures[(system, False)])
            cells += [f"{count:,}", f"{old:.3f}", f"{new:.3f}", f"{old / new:.2f}"]
        print(f"| {size:,} | " + " | ".join(cells) + " |", flush=True)


if __name__ == "__main__":
    main()
