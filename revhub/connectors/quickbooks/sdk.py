"""python-quickbooks, set up per connection: base URL, timeouts and token refresh in one place.

The SDK keeps its base URLs as class attributes and sends through requests-oauthlib's session,
which has no timeout and refuses plain-HTTP URLs; ``HubQuickBooks`` sets the URL per instance
and sends through a requests session with the connection's timeout and CA bundle.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

import requests
from intuitlib.client import AuthClient
from quickbooks import QuickBooks
from quickbooks.exceptions import QuickbooksException

# Pinned: QBO answers with the fields of this minor version (75 is the lowest Intuit serves).
# https://developer.intuit.com/app/developer/qbo/docs/learn/explore-the-quickbooks-online-api/minor-versions
MINOR_VERSION = 75
DISCOVERY_URL = "https://developer.intuit.com/.well-known/openid_configuration/"
API_URL = "https://quickbooks.api.intuit.com/v3"


class HubQuickBooks(QuickBooks):
    """The SDK client with the hub's transport; ``on_request`` sees every response."""

    http: requests.Session
    timeout: float = 30.0
    on_response: Callable[[requests.Response], None] = staticmethod(lambda response: None)

    @staticmethod
    def handle_exceptions(results):
        """The SDK's exception, keeping the ``element`` QBO names (the SDK drops it)."""
        try:
            QuickBooks.handle_exceptions(results)
        except QuickbooksException as exc:
            exc.element = next((e.get("element") for e in results.get("Error") or () if e.get("element")), None)
            raise

    def process_request(self, request_type, url, headers="", params="", data=""):
        headers = dict(headers or {})
        headers["Authorization"] = "Bearer " + (self.auth_client.access_token or "")
        if isinstance(data, str):
            data = data.encode("utf-8")
        response = self.http.request(request_type, url, headers=headers, params=params, data=data,
                                     timeout=self.timeout)
        self.on_response(response)
        return response


def build_client(credentials: dict[str, Any], settings: dict[str, Any], timeout: float,
                 session: requests.Session | None = None, access_token: str | None = None,
                 refresh: Callable[[AuthClient], None] | None = None) -> HubQuickBooks:
    """An authorised client. Without a still-valid ``access_token``, ``refresh(auth_client)``
    (or intuit-oauth itself) refreshes first, rotating the refresh token."""
    auth = AuthClient(credentials["client_id"], credentials["client_secret"],
                      settings.get("redirect_uri", "http://localhost/quickbooks/callback"),
                      environment=settings.get("discovery_url", DISCOVERY_URL))
    if settings.get("ca_bundle"):
        auth.verify = settings["ca_bundle"]
    auth.access_token = access_token
    if access_token is None and refresh is not None:
        refresh(auth)  # before the SDK would, so the caller saves the rotated token at once
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        client = HubQuickBooks(auth_client=auth, refresh_token=credentials["refresh_token"],
                               company_id=settings["realm_id"], minorversion=MINOR_VERSION)
    client.api_url_v3 = settings.get("api_url", API_URL)
    client.sandbox_api_url_v3 = client.api_url_v3
    client.http = session or requests.Session()
    if settings.get("ca_bundle"):
        client.http.verify = settings["ca_bundle"]
    client.timeout = timeout
    return client
