"""Contract tests for each call revhub makes to Xero, through the hub's own client
(``revhub.connectors.xero.client.XeroAPI``, xero-python underneath), asserting the answers'
shapes against xero-python's models (``tests.sandbox.xero.xero_models``, strict).

Two targets: the sandbox, always (``make test``); a real Xero organisation (use a demo
company) when ``REVHUB_CONTRACT_XERO_ACCESS_TOKEN`` and ``REVHUB_CONTRACT_XERO_TENANT_ID`` are
set, otherwise skipped saying so. The real run writes a few contacts, invoices, payments and a
credit note named ``revhub-contract-<run>`` and voids what it can; it assumes the demo
company's bank account ``090`` and sales account ``200`` (``REVHUB_CONTRACT_XERO_BANK_ACCOUNT``
and ``REVHUB_CONTRACT_XERO_SALES_ACCOUNT`` override them). Provoking a 429 spends a minute's
calls, so on a real organisation it only runs with ``REVHUB_CONTRACT_XERO_PROVOKE_429=1``.
"""

from __future__ import annotations

import os
import re
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from xero_python.exceptions import AccountingBadRequestException, RateLimitException

from revhub.connectors.errors import FatalError, RetriableError
from revhub.connectors.resilience import Limits, RateLimiter, RetryPolicy
from revhub.connectors.xero.client import IDENTITY_URL, XeroAPI, XeroAuth, classify
from revhub.sandbox.server import SandboxServer
from revhub.sandbox.xero import XeroSandbox
from revhub.sandbox.xero.ratelimit import Limits as Limits429
from tests.contract.conftest import credentials_or_skip
from tests.sandbox.xero.xero_models import assert_exchanges_fit_models, check, check_answer

TOKEN_VARIABLE = "REVHUB_CONTRACT_XERO_ACCESS_TOKEN"
TENANT_VARIABLE = "REVHUB_CONTRACT_XERO_TENANT_ID"


@dataclass
class XeroTarget:
    """Where the Xero contract runs: the sandbox (with its control surface) or a real org."""

    name: str
    api: XeroAPI
    bank: str
    sales: str
    run: str  # makes names unique on a real organisation
    sandbox: XeroSandbox | None = None

    def call(self, method: str, **params: Any) -> dict[str, Any]:
        return self.api.call(method, "contract", **params)


def _real_target() -> XeroTarget:
    values = credentials_or_skip((TOKEN_VARIABLE, TENANT_VARIABLE), "a real Xero organisation (your demo company)")
    # An access token as given: never refreshed here (no refresh token is handed over).
    auth = XeroAuth({"access_token": values[TOKEN_VARIABLE], "expires_at": time.time() + 10**9},
                    IDENTITY_URL, save=lambda changes: None)
    api = XeroAPI(auth, values[TENANT_VARIABLE], retry=RetryPolicy(attempts=3))
    return XeroTarget("xero", api, os.environ.get("REVHUB_CONTRACT_XERO_BANK_ACCOUNT", "090"),
                      os.environ.get("REVHUB_CONTRACT_XERO_SALES_ACCOUNT", "200"),
                      uuid.uuid4().hex[:8])


@pytest.fixture(scope="module", params=["sandbox", "xero-demo-company"])
def xero(request):
    """Each contract test once on the sandbox, once on a real organisation when configured."""
    if request.param == "xero-demo-company":
        yield _real_target()
        return
    sandbox = XeroSandbox()
    with SandboxServer(sandbox) as server:
        token = sandbox.issue_token()
        auth = XeroAuth({"client_id": sandbox.authority.client_id,
                         "client_secret": sandbox.authority.client_secret,
                         "refresh_token": token["refresh_token"]}, server.url,
                        save=lambda changes: None)
        api = XeroAPI(auth, sandbox.default_tenant_id, server.url, retry=RetryPolicy(attempts=1),
                      limiter=RateLimiter(Limits(per_window=10_000, window_seconds=60)))
        yield XeroTarget("sandbox", api, "090", "200", uuid.uuid4().hex[:8], sandbox)
        # Everything revhub sent and every answer, held to the models once more.
        assert_exchanges_fit_models(sandbox)


def _contact(xero: XeroTarget, suffix: str = "") -> dict[str, Any]:
    body = {"Contacts": [{"Name": f"revhub-contract-{xero.run}{suffix}",
                          "EmailAddress": f"ap+{xero.run}@example.com",
                          "ContactNumber": f"rc-{xero.run}{suffix}"[:50]}]}
    answer = xero.call("update_or_create_contacts", contacts=body, summarize_errors=False,
                       idempotency_key=f"revhub-contract-contact-{xero.run}{suffix}")
    check("Contacts", answer)
    return answer["Contacts"][0]


def _invoice_body(xero: XeroTarget, contact_id: str, number: str, **extra: Any) -> dict:
    return {"Type": "ACCREC", "Status": "AUTHORISED", "LineAmountTypes": "NoTax",
            "Contact": {"ContactID": contact_id}, "InvoiceNumber": number,
            "Reference": f"PO-{xero.run}", "CurrencyCode": extra.pop("CurrencyCode", None) or
            _base_currency(xero), "Date": "2024-03-01", "DueDate": "2024-03-31",
            "LineItems": [{"Description": "Platform licence, 12 months", "Quantity": 3,
                           "UnitAmount": 33.33, "AccountCode": xero.sales}], **extra}


def _base_currency(xero: XeroTarget) -> str:
    return xero.call("get_organisations")["Organisations"][0]["BaseCurrency"]


def _invoice(xero: XeroTarget, suffix: str) -> dict[str, Any]:
    contact = _contact(xero, suffix)
    number = f"RC-{xero.run}-{suffix}"
    answer = xero.call("create_invoices", invoices={"Invoices": [
        _invoice_body(xero, contact["ContactID"], number)]}, summarize_errors=False,
        idempotency_key=f"revhub-contract-invoice-{xero.run}-{suffix}")
    check("Invoices", answer)
    return answer["Invoices"][0]


def test_contacts_are_created_and_updated(xero):
    created = _contact(xero, "-c")
    body = {"Contacts": [{"ContactID": created["ContactID"],
                          "EmailAddress": f"billing+{xero.run}@example.com"}]}
    updated = xero.call("update_or_create_contacts", contacts=body, summarize_errors=False,
                        idempotency_key=f"revhub-contract-contact-update-{xero.run}")
    check("Contacts", updated)
    assert updated["Contacts"][0]["EmailAddress"] == f"billing+{xero.run}@example.com"
    fetched = xero.call("get_contact", contact_id=created["ContactID"])
    check("Contacts", fetched)


def test_an_invoice_is_created_found_by_number_and_voided(xero):
    invoice = _invoice(xero, "i")
    assert invoice["StatusAttributeString"] == "OK" and invoice["Status"] == "AUTHORISED"
    assert (invoice["Total"], invoice["LineItems"][0]["LineAmount"]) == (99.99, 99.99)
    found = xero.call("get_invoices", invoice_numbers=[invoice["InvoiceNumber"]])
    check("Invoices", found)
    assert found["Invoices"][0]["Reference"] == f"PO-{xero.run}"
    voided = xero.call("update_invoice", invoice_id=invoice["InvoiceID"],
                       invoices={"Invoices": [{"InvoiceID": invoice["InvoiceID"],
                                               "Status": "VOIDED"}]},
                       idempotency_key=f"revhub-contract-void-{xero.run}")
    check("Invoices", voided)
    assert voided["Invoices"][0]["Status"] == "VOIDED"


def test_a_payment_is_recorded_against_an_invoice(xero):
    invoice = _invoice(xero, "p")
    answer = xero.call("create_payments", payments={"Payments": [{
        "Invoice": {"InvoiceID": invoice["InvoiceID"]}, "Account": {"Code": xero.bank},
        "Date": "2024-03-10", "Amount": 40.0, "Reference": f"ch_{xero.run}"}]},
        summarize_errors=False, idempotency_key=f"revhub-contract-payment-{xero.run}")
    check("Payments", answer)
    payment = answer["Payments"][0]
    assert payment["Amount"] == 40.0 and payment["Invoice"]["InvoiceID"] == invoice["InvoiceID"]
    check("Payments", xero.call("get_payment", payment_id=payment["PaymentID"]))
    after = xero.call("get_invoice", invoice_id=invoice["InvoiceID"])
    assert after["Invoices"][0]["AmountDue"] == 59.99


def test_a_refund_is_a_credit_note_paid_out(xero):
    contact = _contact(xero, "-r")
    note = xero.call("create_credit_notes", credit_notes={"CreditNotes": [{
        "Type": "ACCRECCREDIT", "Status": "AUTHORISED", "LineAmountTypes": "NoTax",
        "Contact": {"ContactID": contact["ContactID"]}, "CurrencyCode": _base_currency(xero),
        "Date": "2024-03-12", "Reference": f"Refund re_{xero.run}",
        "LineItems": [{"Description": "Refund", "Quantity": 1, "UnitAmount": 25.0,
                       "AccountCode": xero.sales}]}]},
        summarize_errors=False, idempotency_key=f"revhub-contract-credit-{xero.run}")
    check("CreditNotes", note)
    note_id = note["CreditNotes"][0]["CreditNoteID"]
    paid = xero.call("create_payments", payments={"Payments": [{
        "CreditNote": {"CreditNoteID": note_id}, "Account": {"Code": xero.bank},
        "Date": "2024-03-12", "Amount": 25.0, "Reference": f"re_{xero.run}"}]},
        summarize_errors=False, idempotency_key=f"revhub-contract-refund-{xero.run}")
    check("Payments", paid)
    fetched = xero.call("get_credit_note", credit_note_id=note_id)
    check("CreditNotes", fetched)
    assert fetched["CreditNotes"][0]["RemainingCredit"] == 0


@pytest.mark.parametrize("method,collection,extra", [
    ("get_contacts", "Contacts", {"include_archived": True}),
    ("get_invoices", "Invoices", {}),
    ("get_payments", "Payments", {}),
    ("get_credit_notes", "CreditNotes", {}),
])
def test_lists_page_since_a_time_in_the_order_revhub_asks(xero, method, collection, extra):
    since = datetime.now(UTC) - timedelta(days=1)
    answer = xero.call(method, if_modified_since=since, page=1, page_size=1000,
                       order="UpdatedDateUTC ASC", **extra)
    check(collection, answer)
    pagination = answer["pagination"]
    assert pagination["page"] == 1 and pagination["pageSize"] == 1000
    assert len(answer[collection]) == min(pagination["itemCount"], 1000)


def test_items_list_unpaged(xero):
    check("Items", xero.call("get_items", if_modified_since=datetime.now(UTC) - timedelta(days=1)))


def test_an_invalid_element_answers_for_itself_in_a_batch(xero):
    contact = _contact(xero, "-e")
    bad = _invoice_body(xero, contact["ContactID"], f"RC-{xero.run}-e",
                        LineItems=[{"Description": "x", "Quantity": 1, "UnitAmount": 1.0,
                                    "AccountCode": "NOPE-9"}])
    answer = xero.call("create_invoices", invoices={"Invoices": [bad]}, summarize_errors=False,
                       idempotency_key=f"revhub-contract-bad-{xero.run}")
    check("Invoices", answer)
    [element] = answer["Invoices"]
    assert element["StatusAttributeString"] == "ERROR"
    assert element["ValidationErrors"] and element["ValidationErrors"][0]["Message"]


def test_a_refused_call_is_a_validation_exception_with_the_element(xero):
    contact = _contact(xero, "-v")
    bad = _invoice_body(xero, contact["ContactID"], f"RC-{xero.run}-v",
                        LineItems=[{"Description": "x", "Quantity": 1, "UnitAmount": 1.0,
                                    "AccountCode": "NOPE-9"}])
    with pytest.raises(AccountingBadRequestException) as caught:
        xero.api.accounting.create_invoices(xero.api.tenant_id, invoices={"Invoices": [bad]})
    body = check_answer(caught.value.body, "PUT", "/api.xro/2.0/Invoices")
    assert body["ErrorNumber"] == 10 and body["Type"] == "ValidationException"
    with pytest.raises(FatalError, match=re.escape(caught.value.reason)):
        xero.call("create_invoices", invoices={"Invoices": [bad]})


def test_a_rate_limit_is_a_429_with_retry_after_that_revhub_retries_later(xero):
    if xero.sandbox is None and os.environ.get("REVHUB_CONTRACT_XERO_PROVOKE_429") != "1":
        pytest.skip("provoking a 429 spends a minute of the organisation's calls: set "
                    "REVHUB_CONTRACT_XERO_PROVOKE_429=1 to run it against real Xero")
    if xero.sandbox is not None:  # the sandbox's own minute limit, made small
        saved = xero.sandbox.limiter.limits
        xero.sandbox.limiter.limits = Limits429(per_minute=3)
    try:
        # Straight through xero-python: revhub's pacing would (rightly) wait instead.
        with pytest.raises(RateLimitException) as caught:
            for _ in range(70):
                xero.api.accounting.get_invoices(xero.api.tenant_id, page=1, page_size=1)
    finally:
        if xero.sandbox is not None:
            xero.sandbox.limiter.limits = saved
            xero.sandbox.limiter.reset()
    headers = caught.value.headers
    assert caught.value.status == 429 and int(headers["Retry-After"]) > 0
    assert headers["X-Rate-Limit-Problem"] == "minute"
    retriable = classify(caught.value, "invoice")
    assert isinstance(retriable, RetriableError) and retriable.retry_after == float(
        headers["Retry-After"])
