"""Contract tests for each call revhub makes to QuickBooks Online, through the hub's own client
(``revhub.connectors.quickbooks.client.QuickBooksAPI``: python-quickbooks and intuit-oauth
underneath), asserting the answers' shapes against python-quickbooks' classes
(``tests.sandbox.quickbooks.qbo_models``).

Two targets: the sandbox, always (``make test``); a real QuickBooks sandbox company (a
developer account's "sandbox company") when ``REVHUB_CONTRACT_QUICKBOOKS_ACCESS_TOKEN`` and
``REVHUB_CONTRACT_QUICKBOOKS_REALM_ID`` are set, otherwise skipped saying so. The access token is
used as given and never refreshed. The real run writes customers named ``revhub-contract-<run>…``
with an invoice, a payment, a credit memo, a fee Purchase and a payout Transfer, and deletes,
voids or deactivates what it can afterwards. It books the fee and the payout against the account
ids in ``REVHUB_CONTRACT_QUICKBOOKS_DEPOSIT_ACCOUNT`` (a Bank account, the clearing account),
``…_BANK_ACCOUNT`` and ``…_FEE_ACCOUNT`` (an Expense account); without them that test skips.
Provoking a 429 and receiving a webhook only run on the sandbox.
"""

from __future__ import annotations

import json
import os
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.creditmemo import CreditMemo
from quickbooks.objects.customer import Customer
from quickbooks.objects.invoice import Invoice
from quickbooks.objects.payment import Payment
from quickbooks.objects.purchase import Purchase
from quickbooks.objects.refundreceipt import RefundReceipt
from quickbooks.objects.transfer import Transfer

from revhub.connectors.errors import ConfigError, FatalError, RetriableError
from revhub.connectors.quickbooks.client import QuickBooksAPI, QuickBooksAuth
from revhub.connectors.quickbooks.connector import QuickBooksConnector
from revhub.connectors.quickbooks.push import QuickBooksPusher
from revhub.connectors.resilience import Limits, RateLimiter, RetryPolicy
from revhub.mappings.writes import WriteItem
from revhub.sandbox import dataset
from revhub.sandbox.faults import FaultRule
from revhub.sandbox.quickbooks import QuickBooksSandbox
from revhub.sandbox.quickbooks.seeding import BANK_ACCOUNT, CLEARING_ACCOUNT, FEE_ACCOUNT
from revhub.sandbox.server import SandboxServer
from revhub.webhooks.verify import intuit_signature_valid
from tests.contract.conftest import credentials_or_skip
from tests.sandbox.quickbooks.qbo_models import unknown_fields

TOKEN_VARIABLE = "REVHUB_CONTRACT_QUICKBOOKS_ACCESS_TOKEN"
REALM_VARIABLE = "REVHUB_CONTRACT_QUICKBOOKS_REALM_ID"
API_URL_VARIABLE = "REVHUB_CONTRACT_QUICKBOOKS_API_URL"
LEDGER_VARIABLES = {"deposit_account_id": "REVHUB_CONTRACT_QUICKBOOKS_DEPOSIT_ACCOUNT",
                    "bank_account_id": "REVHUB_CONTRACT_QUICKBOOKS_BANK_ACCOUNT",
                    "fee_account_id": "REVHUB_CONTRACT_QUICKBOOKS_FEE_ACCOUNT"}
SANDBOX_COMPANY_API = "https://sandbox-quickbooks.api.intuit.com/v3"
CLASSES = {c.qbo_object_name: c for c in (Customer, Invoice, Payment, CreditMemo, RefundReceipt, Purchase,
                                          Transfer)}


class _GivenTokenAuth(QuickBooksAuth):
    """The real run's access token, as given: refreshing would rotate the owner's refresh token."""

    def refresh(self, auth_client) -> None:
        raise ConfigError(f"{TOKEN_VARIABLE} was refused (expired?): the contract run never refreshes it",
                          provider="quickbooks")


@dataclass
class Company:
    """One QuickBooks company to check, and the records the tests made there."""

    name: str
    api: QuickBooksAPI
    run: str  # makes names unique in a real company
    ledger: dict[str, str] | None
    sandbox: QuickBooksSandbox | None = None
    made: list[tuple[str, str]] = field(default_factory=list)
    _n: int = 0

    def item(self, entity: str, record: dict[str, Any], **extra: Any) -> WriteItem:
        self._n += 1
        return WriteItem(self._n, f"revhub-contract-{self.run}-{entity}-{self._n}", "upsert", entity,
                         uuid.uuid4(), 1, record, extra.pop("external_id", None), None, **extra)

    def pusher(self, **settings: Any) -> QuickBooksPusher:
        return QuickBooksPusher(self.api, settings)

    def query(self, text: str) -> dict[str, Any]:
        return self.api.call(lambda qb: qb.query(text), "contract")

    def read(self, entity: str, ident: str) -> dict[str, Any]:
        obj = self.api.call(lambda qb: qb.get_single_object(entity, ident), "contract")[entity]
        assert unknown_fields(CLASSES[entity], obj) == [], f"{entity} answers fields the SDK does not declare"
        return obj

    def server_time(self) -> datetime:
        return datetime.fromisoformat(self.query("SELECT * FROM Customer MAXRESULTS 1")["time"]).astimezone(UTC)

    def pass_a_second(self) -> None:
        """LastUpdatedTime has whole seconds: the next write must be stamped later."""
        if self.sandbox is not None:
            self.sandbox.clock.advance(2)
        else:
            time.sleep(2)


def _real_company() -> Company:
    values = credentials_or_skip((TOKEN_VARIABLE, REALM_VARIABLE),
                                 "a real QuickBooks sandbox company (your developer account's)")
    auth = _GivenTokenAuth({"client_id": "contract-run", "client_secret": "contract-run",
                            "refresh_token": "never-used", "access_token": values[TOKEN_VARIABLE],
                            "expires_at": time.time() + 10**9}, save=lambda changes: None)
    settings = {"realm_id": values[REALM_VARIABLE], "discovery_url": "sandbox",
                "api_url": os.environ.get(API_URL_VARIABLE, "").strip() or SANDBOX_COMPANY_API}
    ledger = {key: os.environ.get(variable, "").strip() for key, variable in LEDGER_VARIABLES.items()}
    api = QuickBooksAPI(auth, settings, retry=RetryPolicy(attempts=3, max_backoff_seconds=5))
    return Company("quickbooks-sandbox-company", api, uuid.uuid4().hex[:8], ledger if all(ledger.values()) else None)


def _clean_up(company: Company) -> None:
    """Best effort on a real company: delete or void transactions, make customers inactive."""
    for entity, ident in reversed(company.made):
        try:
            obj = company.api.call(lambda qb, e=entity, i=ident: qb.get_single_object(e, i))[entity]
            if entity == "Customer":
                body = {"Id": ident, "SyncToken": obj["SyncToken"], "sparse": True, "Active": False}
                company.api.call(lambda qb, b=body: qb.update_object("Customer", json.dumps(b)))
            elif entity == "Invoice":
                body = {"Id": ident, "SyncToken": obj["SyncToken"]}
                company.api.call(lambda qb, b=body: qb.post(f"{qb.api_url}/company/{qb.company_id}/invoice",
                                                            json.dumps(b), params={"operation": "void"}))
            else:
                body = {"Id": ident, "SyncToken": obj["SyncToken"]}
                company.api.call(lambda qb, e=entity, b=body: qb.delete_object(e, json.dumps(b)))
        except Exception as exc:  # noqa: BLE001 - cleanup reports and carries on with the rest
            print(f"contract cleanup: {entity} {ident} left in place ({exc})")


@pytest.fixture(scope="module", params=["sandbox", "quickbooks-sandbox-company"])
def company(request) -> Iterator[Company]:
    """Each contract test once on the local sandbox, once on a real sandbox company when configured."""
    if request.param == "quickbooks-sandbox-company":
        target = _real_company()
        yield target
        _clean_up(target)
        return
    sandbox = QuickBooksSandbox()
    sandbox.load_dataset(dataset.generate(2, seed=7))
    with SandboxServer(sandbox) as server:
        sandbox.url = server.url
        auth = QuickBooksAuth({"client_id": sandbox.authority.client_id,
                               "client_secret": sandbox.authority.client_secret,
                               "refresh_token": sandbox.issue_token()["refresh_token"]}, save=lambda changes: None)
        settings = {"realm_id": sandbox.realm_id, "api_url": f"{server.url}/v3",
                    "discovery_url": f"{server.url}/.well-known/openid_configuration/"}
        api = QuickBooksAPI(auth, settings, retry=RetryPolicy(attempts=1),
                            limiter=RateLimiter(Limits(per_window=10_000, window_seconds=60)))
        yield Company("sandbox", api, uuid.uuid4().hex[:8], {"deposit_account_id": CLEARING_ACCOUNT,
                                                             "bank_account_id": BANK_ACCOUNT,
                                                             "fee_account_id": FEE_ACCOUNT}, sandbox)


# ----- helpers: everything written goes through the hub's pusher, as the connector writes it ----------
def _customers(company: Company, *suffixes: str) -> list[str]:
    items = [company.item("customer", {"name": f"revhub-contract-{company.run}-{s}",
                                       "email": f"ap+{company.run}@example.com"}) for s in suffixes]
    results = company.pusher().push("customer", items)
    assert [r.status for r in results] == ["sent"] * len(items), [r.error for r in results]
    company.made += [("Customer", r.external_id) for r in results]
    return [r.external_id for r in results]


def _service_item(company: Company) -> str:
    rows = company.query("SELECT * FROM Item WHERE Type = 'Service' MAXRESULTS 1")["QueryResponse"]["Item"]
    return rows[0]["Id"]


def _invoice_record(company: Company, suffix: str, cents: int = 12_000) -> dict[str, Any]:
    return {"number": f"RC{company.run}{suffix}"[:21], "currency": "USD", "issue_date": "2026-11-02",
            "due_date": "2026-12-02", "po_number": f"PO-{company.run}-{suffix}", "customer_id": str(uuid.uuid4()),
            "lines": [{"description": "Platform licence", "quantity": 1, "unit_amount_minor": cents,
                       "amount_minor": cents, "product_external_id": _service_item(company)}]}


def _invoice(company: Company, customer_id: str, suffix: str, cents: int = 12_000) -> str:
    item = company.item("invoice", _invoice_record(company, suffix, cents), refs={"customer": customer_id})
    [result] = company.pusher().push("invoice", [item])
    assert result.status == "sent", result.error
    company.made.append(("Invoice", result.external_id))
    return result.external_id


# ----- pull ---------------------------------------------------------------------------------------
def test_a_query_pages_with_startposition_and_maxresults(company):
    ids = _customers(company, "page-a", "page-b", "page-c")
    text = (f"SELECT * FROM Customer WHERE DisplayName LIKE 'revhub-contract-{company.run}-page%' ORDERBY Id "
            "STARTPOSITION {start} MAXRESULTS 2")
    first = company.query(text.format(start=1))
    assert first["time"] and (first["QueryResponse"]["startPosition"], first["QueryResponse"]["maxResults"]) == (1, 2)
    rest = company.query(text.format(start=3))["QueryResponse"]
    assert (rest["startPosition"], rest["maxResults"]) == (3, 1)
    rows = first["QueryResponse"]["Customer"] + rest["Customer"]
    assert sorted(r["Id"] for r in rows) == sorted(ids)
    assert all(unknown_fields(Customer, r) == [] for r in rows)
    assert all(r["MetaData"]["LastUpdatedTime"] and r["SyncToken"] == "0" for r in rows)
    past = company.query(text.format(start=4))["QueryResponse"]  # past the end: an empty response
    assert "Customer" not in past


def test_cdc_answers_what_changed_and_deletes_as_status_deleted(company):
    since = company.server_time() - timedelta(seconds=5)
    [customer] = _customers(company, "cdc")
    invoice_id = _invoice(company, customer, "cdc")
    memo = company.pusher().push("refund", [_refund_item(company, customer, "cdc", invoice=invoice_id)])[0]
    assert memo.status == "sent", memo.error
    held = company.read("CreditMemo", memo.external_id)
    company.api.call(lambda qb: qb.delete_object("CreditMemo", json.dumps({"Id": held["Id"],
                                                                           "SyncToken": held["SyncToken"]})))
    body = company.api.call(lambda qb: qb.change_data_capture("Customer,CreditMemo", since.isoformat()))
    answers = body["CDCResponse"][0]["QueryResponse"]
    found = {entity: rows for answer in answers for entity, rows in answer.items() if isinstance(rows, list)}
    assert customer in {c["Id"] for c in found["Customer"]}
    assert all(unknown_fields(Customer, c) == [] for c in found["Customer"])
    [tombstone] = [m for m in found["CreditMemo"] if m["Id"] == held["Id"]]
    assert tombstone["status"] == "Deleted" and "Line" not in tombstone
    with pytest.raises(FatalError) as refused:  # CDC looks back 30 days at most
        company.api.call(lambda qb: qb.change_data_capture("Customer", (since - timedelta(days=31)).isoformat()))
    # The connector falls back to a full list on this refusal, recognised by "changedSince".
    assert refused.value.status == 400 and "changedSince" in str(refused.value)


def test_an_incremental_read_finds_what_changed_after_a_records_stamp_not_before(company):
    [before] = _customers(company, "inc-before")
    company.pass_a_second()
    [after] = _customers(company, "inc-after")
    stamp = company.read("Customer", after)["MetaData"]["LastUpdatedTime"]
    queried = company.query(f"SELECT * FROM Customer WHERE MetaData.LastUpdatedTime >= '{stamp}' "
                            f"AND DisplayName LIKE 'revhub-contract-{company.run}-inc%'")["QueryResponse"]
    assert [c["Id"] for c in queried["Customer"]] == [after]
    # The connector's own incremental pull (CDC from a cursor) on the same stamp.
    connector = QuickBooksConnector(company.api)
    changed = {c.external_id for page in connector.pull("customer", {"changed_since": stamp}) for c in page.changes}
    assert after in changed and before not in changed


# ----- write-back ---------------------------------------------------------------------------------
def _refund_item(company: Company, customer_id: str, suffix: str, **refs: str) -> WriteItem:
    return company.item("refund", {"amount_minor": 2_500, "currency": "USD", "reference": f"re_{company.run}{suffix}",
                                   "issued_at": "2026-11-05T10:00:00+00:00", "reason": "Refund"},
                        refs={"invoice": refs.get("invoice"), "payment": refs.get("payment")})


def test_a_customer_invoice_payment_and_refund_are_written_and_read_back(company):
    [customer] = _customers(company, "w")
    invoice_id = _invoice(company, customer, "w")
    invoice = company.read("Invoice", invoice_id)
    assert invoice["CustomField"][0]["DefinitionId"] == "1"
    assert invoice["CustomField"][0]["StringValue"] == f"PO-{company.run}-w"
    assert (invoice["TotalAmt"], invoice["Balance"]) == (120, 120)

    payment = company.item("payment", {"amount_minor": 4_000, "currency": "USD", "reference": f"ch_{company.run}",
                                       "received_at": "2026-11-04T10:00:00+00:00",
                                       "allocations": [{"invoice_external_id": invoice_id, "amount_minor": 4_000}]},
                           refs={"customer": customer})
    [paid] = company.pusher().push("payment", [payment])
    assert paid.status == "sent", paid.error
    company.made.append(("Payment", paid.external_id))
    read = company.read("Payment", paid.external_id)
    assert read["TotalAmt"] == 40 and read["Line"][0]["LinkedTxn"][0]["TxnId"] == invoice_id
    assert company.read("Invoice", invoice_id)["Balance"] == 80

    [memo] = company.pusher().push("refund", [_refund_item(company, customer, "w", invoice=invoice_id)])
    assert memo.status == "sent", memo.error
    company.made.append(("CreditMemo", memo.external_id))
    note = company.read("CreditMemo", memo.external_id)
    assert note["TotalAmt"] == 25 and f"re_{company.run}w" in note["PrivateNote"]
    if company.ledger is None:
        return
    receipts = company.pusher(refund_document="RefundReceipt", deposit_account_id=company.ledger["deposit_account_id"])
    [receipt] = receipts.push("refund", [_refund_item(company, customer, "rr", invoice=invoice_id)])
    assert receipt.status == "sent", receipt.error
    company.made.append(("RefundReceipt", receipt.external_id))
    assert company.read("RefundReceipt", receipt.external_id)["DepositToAccountRef"]["value"] == \
        company.ledger["deposit_account_id"]


def test_a_fee_is_a_purchase_and_a_payout_a_transfer_through_the_batch_endpoint(company):
    if company.ledger is None:
        pytest.skip(f"{', '.join(LEDGER_VARIABLES.values())} not all set: the fee and payout bookings need the "
                    "company's clearing, bank and fee account ids")
    pusher = company.pusher(fee_treatment="per_charge", **company.ledger)
    fee = company.item("fee", {"reference": f"txn_{company.run}", "amount_minor": 320, "currency": "USD",
                               "incurred_at": "2026-11-05T10:00:00+00:00"})
    payout = company.item("payout", {"reference": f"po_{company.run}", "amount_minor": 97_010, "fee_minor": 0,
                                     "currency": "USD", "status": "paid", "arrival_date": "2026-11-09"})
    [booked_fee] = pusher.push("fee", [fee])
    [booked_payout] = pusher.push("payout", [payout])
    assert (booked_fee.status, booked_payout.status) == ("sent", "sent"), (booked_fee.error, booked_payout.error)
    company.made += [("Purchase", booked_fee.external_id), ("Transfer", booked_payout.external_id)]
    purchase = company.read("Purchase", booked_fee.external_id)
    assert (purchase["TotalAmt"], purchase["AccountRef"]["value"]) == (3.2, company.ledger["deposit_account_id"])
    transfer = company.read("Transfer", booked_payout.external_id)
    assert (transfer["Amount"], transfer["ToAccountRef"]["value"]) == (970.1, company.ledger["bank_account_id"])


def test_a_repeated_request_id_answers_as_the_first_and_writes_once(company):
    name = f"revhub-contract-{company.run}-replay"
    item = company.item("customer", {"name": name})
    pusher = company.pusher()
    [first] = pusher.push("customer", [item])
    assert first.status == "sent", first.error
    company.made.append(("Customer", first.external_id))
    # The same batch again (a retry after a lost answer): same request id, the first answer,
    # where a second create would be refused as a duplicate name (6240).
    [again] = pusher.push("customer", [item])
    assert (again.status, again.external_id) == ("sent", first.external_id)
    found = company.query(f"SELECT * FROM Customer WHERE DisplayName = '{name}'")["QueryResponse"]["Customer"]
    assert [c["Id"] for c in found] == [first.external_id]


def test_an_update_needs_the_current_sync_token_and_a_stale_one_is_5010(company):
    [customer] = _customers(company, "sync")
    update = company.item("customer", {"name": f"revhub-contract-{company.run}-sync2"}, external_id=customer)
    [updated] = company.pusher().push("customer", [update])  # reads the current SyncToken first
    assert (updated.status, updated.external_id) == ("sent", customer), updated.error
    held = company.read("Customer", customer)
    assert held["SyncToken"] == "1" and held["DisplayName"] == f"revhub-contract-{company.run}-sync2"
    stale = {"Id": customer, "SyncToken": "0", "sparse": True, "Notes": "stale"}
    with pytest.raises(QuickbooksException) as raw:
        company.api.client.update_object("Customer", json.dumps(stale))
    assert raw.value.error_code == 5010 and "Stale" in raw.value.message
    with pytest.raises(FatalError, match=r"\[5010\]"):
        company.api.call(lambda qb: qb.update_object("Customer", json.dumps(stale)), "customer")


# ----- refusals -----------------------------------------------------------------------------------
def test_a_validation_fault_names_its_element_and_is_the_hubs_fatal_error(company):
    [customer] = _customers(company, "v")
    bad = json.dumps({"CustomerRef": {"value": customer}})  # an invoice needs at least one line
    response = company.api.client.http.post(
        f"{company.api.client.api_url}/company/{company.api.realm_id}/invoice",
        params={"minorversion": 75}, data=bad, timeout=30,
        headers={"Authorization": f"Bearer {company.api.client.auth_client.access_token}",
                 "Accept": "application/json", "Content-Type": "application/json"})
    assert response.status_code == 400
    fault = response.json()["Fault"]
    [error] = fault["Error"]
    assert fault["type"] == "ValidationFault" and error["code"] in ("2010", "2020", "6000")
    assert error["Message"] and error["Detail"] and error["element"] == "Line"
    with pytest.raises(FatalError) as refused:
        company.api.call(lambda qb: qb.create_object("Invoice", bad), "invoice")
    assert refused.value.status == 400 and f"[{error['code']}] (element Line)" in str(refused.value)


def test_a_batch_element_answers_for_itself_while_the_others_succeed(company):
    [taken] = _customers(company, "dup")
    name = company.read("Customer", taken)["DisplayName"]
    items = [company.item("customer", {"name": f"revhub-contract-{company.run}-ok"}),
             company.item("customer", {"name": name})]  # a second customer of that name: 6240
    ok, duplicate = company.pusher().push("customer", items)
    assert ok.status == "sent", ok.error
    company.made.append(("Customer", ok.external_id))
    assert duplicate.status == "dead" and "Duplicate Name Exists Error [6240]" in duplicate.error
    assert [c["Id"] for c in company.query(f"SELECT * FROM Customer WHERE DisplayName = '{name}'")[
        "QueryResponse"]["Customer"]] == [taken]


# ----- rate limits --------------------------------------------------------------------------------
def test_a_throttled_request_is_a_429_in_qbos_shape_that_the_client_retries_later(company):
    if company.sandbox is None:
        pytest.skip("provoking a 429 spends the company's 500 calls a minute; only the sandbox is throttled on demand")
    throttle = company.sandbox.throttle
    saved, throttle.per_minute = throttle.per_minute, 0  # the realm's minute is spent
    try:
        response = company.api.client.http.get(
            f"{company.api.client.api_url}/company/{company.api.realm_id}/query",
            params={"query": "SELECT * FROM Customer MAXRESULTS 1"}, timeout=10,
            headers={"Authorization": f"Bearer {company.api.client.auth_client.access_token}",
                     "Accept": "application/json"})
        with pytest.raises(RetriableError) as throttled:
            company.query("SELECT * FROM Customer MAXRESULTS 1")
    finally:
        throttle.per_minute = saved
    assert response.status_code == 429
    [error] = response.json()["Fault"]["Error"]
    assert error["code"] == "3001" and "ThrottleExceeded" in error["Message"]
    assert throttled.value.status == 429
    # With retries (as the connector runs), the next attempt after the throttle passes succeeds.
    company.sandbox.faults.add(FaultRule(kind="429", count=1))
    patient = QuickBooksAPI(company.api.auth, company.api.settings, limiter=company.api.limiter,
                            retry=RetryPolicy(attempts=3, max_backoff_seconds=0.2))
    patient._client = company.api.client  # the connection's client: discovery is not what is throttled here
    answer = patient.call(lambda qb: qb.query("SELECT * FROM Customer MAXRESULTS 1"))
    assert answer["QueryResponse"]["Customer"] and patient.calls == 2


# ----- webhooks -----------------------------------------------------------------------------------
class _Receiver(BaseHTTPRequestHandler):
    got: list = []

    def do_POST(self) -> None:  # noqa: N802 - http.server's name
        body = self.rfile.read(int(self.headers["Content-Length"]))
        self.got.append((dict(self.headers), body))
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args) -> None:
        """Quiet."""


def test_a_webhook_is_signed_with_the_verifier_token_and_checked_by_the_hub(company):
    if company.sandbox is None:
        pytest.skip("a real company's webhooks go to the app's public endpoint, not to this test")
    server = HTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.handle_request, daemon=True).start()
    _Receiver.got = []
    token = f"verifier-{company.run}"
    company.sandbox.configure_webhooks(f"http://127.0.0.1:{server.server_address[1]}/webhooks/quickbooks/c", token)
    try:
        [customer] = _customers(company, "hook")
        company.sandbox.webhooks.flush()
    finally:
        company.sandbox.webhooks.reset()
        server.server_close()
    [(headers, body)] = _Receiver.got
    signature = headers["intuit-signature"]
    assert intuit_signature_valid(body, signature, token)
    assert not intuit_signature_valid(body, signature, token + "x")
    assert not intuit_signature_valid(body.replace(customer.encode(), b"0"), signature, token)
    assert not intuit_signature_valid(body, None, token)
    events = json.loads(body)
    assert [(e["type"], e["intuitentityid"]) for e in events] == [("qbo.customer.created.v1", customer)]
