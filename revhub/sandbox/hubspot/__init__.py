"""Local HubSpot sandbox (CRM objects v3, associations v4, search, webhooks v3) for hubspot-api-client."""

from revhub.sandbox.hubspot.sandbox import HubSpotSandbox
from revhub.sandbox.hubspot.webhooks import sign_v3

__all__ = ["HubSpotSandbox", "sign_v3"]
