"""``revhub connections authorize``: the OAuth 2.0 authorization-code flow on a loopback redirect.

RFC 8252 (OAuth for native apps): revhub listens on ``http://127.0.0.1:<port>/callback``,
sends the browser to the provider's consent page with a fresh ``state`` (and a PKCE S256
challenge for Salesforce, RFC 7636), takes the one redirect back, checks ``state`` in
constant time, and exchanges the code at the token endpoint. The caller stores the refresh
token encrypted; nothing here logs a code or a token.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any
from urllib.parse import parse_qs, urlencode, urlsplit

import requests

# https://developer.xero.com/documentation/guides/oauth2/auth-flow/
XERO_LOGIN_URL = "https://login.xero.com"
XERO_IDENTITY_URL = "https://identity.xero.com"
XERO_API_URL = "https://api.xero.com"
XERO_SCOPES = "offline_access accounting.transactions accounting.contacts accounting.settings.read"
# https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm
SALESFORCE_LOGIN_URL = "https://login.salesforce.com"
SALESFORCE_SCOPES = "api refresh_token"
DEFAULT_PORT = 8765
CALLBACK_PATH = "/callback"


class AuthorizeError(Exception):
    """The flow could not finish; the message says why (never a code or a token)."""


@dataclass(frozen=True)
class OAuthEndpoints:
    authorize_url: str
    token_url: str
    scope: str
    pkce: bool
    basic_auth: bool  # client id and secret in an Authorization: Basic header (Xero's way)
    verify: str | bool = True


@dataclass
class Grant:
    """What the flow yields: credentials and settings to merge into the connection."""

    credentials: dict[str, Any] = field(default_factory=dict)
    settings: dict[str, Any] = field(default_factory=dict)
    scope: str = ""


def endpoints(provider: str, settings: dict[str, Any]) -> OAuthEndpoints:
    """The provider's authorize and token endpoints; a connection setting may point elsewhere
    (``login_url``, ``identity_url``: a Salesforce sandbox org, revhub's own sandboxes)."""
    verify = settings.get("ca_bundle") or True
    if provider == "xero":
        login = str(settings.get("login_url") or XERO_LOGIN_URL).rstrip("/")
        identity = str(settings.get("identity_url") or XERO_IDENTITY_URL).rstrip("/")
        return OAuthEndpoints(f"{login}/identity/connect/authorize", f"{identity}/connect/token", XERO_SCOPES,
                              pkce=False, basic_auth=True, verify=verify)
    if provider == "salesforce":
        login = str(settings.get("login_url") or SALESFORCE_LOGIN_URL).rstrip("/")
        token_url = str(settings.get("token_url") or f"{login}/services/oauth2/token")
        return OAuthEndpoints(f"{login}/services/oauth2/authorize", token_url,
                              SALESFORCE_SCOPES, pkce=True, basic_auth=False, verify=verify)
    if provider == "hubspot":  # the install URL is on app.hubspot.com; tokens come from the API host
        from revhub.connectors.hubspot import oauth as hubspot

        app = str(settings.get("app_url") or hubspot.APP_URL).rstrip("/")
        api = str(settings.get("base_url") or hubspot.API_URL).rstrip("/")
        return OAuthEndpoints(f"{app}/oauth/authorize", f"{api}/oauth/v1/token", " ".join(hubspot.SCOPES),
                              pkce=False, basic_auth=False, verify=verify)
    raise AuthorizeError(f"{provider} connections are not authorised by OAuth (Stripe takes an API key)")


def pkce_pair() -> tuple[str, str]:
    """(code_verifier, S256 code_challenge), RFC 7636 section 4."""
    verifier = secrets.token_urlsafe(64)
    digest = hashlib.sha256(verifier.encode("ascii")).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode("ascii")


class _CallbackServer(HTTPServer):
    answer: dict[str, str] | None = None


class _Callback(BaseHTTPRequestHandler):
    server: _CallbackServer

    def do_GET(self) -> None:  # noqa: N802 - http.server's name
        parsed = urlsplit(self.path)
        if parsed.path != CALLBACK_PATH:
            self._reply(404, "Not the revhub callback.")
            return
        self.server.answer = {k: v[0] for k, v in parse_qs(parsed.query).items()}
        failed = "error" in self.server.answer
        self._reply(400 if failed else 200, "revhub: the provider refused; see the terminal." if failed else
                    "revhub: authorised. You can close this tab and go back to the terminal.")

    def _reply(self, status: int, text: str) -> None:
        body = f"<!doctype html><title>revhub</title><p>{text}</p>".encode()
        self.send_response(status)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args: Any) -> None:
        """The query string holds the code: never logged."""


def listen(host: str = "127.0.0.1", port: int = DEFAULT_PORT) -> _CallbackServer:
    """The loopback server the provider redirects to (port 0: any free port)."""
    try:
        server = _CallbackServer((host, port), _Callback)
    except OSError as exc:
        raise AuthorizeError(f"cannot listen on {host}:{port} ({exc.strerror}); choose another --port and "
                             f"register http://{host}:<port>{CALLBACK_PATH} with the provider") from None
    server.timeout = 0.5
    return server


def _wait(server: _CallbackServer, timeout: float) -> dict[str, str]:
    deadline = time.monotonic() + timeout
    while server.answer is None:
        if time.monotonic() > deadline:
            raise AuthorizeError(f"no answer from the provider within {timeout:.0f} s")
        server.handle_request()
    return server.answer


def authorization_url(ends: OAuthEndpoints, client_id: str, redirect_uri: str, state: str,
                      challenge: str | None) -> str:
    params = {"response_type": "code", "client_id": client_id, "redirect_uri": redirect_uri,
              "scope": ends.scope, "state": state}
    if challenge:
        params.update(code_challenge=challenge, code_challenge_method="S256")
    return f"{ends.authorize_url}?{urlencode(params)}"


def _exchange(ends: OAuthEndpoints, credentials: dict[str, Any], code: str, redirect_uri: str,
              verifier: str | None) -> dict[str, Any]:
    """POST the code to the token endpoint; the token response."""
    form = {"grant_type": "authorization_code", "code": code, "redirect_uri": redirect_uri}
    auth = None
    if ends.basic_auth:
        auth = (credentials["client_id"], credentials["client_secret"])
    else:
        form.update(client_id=credentials["client_id"], client_secret=credentials["client_secret"])
    if verifier:
        form["code_verifier"] = verifier
    try:
        response = requests.post(ends.token_url, data=form, auth=auth, timeout=30, verify=ends.verify)
    except requests.RequestException as exc:
        raise AuthorizeError(f"token endpoint {ends.token_url} unreachable: {type(exc).__name__}") from None
    try:
        body = response.json()
    except ValueError:
        body = {}
    if response.status_code != 200 or "access_token" not in body:
        reason = (body.get("error_description") or body.get("error") or body.get("message")  # HubSpot: message
                  or f"HTTP {response.status_code}")
        raise AuthorizeError(f"the token endpoint refused the code: {reason}")
    if not body.get("refresh_token"):
        raise AuthorizeError(f"no refresh token was granted: the app must allow the scopes {ends.scope!r}")
    return body


def run_flow(provider: str, credentials: dict[str, Any], settings: dict[str, Any], *,
             server: _CallbackServer, open_browser: Callable[[str], Any], timeout: float = 300.0) -> dict[str, Any]:
    """The whole authorization-code flow: the token endpoint's answer."""
    for name in ("client_id", "client_secret"):
        if not credentials.get(name):
            raise AuthorizeError(f"the connection has no {name} credential: add it with "
                                 f"`revhub connections add NAME --provider {provider} --credential {name}=@FILE`")
    ends = endpoints(provider, settings)
    host, port = server.server_address[:2]
    redirect_uri = f"http://{host}:{port}{CALLBACK_PATH}"
    state = secrets.token_urlsafe(32)
    verifier, challenge = pkce_pair() if ends.pkce else (None, None)
    try:
        open_browser(authorization_url(ends, credentials["client_id"], redirect_uri, state, challenge))
        answer = _wait(server, timeout)
    finally:
        server.server_close()
    if "error" in answer:
        raise AuthorizeError(f"the provider refused: {answer['error']}"
                             + (f" ({answer['error_description']})" if answer.get("error_description") else ""))
    if not hmac.compare_digest(answer.get("state", ""), state):
        raise AuthorizeError("the answer's state is not the one sent: not from this sign-in; nothing stored")
    if not answer.get("code"):
        raise AuthorizeError("the provider's answer carries no code")
    return _exchange(ends, credentials, answer["code"], redirect_uri, verifier)


def xero_tenant(token: dict[str, Any], settings: dict[str, Any], wanted: str | None) -> str:
    """The tenant (organisation) the user connected: ``wanted``, or the only one.
    https://developer.xero.com/documentation/guides/oauth2/tenants"""
    api = str(settings.get("api_url") or XERO_API_URL).rstrip("/")
    try:
        response = requests.get(f"{api}/connections", timeout=30, verify=settings.get("ca_bundle") or True,
                                headers={"Authorization": f"Bearer {token['access_token']}"})
        tenants = response.json() if response.status_code == 200 else None
    except (requests.RequestException, ValueError):
        tenants = None
    if not isinstance(tenants, list):
        raise AuthorizeError("Xero's /connections could not be read; nothing stored")
    ids = {t.get("tenantId"): t.get("tenantName") for t in tenants}
    if wanted:
        if wanted not in ids:
            raise AuthorizeError(f"tenant {wanted} was not connected (connected: {_named(ids)})")
        return wanted
    if len(ids) != 1:
        raise AuthorizeError(f"{len(ids)} organisations are connected ({_named(ids) or 'none'}): "
                             f"name one with --tenant-id")
    return next(iter(ids))


def _named(ids: dict[str, str]) -> str:
    return ", ".join(f"{tid} ({name})" for tid, name in ids.items())


def grant_of(provider: str, token: dict[str, Any], settings: dict[str, Any], tenant_id: str | None) -> Grant:
    """What to store from a token response: the refresh token (encrypted by the caller) and settings."""
    scope = token.get("scope") or ""
    scope = " ".join(scope) if isinstance(scope, list) else str(scope)
    grant = Grant(credentials={"refresh_token": token["refresh_token"], "access_token": token["access_token"],
                               "scope": scope}, scope=scope)
    if provider == "xero":
        grant.credentials["expires_at"] = time.time() + int(token.get("expires_in") or 1800)
        grant.settings["tenant_id"] = xero_tenant(token, settings, tenant_id)
    elif provider == "hubspot":
        _hubspot_grant(grant, token, settings)
    else:
        grant.settings["instance_url"] = token["instance_url"]
        # The identity URL ends in /id/<org id>/<user id>: the org outbound messages must come from.
        parts = str(token.get("id") or "").rstrip("/").split("/")
        if len(parts) >= 2 and parts[-2].startswith("00D") and not settings.get("organization_id"):
            grant.settings["organization_id"] = parts[-2]
    return grant


def _hubspot_grant(grant: Grant, token: dict[str, Any], settings: dict[str, Any]) -> None:
    """The portal the user installed the app in (revhub paces per portal) and the scopes granted,
    from the token's metadata (HubSpot's token answer names neither)."""
    from revhub.connectors.hubspot import oauth as hubspot

    grant.credentials["expires_at"] = time.time() + int(token.get("expires_in") or 1800)
    try:
        info = hubspot.token_info(token["access_token"], str(settings.get("base_url") or hubspot.API_URL))
    except LookupError as exc:
        raise AuthorizeError(f"the new token's metadata could not be read ({exc}); nothing stored") from None
    grant.scope = grant.credentials["scope"] = " ".join(info.get("scopes") or [])
    grant.settings["portal_id"] = info["hub_id"]
