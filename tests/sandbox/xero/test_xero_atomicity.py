"""Each Xero sandbox request is atomic, as Xero's are: a read concurrent with a payment never
sees half of it, and a retry racing its first attempt with the same Idempotency-Key is answered
with that attempt's result instead of writing a second time."""

from __future__ import annotations

import threading
import time
from decimal import Decimal

import pytest
import requests

from revhub.sandbox.xero.ratelimit import Limits

THREADS = 8


@pytest.fixture
def api(sandbox, server, tenant, token_store, monkeypatch):
    monkeypatch.setattr(sandbox.limiter, "limits", Limits(per_minute=100_000, per_day=10**7, concurrent=50))
    headers = {"Authorization": "Bearer " + token_store["token"]["access_token"],
               "xero-tenant-id": tenant, "Accept": "application/json"}
    base = f"{server.url}/api.xro/2.0"

    def call(method: str, path: str, body: dict | None = None, **kwargs) -> requests.Response:
        return requests.request(method, f"{base}/{path}", json=body, headers={**headers, **kwargs.pop("headers", {})},
                                **kwargs)

    return call


def _invoice(contact_id: str, reference: str, amount: int = 1000) -> dict:
    return {"Type": "ACCREC", "Contact": {"ContactID": contact_id}, "Status": "AUTHORISED", "Reference": reference,
            "Date": "2026-11-02", "DueDate": "2026-12-02",
            "LineItems": [{"Description": "Seat", "Quantity": 1, "UnitAmount": amount, "AccountCode": "200"}]}


def _together(work, count: int = THREADS) -> list:
    """``work()`` in ``count`` threads released at once; their results."""
    start, results = threading.Barrier(count), [None] * count

    def run(n: int) -> None:
        start.wait()
        results[n] = work()

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def test_racing_retries_with_one_idempotency_key_write_once(api, customer):
    for round_number in range(5):
        reference = f"RACE-{round_number}"
        body = {"Invoices": [_invoice(customer.contact_id, reference)]}
        key = {"Idempotency-Key": f"race-{round_number}"}
        answers = _together(lambda body=body, key=key: api("PUT", "Invoices", body, headers=key))
        assert {a.status_code for a in answers} == {200}
        assert len({a.json()["Invoices"][0]["InvoiceID"] for a in answers}) == 1
        found = api("GET", "Invoices", params={"where": f'Reference=="{reference}"'}).json()["Invoices"]
        assert len(found) == 1, f"{len(found)} invoices written for one key"


def test_a_read_never_sees_a_payment_without_its_invoice_paid(api, customer):
    invoice_id = api("PUT", "Invoices", {"Invoices": [_invoice(customer.contact_id, "PAY-RACE", 100_000)]}
                     ).json()["Invoices"][0]["InvoiceID"]
    stop, torn, reads = time.monotonic() + 1.0, [], [0]

    def write() -> None:
        while time.monotonic() < stop:
            answer = api("PUT", "Payments", {"Payments": [{"Invoice": {"InvoiceID": invoice_id},
                                                           "Account": {"Code": "090"}, "Amount": 1,
                                                           "Date": "2026-11-03"}]})
            assert answer.status_code == 200, answer.text

    def read() -> None:
        while time.monotonic() < stop:
            payments = api("GET", "Payments", params={"page": 1, "pageSize": 1000}).json()["Payments"]
            invoice = api("GET", f"Invoices/{invoice_id}").json()["Invoices"][0]
            seen = sum(Decimal(str(p["Amount"])) for p in payments if p["Invoice"]["InvoiceID"] == invoice_id)
            paid = Decimal(str(invoice["AmountPaid"]))
            listed = sum(Decimal(str(p["Amount"])) for p in invoice.get("Payments") or ())
            due = Decimal(str(invoice["Total"])) - paid
            if seen > paid or listed != paid or Decimal(str(invoice["AmountDue"])) != due:
                torn.append((seen, paid, listed))
            reads[0] += 1

    threads = [threading.Thread(target=write) for _ in range(2)] + [threading.Thread(target=read) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert reads[0] > 10 and torn == []
