"""HubSpot's side of ``revhub connections authorize``: the scopes the install URL asks for, and
what a granted token says of itself (its portal, its scopes).
https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/guide
"""

from __future__ import annotations

from typing import Any

import urllib3
from hubspot import HubSpot
from hubspot.oauth.exceptions import ApiException as OAuthApiException

APP_URL = "https://app.hubspot.com"
API_URL = "https://api.hubapi.com"
# What revhub reads and writes (README, docs/setup/hubspot.md); ``oauth`` is HubSpot's base scope.
SCOPES = ("oauth", "crm.objects.companies.read", "crm.objects.companies.write", "crm.objects.contacts.read",
          "crm.objects.deals.read", "crm.objects.deals.write", "crm.objects.line_items.read",
          "crm.objects.line_items.write", "crm.schemas.deals.read")


def token_info(access_token: str, base_url: str = API_URL, timeout: float = 30.0) -> dict[str, Any]:
    """``GET /oauth/v1/access-tokens/{token}``: hub_id, scopes, expires_in… of an OAuth token.
    Raises ``LookupError`` (with HubSpot's message) when HubSpot does not know the token."""
    client = HubSpot(host=base_url.rstrip("/"), retry=urllib3.Retry(0, read=False))
    try:
        return client.oauth.access_tokens_api.get(access_token, _request_timeout=timeout).to_dict()
    except OAuthApiException as exc:
        raise LookupError(f"HubSpot answered {exc.status} for the token's metadata") from None
    except urllib3.exceptions.HTTPError as exc:
        raise LookupError(f"HubSpot unreachable: {type(exc).__name__}") from None


def missing_scopes(granted: list[str]) -> list[str]:
    """The scopes revhub needs that ``granted`` lacks."""
    return [s for s in SCOPES if s not in set(granted)]
