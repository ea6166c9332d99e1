"""Start the provider sandboxes together, and say how the hub connects to each.

Used by ``revhub sandbox``, ``revhub demo`` and the integration tests, so all three run the
sandboxes the same way.
"""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from revhub.sandbox.clock import SandboxClock
from revhub.sandbox.common import Sandbox
from revhub.sandbox.dataset import Dataset
from revhub.sandbox.server import SandboxServer
from revhub.sandbox.xero import seeding as xero_seed

PROVIDERS = ("salesforce", "stripe", "xero")
# How the hub books Stripe money in the sandbox organisation's chart (accounts.DEFAULT_CHART), as
# the Xero seed does: payments into the Stripe clearing account, each charge's fee a spend-money
# to Bank Fees, each landed payout a transfer from clearing to the business bank account.
# Per charge, not per payout: each fee then names its Stripe balance transaction, so the books
# check meets it one for one (a per-payout booking lands in the month the payout arrives, and
# the fees of a payout still in transit are not booked yet).
XERO_LEDGER_SETTINGS = {"fee_treatment": "per_charge", "clearing_account_code": xero_seed.CLEARING_ACCOUNT,
                        "bank_account_code": xero_seed.BANK_ACCOUNT, "fee_account_code": xero_seed.FEE_ACCOUNT}


@dataclass
class RunningSandbox:
    provider: str
    sandbox: Sandbox
    server: SandboxServer
    credentials: dict[str, Any]
    settings: dict[str, Any]

    @property
    def url(self) -> str:
        return self.server.url


def _salesforce(home: Path, port: int, seed: int, clock: SandboxClock, options: dict) -> RunningSandbox:
    from revhub.sandbox.salesforce import SalesforceSandbox
    from revhub.sandbox.tls import ensure_tls, server_ssl_context

    tls_dir = home / "tls"
    ca_path, _, _ = ensure_tls(tls_dir)
    sandbox = SalesforceSandbox(seed=seed, clock=clock, outbound_verify=False, **options)
    server = SandboxServer(sandbox, port=port, ssl_context=server_ssl_context(tls_dir)).start()
    creds = sandbox.creds
    return RunningSandbox(
        "salesforce", sandbox, server,
        credentials={"client_id": creds.client_id, "client_secret": creds.client_secret,
                     "refresh_token": creds.refresh_token,
                     # The secret in the hub's outbound-message URL (/webhooks/salesforce/<name>/<secret>).
                     "outbound_secret": secrets.token_urlsafe(24)},
        settings={"instance_url": server.url, "token_url": f"{server.url}/services/oauth2/token",
                  "ca_bundle": ca_path, "organization_id": sandbox.org_id})


def _xero(home: Path, port: int, seed: int, clock: SandboxClock, options: dict) -> RunningSandbox:
    from revhub.sandbox.xero import XeroSandbox

    sandbox = XeroSandbox(seed=seed, clock=clock, **options)
    server = SandboxServer(sandbox, port=port).start()
    # The consent step of a real install: the hub starts from a refresh token.
    token = sandbox.issue_token()
    return RunningSandbox(
        "xero", sandbox, server,
        credentials={"client_id": sandbox.authority.client_id, "client_secret": sandbox.authority.client_secret,
                     "refresh_token": token["refresh_token"]},
        settings={"identity_url": server.url, "api_url": server.url, "tenant_id": sandbox.default_tenant_id,
                  **XERO_LEDGER_SETTINGS})


def _stripe(home: Path, port: int, seed: int, clock: SandboxClock, options: dict) -> RunningSandbox:
    from revhub.sandbox.stripe import StripeSandbox

    sandbox = StripeSandbox(seed=seed, clock=clock, **options)
    server = SandboxServer(sandbox, port=port).start()
    return RunningSandbox("stripe", sandbox, server, credentials={"api_key": sandbox.api_key},
                          settings={"base_url": server.url})


def _hubspot(home: Path, port: int, seed: int, clock: SandboxClock, options: dict) -> RunningSandbox:
    from revhub.sandbox.hubspot import HubSpotSandbox

    sandbox = HubSpotSandbox(seed=seed, clock=clock, **options)
    server = SandboxServer(sandbox, port=port).start()
    # A private app's access token, and the app's client secret that signs its webhooks.
    return RunningSandbox("hubspot", sandbox, server,
                          credentials={"access_token": sandbox.access_token, "client_secret": sandbox.client_secret},
                          settings={"base_url": server.url, "portal_id": sandbox.portal_id})



def _quickbooks(home: Path, port: int, seed: int, clock: SandboxClock, options: dict) -> RunningSandbox:
    from revhub.sandbox.quickbooks import QuickBooksSandbox
    from revhub.sandbox.quickbooks.sandbox import DEFAULT_VERIFIER_TOKEN
    from revhub.sandbox.quickbooks.seeding import CLEARING_ACCOUNT

    sandbox = QuickBooksSandbox(seed=seed, clock=clock, **options)
    server = SandboxServer(sandbox, port=port).start()
    # The consent step of a real install: the hub starts from a refresh token.
    return RunningSandbox(
        "quickbooks", sandbox, server,
        credentials={"client_id": sandbox.authority.client_id, "client_secret": sandbox.authority.client_secret,
                     "refresh_token": sandbox.issue_token()["refresh_token"],
                     "verifier_token": DEFAULT_VERIFIER_TOKEN},
        settings={"discovery_url": f"{server.url}/.well-known/openid_configuration/",
                  "api_url": f"{server.url}/v3", "realm_id": sandbox.realm_id,
                  # Stripe money is deposited to the clearing bank account, as the seed books it.
                  "deposit_account_id": CLEARING_ACCOUNT})


STARTERS: dict[str, Callable[..., RunningSandbox]] = {"salesforce": _salesforce, "stripe": _stripe, "xero": _xero,
                                                      "hubspot": _hubspot, "quickbooks": _quickbooks}


@dataclass
class SandboxSet:
    """The running sandboxes, by provider."""

    home: Path
    seed: int = 0
    clock: SandboxClock = field(default_factory=SandboxClock)
    running: dict[str, RunningSandbox] = field(default_factory=dict)

    def start(self, providers: tuple[str, ...] = PROVIDERS, ports: dict[str, int] | None = None,
              options: dict[str, dict] | None = None) -> SandboxSet:
        self.home.mkdir(parents=True, exist_ok=True)
        for provider in providers:
            starter = STARTERS.get(provider)
            if starter is None:
                raise ValueError(f"no sandbox for provider {provider!r} (have: {', '.join(sorted(STARTERS))})")
            self.running[provider] = starter(self.home, (ports or {}).get(provider, 0), self.seed, self.clock,
                                             (options or {}).get(provider, {}))
        return self

    def load(self, dataset: Dataset) -> None:
        for running in self.running.values():
            running.sandbox.load_dataset(dataset)

    def __getitem__(self, provider: str) -> RunningSandbox:
        return self.running[provider]

    def stop(self) -> None:
        for running in self.running.values():
            running.server.stop()
            close = getattr(running.sandbox, "close", None)
            if close:
                close()
        self.running.clear()

    def connect(self, db, vault, names: dict[str, str] | None = None) -> None:
        """Save a hub connection per running sandbox (named after the provider unless given)."""
        from revhub.connections import save_connection

        with db.session(write=True) as s:
            for provider, running in self.running.items():
                save_connection(s, vault, name=(names or {}).get(provider, provider), provider=provider,
                                credentials=running.credentials, settings=running.settings)
