"""An OAuth app's connection: no access token to start with, a 30-minute one from the refresh
token (saved the moment it arrives), and a new one when HubSpot answers 401."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from revhub.connections import save_connection
from revhub.store import Connection
from revhub.sync.jobs import sync_one

pytestmark = pytest.mark.store


def _credentials(db, vault) -> dict:
    with db.session() as s:
        return vault.open(s.scalar(select(Connection).where(Connection.name == "hubspot")).credentials)


def test_an_oauth_connection_refreshes_its_token_and_again_once_it_expires(db, vault, sandboxes):
    running = sandboxes("hubspot", companies=2)
    portal = running["hubspot"]
    hs = portal.sandbox
    with db.session(write=True) as s:
        save_connection(s, vault, name="hubspot", provider="hubspot", settings=portal.settings,
                        credentials={"client_id": hs.client_id, "client_secret": hs.client_secret,
                                     "refresh_token": hs.refresh_token})

    first = sync_one(db, vault, "hubspot", "customer")

    assert first.status == "succeeded" and first.counts.created == 2, first.note
    token = _credentials(db, vault)["access_token"]
    assert token in hs.issued
    running.clock.advance(1801)  # past the 30 minutes HubSpot gives an access token

    second = sync_one(db, vault, "hubspot", "customer")

    assert second.status == "succeeded", second.note
    renewed = _credentials(db, vault)
    assert renewed["access_token"] != token and renewed["refresh_token"] == hs.refresh_token
    refused = [r for r in hs.requests.entries() if r.status == 401]
    assert len(refused) == 1  # the expired token, once; then the new one


def test_a_refused_refresh_token_stops_the_run_with_a_message_naming_it(db, vault, sandboxes):
    running = sandboxes("hubspot", companies=1)
    hs = running["hubspot"].sandbox
    with db.session(write=True) as s:
        save_connection(s, vault, name="hubspot", provider="hubspot", settings=running["hubspot"].settings,
                        credentials={"client_id": hs.client_id, "client_secret": hs.client_secret,
                                     "refresh_token": "revoked"})

    summary = sync_one(db, vault, "hubspot", "customer")

    assert summary.status == "failed" and "token refresh refused" in summary.note
