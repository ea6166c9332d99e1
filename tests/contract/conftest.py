"""Contract tests: each provider call revhub makes, against the sandbox and, when credentials
are set in the environment, against the real provider's test account.

A real run never happens by accident: without its variable the real target is skipped with a
reason that names the variable. The sandbox target always runs (``make test``).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from typing import Any

import pytest
import stripe

from revhub.sandbox.server import SandboxServer
from revhub.sandbox.stripe import StripeSandbox

STRIPE_KEY_VARIABLE = "REVHUB_CONTRACT_STRIPE_KEY"


def credentials_or_skip(variables: tuple[str, ...], what: str) -> dict[str, str]:
    """The credentials in ``variables``, or skip this target naming the variables it still needs."""
    values = {v: os.environ.get(v, "").strip() for v in variables}
    missing = [v for v, value in values.items() if not value]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not set: the contract run against {what} is skipped "
                    f"(set {'it' if len(variables) == 1 else 'all of them'} to run the same tests against "
                    "your own account)")
    return values


def credential_or_skip(variable: str, what: str) -> str:
    """The credential in ``variable``, or skip this target saying which variable enables it."""
    return credentials_or_skip((variable,), what)[variable]


@dataclass
class StripeTarget:
    """Where the Stripe contract runs: the sandbox (with its control surface) or a real account."""

    name: str
    client: stripe.StripeClient
    sandbox: StripeSandbox | None = None
    url: str | None = None

    def inject_fault(self, kind: str, count: int = 1) -> None:
        """Make the next ``count`` requests fail with ``kind`` (sandbox only)."""
        import requests

        if self.sandbox is None:
            pytest.skip(f"a {kind} cannot be provoked on a real Stripe account on demand")
        requests.post(f"{self.url}/__sandbox/faults", json={"kind": kind, "count": count}, timeout=10)


@pytest.fixture(params=["sandbox", "stripe-test-mode"])
def stripe_target(request) -> Any:
    """Each Stripe contract test once on the sandbox, once on a real test-mode account."""
    if request.param == "stripe-test-mode":
        key = credential_or_skip(STRIPE_KEY_VARIABLE, "a real Stripe test-mode account")
        if not key.startswith(("sk_test_", "rk_test_")):
            pytest.skip(f"{STRIPE_KEY_VARIABLE} must be a test-mode key (sk_test_…); live keys are never used")
        yield StripeTarget("stripe-test-mode", stripe.StripeClient(key, max_network_retries=2))
        return
    sandbox = StripeSandbox()
    with SandboxServer(sandbox) as server:
        client = stripe.StripeClient(sandbox.api_key, base_addresses={"api": server.url}, max_network_retries=0)
        yield StripeTarget("sandbox", client, sandbox, server.url)
    sandbox.close()
