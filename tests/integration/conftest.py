"""Integration fixtures: real sandboxes on loopback, real SDKs, the hub's store."""

from __future__ import annotations

import pytest

from revhub.connections import Vault
from revhub.connectors.resilience import forget_limiters
from revhub.sandbox.dataset import generate
from revhub.sandbox.launch import SandboxSet
from revhub.sync.jobs import plan, sync_all
from tests.sandbox.xero.xero_models import assert_exchanges_fit_models


@pytest.fixture
def vault(config) -> Vault:
    return Vault(config.encryption_key)


@pytest.fixture
def sandboxes(tmp_path, db, vault):
    """``sandboxes("salesforce", "xero", companies=8)`` starts, seeds and connects sandboxes."""
    started: list[SandboxSet] = []
    # New sandboxes have fresh rate windows; so must the hub's pacing (it is per tenant, and
    # every Xero sandbox has the same default tenant id).
    forget_limiters()

    def start(*providers: str, companies: int | None = 8, seed: int = 7, options: dict | None = None) -> SandboxSet:
        running = SandboxSet(tmp_path / "sandboxes", seed=seed).start(providers, options=options)
        started.append(running)
        if companies:
            running.load(generate(companies, seed=seed))
        running.connect(db, vault)
        return running

    yield start
    xero = [r["xero"].sandbox for r in started if "xero" in r.running]
    for running in started:
        running.stop()
    for sandbox in xero:  # what the hub sent to Xero and got back, held to xero-python's models
        assert_exchanges_fit_models(sandbox)


@pytest.fixture
def hub(db, vault, sandboxes):
    """All three sandboxes, seeded with three companies and synced once."""
    running = sandboxes("salesforce", "stripe", "xero", companies=3)
    results = sync_all(db, vault, plan(db))
    assert all(r.status == "succeeded" for r in results), [(r.connection, r.entity, r.note) for r in results]
    return running
