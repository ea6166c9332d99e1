import pytest
import stripe

from revhub.sandbox.server import SandboxServer
from revhub.sandbox.stripe import StripeSandbox


@pytest.fixture
def sandbox():
    sb = StripeSandbox(webhook_retry_delays=(0.2, 0.2, 0.2))
    with SandboxServer(sb) as server:
        sb.url = server.url
        yield sb
    sb.close()


@pytest.fixture
def client(sandbox) -> stripe.StripeClient:
    return stripe.StripeClient(sandbox.api_key, base_addresses={"api": sandbox.url}, max_network_retries=0)
