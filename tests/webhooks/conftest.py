import base64
import hashlib
import hmac
import json
import time

import pytest

from revhub.connections import Vault, save_connection

STRIPE_SECRET = "whsec_test_5b8e2a9c0d4f"
OLD_STRIPE_SECRET = "whsec_test_rotated_1a2b"
XERO_KEY = "xero-webhook-key-Zm9vYmFy"
ORG_ID = "00Dxx0000000001AAA"
SALESFORCE_SECRET = "sf-outbound-3b9c1e7d5a"
SALESFORCE_URL = f"/webhooks/salesforce/salesforce/{SALESFORCE_SECRET}"


def stripe_header(body: bytes, secret: str = STRIPE_SECRET, at: int | None = None) -> str:
    t = int(time.time()) if at is None else at
    sig = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={sig}"


def xero_header(body: bytes, key: str = XERO_KEY) -> str:
    return base64.b64encode(hmac.new(key.encode(), body, hashlib.sha256).digest()).decode()


def stripe_event(event_id: str = "evt_1QabcDEF", kind: str = "customer.updated", created: int = 1764000000,
                 **obj) -> bytes:
    data = {"id": "cus_Q1w2E3", "object": "customer", "name": "Acme Labs Inc.",
            "email": "ap@acmelabs.example", "address": {"country": "US"}, "metadata": {}, **obj}
    return json.dumps({"id": event_id, "object": "event", "api_version": "2026-10-28.endive",
                       "created": created, "type": kind, "livemode": False, "pending_webhooks": 1,
                       "request": {"id": None, "idempotency_key": None},
                       "data": {"object": data}}).encode()


@pytest.fixture
def hooked(app, db, config):
    vault = Vault(config.encryption_key)
    with db.session(write=True) as s:
        save_connection(s, vault, name="stripe", provider="stripe",
                        credentials={"api_key": "sk_test_x", "webhook_secrets": [STRIPE_SECRET, OLD_STRIPE_SECRET]},
                        settings={"base_url": "http://127.0.0.1:9"})
        save_connection(s, vault, name="xero", provider="xero",
                        credentials={"webhook_key": XERO_KEY}, settings={"tenant_id": "t-1"})
        save_connection(s, vault, name="salesforce", provider="salesforce",
                        credentials={"outbound_secret": SALESFORCE_SECRET},
                        settings={"instance_url": "https://127.0.0.1:9", "organization_id": ORG_ID})
    return app
