"""What the integration tests share: the clients they read the sandboxes back with, as a user of
each API would, an outbox drain that fails on dead letters, and a poll with a deadline."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
import stripe
from sqlalchemy import select

from revhub.mappings.outbox import OutboxWorker
from revhub.sandbox.tls import trusting_session
from revhub.store import OutboxMessage


def stripe_client(running) -> stripe.StripeClient:
    """stripe-python's client on the running Stripe sandbox, without its own retries."""
    return stripe.StripeClient(running["stripe"].credentials["api_key"],
                               base_addresses={"api": running["stripe"].url}, max_network_retries=0)


def salesforce_po(running, sf_id: str) -> dict:
    """The Purchase_Order__c record as the Salesforce REST API returns it."""
    sf = running["salesforce"]
    session = trusting_session(sf.settings["ca_bundle"])
    response = session.get(f"{sf.url}/services/data/v62.0/sobjects/Purchase_Order__c/{sf_id}",
                           headers={"Authorization": f"Bearer {sf.sandbox.sessions.static_token}"})
    assert response.status_code == 200, response.text
    return response.json()


def drain(db, vault, target: str | None = None) -> None:
    """Drain the outbox (one target, or all); any dead letter fails the test with its reason."""
    result = OutboxWorker(db, vault, "test-worker").drain(target=target)
    if result.dead:
        query = select(OutboxMessage).where(OutboxMessage.status == "dead")
        if target:
            query = query.where(OutboxMessage.target_system == target)
        with db.session() as s:
            dead = s.scalars(query).all()
        raise AssertionError([(m.target_system, m.entity, m.operation, m.last_error) for m in dead])


def wait_for(condition: Callable[[], object], what: str, timeout: float = 10.0):
    """Poll ``condition`` until it is truthy; fail naming ``what`` after ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            pytest.fail(f"timed out waiting for {what}")
        time.sleep(0.05)
