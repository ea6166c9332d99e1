"""Structured logs: one JSON event per line with request and run ids, and never a secret, even at
DEBUG through a whole run (sandboxes, sync, webhooks, inbox and outbox drains)."""

from __future__ import annotations

import io
import json
import logging

import pytest
from sqlalchemy import select

from revhub import logs
from revhub.connections import update_credentials
from revhub.store import Connection, Customer
from revhub.sync.jobs import plan, sync_all
from revhub.webhooks.worker import InboxWorker
from tests.integration.clients import drain
from tests.integration.conftest import sandboxes, vault  # noqa: F401  (fixtures)
from tests.integration.purchase_orders import submit_po
from tests.webhooks.conftest import STRIPE_SECRET, XERO_KEY, stripe_event, stripe_header, xero_header

pytestmark = pytest.mark.store


@pytest.fixture
def captured():
    """Everything logged during the test, as the JSON lines `revhub serve` would print, at DEBUG."""
    root = logging.getLogger()
    saved = (list(root.handlers), root.level)
    stream = io.StringIO()
    logs.configure(style="json", level="DEBUG", stream=stream)
    yield stream
    for handler in list(root.handlers):
        root.removeHandler(handler)
    for handler in saved[0]:
        root.addHandler(handler)
    root.setLevel(saved[1])


def _strings(value) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [s for v in value.values() for s in _strings(v)]
    if isinstance(value, list | tuple):
        return [s for v in value for s in _strings(v)]
    return []


def test_a_full_run_at_debug_logs_json_with_ids_and_no_secret(captured, app, config, db, vault, sandboxes):  # noqa: F811
    running = sandboxes("salesforce", "stripe", "xero", companies=3)
    with db.session(write=True) as s:
        update_credentials(s, vault, "stripe", {"webhook_secrets": [STRIPE_SECRET]})
        update_credentials(s, vault, "xero", {"webhook_key": XERO_KEY})
    results = sync_all(db, vault, plan(db))
    assert all(r.status == "succeeded" for r in results)
    client = app.test_client()
    body = stripe_event(event_id="evt_logs_1", kind="customer.created")
    assert client.post("/webhooks/stripe/stripe", data=body,
                       headers={"Stripe-Signature": stripe_header(body)}).status_code == 200
    xero_body = json.dumps({"events": [], "firstEventSequence": 0, "lastEventSequence": 0,
                            "entropy": "ABCDEF"}).encode()
    assert client.post("/webhooks/xero/xero", data=xero_body,
                       headers={"x-xero-signature": xero_header(xero_body)}).status_code == 200
    InboxWorker(db, vault, "logs-test").drain()
    with db.session() as s:
        email = s.scalars(select(Customer.email).order_by(Customer.name)).first()
    submit_po(db, email, "USD", 1, "10.00", "10.00", number="4500077777", terms="NET30")
    drain(db, vault)
    client.get("/healthz/ready")
    client.get("/metrics")

    secrets = {config.encryption_key, config.secret_key, config.api_token, STRIPE_SECRET, XERO_KEY,
               running["salesforce"].sandbox.sessions.static_token}
    with db.session() as s:  # every credential as stored after the run (refreshed tokens included)
        for connection in s.scalars(select(Connection)):
            secrets.update(_strings(vault.open(connection.credentials)))
    secrets = {s for s in secrets if len(s) >= 8}
    text = captured.getvalue()
    events = [json.loads(line) for line in text.splitlines()]  # one JSON event per line
    assert len(events) > 10
    leaked = sorted(s[:6] + "..." for s in secrets if s in text)
    assert not leaked, f"secrets in the logs: {leaked}"
    assert any(e["logger"] == "revhub.http" and e["request_id"] for e in events)
    assert any(e["run_id"] for e in events if e["logger"].startswith("revhub.sync"))
    assert not [e for e in events if e["logger"].split(".")[0] in ("stripe", "urllib3", "simple_salesforce")
                and e["level"] in ("DEBUG", "INFO")]
