from __future__ import annotations

import pytest
from hubspot import HubSpot

from revhub.sandbox.dataset import generate
from revhub.sandbox.hubspot import HubSpotSandbox
from revhub.sandbox.server import SandboxServer


@pytest.fixture
def portal():
    """A seeded HubSpot sandbox on loopback; yields (sandbox, base url)."""
    sandbox = HubSpotSandbox(seed=3)
    sandbox.load_dataset(generate(3, seed=7))
    server = SandboxServer(sandbox).start()
    yield sandbox, server.url
    server.stop()
    sandbox.close()


@pytest.fixture
def client(portal) -> HubSpot:
    sandbox, url = portal
    return HubSpot(access_token=sandbox.access_token, host=url)
