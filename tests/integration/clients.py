"""Clients the integration tests read the sandboxes back with, as a user of each API would."""

from __future__ import annotations

import stripe

from revhub.sandbox.tls import trusting_session


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
