"""``revhub connections check NAME``: prove a connection works and say what is missing.

Each check is a real call (no dry-run flags exist for writes): the credentials authenticate
(a token refresh where there is one), each scope or permission revhub reads with answers,
and what revhub books to or reads exists: Xero accounts and tax types, Salesforce's custom
objects and fields, Stripe's webhook endpoint with the events revhub handles.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from revhub.connectors.errors import ConnectorError


@dataclass(frozen=True)
class Finding:
    ok: bool
    what: str
    detail: str


FAILED = object()  # what _probe returns for a call that failed (a call may return None)


def _probe(findings: list[Finding], what: str, call: Callable[[], Any], ok: str = "answers") -> Any:
    """Run ``call``; record a finding either way; the call's result, or FAILED."""
    try:
        result = call()
    except ConnectorError as exc:
        findings.append(Finding(False, what, str(exc)))
        return FAILED
    findings.append(Finding(True, what, ok))
    return result


# -- Stripe ---------------------------------------------------------------------------
# https://docs.stripe.com/keys/restricted-api-keys: one read per resource revhub reads.
STRIPE_READS = (("Customers", "/v1/customers"), ("Products", "/v1/products"), ("Prices", "/v1/prices"),
                ("Invoices", "/v1/invoices"), ("Invoice items", "/v1/invoiceitems"), ("Tax rates", "/v1/tax_rates"),
                ("Charges", "/v1/charges"), ("Refunds", "/v1/refunds"), ("PaymentIntents", "/v1/payment_intents"),
                ("Balance transactions", "/v1/balance_transactions"), ("Payouts", "/v1/payouts"),
                ("Subscriptions", "/v1/subscriptions"), ("Events", "/v1/events"))


def check_stripe(name: str, connector, credentials: dict[str, Any]) -> list[Finding]:
    from revhub.connectors.stripe.streams import ENTITY_OF_EVENT

    api, findings = connector.api, []
    if _probe(findings, "auth", lambda: api.get("/v1/customers", "customer", limit=1), "the API key works") is FAILED:
        return findings
    for resource, path in STRIPE_READS[1:]:
        _probe(findings, f"permission {resource}: read", lambda p=path: api.get(p, None, limit=1), "granted")
    body = _probe(findings, "permission Webhook Endpoints: read",
                  lambda: api.get("/v1/webhook_endpoints", "webhook_endpoint", limit=100), "granted")
    if body is not FAILED:
        findings.append(_stripe_endpoint(name, body.get("data") or [], set(ENTITY_OF_EVENT)))
    secrets = credentials.get("webhook_secrets") or ([credentials["webhook_secret"]]
                                                     if credentials.get("webhook_secret") else [])
    findings.append(Finding(bool(secrets), "credential webhook_secrets",
                            f"{len(secrets)} signing secret(s)" if secrets else
                            "missing: add the endpoint's signing secret (whsec_…) or every event is refused"))
    return findings


def _stripe_endpoint(name: str, endpoints: list[dict[str, Any]], wanted: set[str]) -> Finding:
    path = f"/webhooks/stripe/{name}"
    ours = [e for e in endpoints if str(e.get("url", "")).rstrip("/").endswith(path)]
    if not ours:
        return Finding(False, "webhook endpoint", f"none posts to …{path}; add one (docs/setup/stripe.md)")
    best = max(ours, key=lambda e: (e.get("status") == "enabled", len(set(e.get("enabled_events") or ()))))
    if best.get("status") != "enabled":
        return Finding(False, "webhook endpoint", f"{best.get('url')} is {best.get('status')}")
    events = set(best.get("enabled_events") or ())
    missing = sorted(wanted - events) if "*" not in events else []
    if missing:
        return Finding(False, "webhook endpoint", f"{best.get('url')} does not send {', '.join(missing)}")
    return Finding(True, "webhook endpoint", f"{best.get('url')} sends every event revhub handles")


# -- Xero -----------------------------------------------------------------------------
def check_xero(name: str, connector, settings: dict[str, Any]) -> list[Finding]:
    from revhub.mappings.ledger_settings import LedgerSettingsError, ledger_settings
    from revhub.tax.mapping import TaxMappingError, xero_tax_types

    api, findings = connector.api, []
    if _probe(findings, "auth (offline_access)", api.auth.refresh, "the refresh token works; the new one is saved") \
            is FAILED:
        return findings
    accounts = _probe(findings, "scope accounting.settings.read", lambda: api.call("get_accounts", "account"),
                      "granted")
    _probe(findings, "scope accounting.contacts", lambda: api.call("get_contacts", "contact", page=1, page_size=1),
           "granted")
    _probe(findings, "scope accounting.transactions",
           lambda: api.call("get_invoices", "invoice", page=1, page_size=1), "granted")
    rates = _probe(findings, "tax rates", lambda: api.call("get_tax_rates", "tax_rate"), "read")
    try:
        ledger, tax_types = ledger_settings(settings), xero_tax_types(settings)
    except (LedgerSettingsError, TaxMappingError) as exc:
        return [*findings, Finding(False, "settings", str(exc))]
    if accounts is not FAILED:
        findings += _xero_accounts(accounts.get("Accounts") or [], settings, ledger)
    if rates is not FAILED:
        present = {r.get("TaxType"): r.get("Status") for r in rates.get("TaxRates") or []}
        for code, tax_type in tax_types.items():
            status = present.get(tax_type)
            findings.append(Finding(status == "ACTIVE", f"tax type {tax_type} ({code})",
                                    "active" if status == "ACTIVE" else
                                    f"{'missing' if status is None else status.lower()} in the organisation: map "
                                    f"{code} to one of yours with the setting tax_types"))
    return findings


def _xero_accounts(accounts: list[dict[str, Any]], settings: dict[str, Any], ledger) -> list[Finding]:
    by_code = {a.get("Code"): a for a in accounts if a.get("Code")}
    wanted = [("sales_account_code", settings.get("sales_account_code", "200"), False),
              ("clearing_account_code", ledger.clearing_account_code, True)]
    if ledger.books_fees:
        wanted += [("bank_account_code", ledger.bank_account_code, True),
                   ("fee_account_code", ledger.fee_account_code, False)]
    findings = []
    for setting, code, bank in wanted:
        account = by_code.get(code)
        what = f"account {code} ({setting})"
        if account is None:
            findings.append(Finding(False, what, "missing from the chart of accounts"))
        elif account.get("Status") != "ACTIVE":
            findings.append(Finding(False, what, f"is {str(account.get('Status')).lower()}"))
        elif bank and account.get("Type") != "BANK" and not account.get("EnablePaymentsToAccount"):
            findings.append(Finding(False, what, f"is {account.get('Type')}: payments need a BANK account "
                                                 f"(or one with payments enabled)"))
        else:
            findings.append(Finding(True, what, f"{account.get('Name')} ({account.get('Type')})"))
    return findings


# -- Salesforce -----------------------------------------------------------------------
def check_salesforce(name: str, connector, credentials: dict[str, Any], settings: dict[str, Any]) -> list[Finding]:
    from revhub.connectors.salesforce.connector import LINE_FIELDS, STREAMS
    from revhub.connectors.salesforce.prerequisites import MULTI_CURRENCY_NEEDED

    api, findings = connector.api, []
    if credentials.get("refresh_token"):
        if _probe(findings, "auth (refresh_token)", api.refresh, "the refresh token works") is FAILED:
            return findings
    if _probe(findings, "scope api", lambda: api.request(lambda sf: sf.limits(), "limits"), "granted") is FAILED:
        return findings
    wanted = {s.remote: set(s.fields) for s in STREAMS.values()}
    wanted["Purchase_Order_Line__c"] = set(LINE_FIELDS.split())
    for sobject, fields in wanted.items():
        described = _probe(findings, f"object {sobject}",
                           lambda o=sobject: api.request(lambda sf: getattr(sf, o).describe(), o), "described")
        if described is FAILED:
            continue
        have = {f["name"] for f in described["fields"]}
        missing = sorted(fields - have)
        findings.append(Finding(not missing, f"fields of {sobject}",
                                "all present" if not missing else
                                f"missing {', '.join(missing)}: deploy salesforce/ (docs/setup/salesforce.md)"))
        if sobject == "Account":
            findings.append(Finding("CurrencyIsoCode" in have, "multiple currencies",
                                    "enabled" if "CurrencyIsoCode" in have else MULTI_CURRENCY_NEEDED))
    for what, present, hint in (
            ("credential outbound_secret", credentials.get("outbound_secret"),
             "missing: outbound messages are refused without it"),
            ("setting organization_id", settings.get("organization_id"),
             "missing: outbound messages are refused without it")):
        findings.append(Finding(bool(present), what, "set" if present else hint))
    return findings


def check_connection(row, vault, save: Callable[[dict[str, Any]], None]) -> list[Finding]:
    """Every finding about connection ``row`` (a store Connection)."""
    from revhub.connectors.registry import build_connector

    credentials, settings = vault.open(row.credentials), dict(row.settings or {})
    try:
        connector = build_connector(row, vault, save)
    except ConnectorError as exc:
        return [Finding(False, "configuration", str(exc))]
    if row.provider == "stripe":
        return check_stripe(row.name, connector, credentials)
    if row.provider == "xero":
        return check_xero(row.name, connector, settings)
    if row.provider == "hubspot":
        from revhub.connectors.hubspot.check import check_hubspot

        return check_hubspot(connector, _probe, Finding)
    return check_salesforce(row.name, connector, credentials, settings)
