"""``GET /services/oauth2/authorize`` and the ``authorization_code`` grant: the OAuth 2.0
web-server flow with PKCE, as a connected app answers it.

https://help.salesforce.com/s/articleView?id=sf.remoteaccess_oauth_web_server_flow.htm
https://help.salesforce.com/s/articleView?id=sf.remoteaccess_pkce.htm

The sandbox's consent screen approves at once, as the sandbox's integration user. Codes are
one-time, live 15 minutes of sandbox clock, are bound to the redirect URI they were issued
for, and to the PKCE challenge when one was sent. The refresh token issued is the sandbox's
own (the one its refresh-token flow accepts); a scope without ``refresh_token`` or
``offline_access`` gets none, as in a real org.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
import threading
from dataclasses import dataclass
from urllib.parse import urlencode

from flask import redirect, request

from revhub.sandbox.salesforce.http import respond

CODE_SECONDS = 15 * 60
SCOPES = frozenset({"api", "refresh_token", "offline_access", "full", "id", "openid", "profile", "email", "web"})


@dataclass
class _Code:
    redirect_uri: str
    challenge: str | None
    scope: str
    expires: float


def _error(code: str, description: str, status: int = 400):
    return respond({"error": code, "error_description": description}, status)


def _to_app(redirect_uri: str, **params: str):
    sep = "&" if "?" in redirect_uri else "?"
    return redirect(f"{redirect_uri}{sep}{urlencode(params)}", code=302)


def register(sandbox) -> None:
    codes: dict[str, _Code] = {}
    lock = threading.Lock()

    @sandbox.flask.get("/services/oauth2/authorize")
    def authorize():
        args = request.args
        if args.get("client_id") != sandbox.creds.client_id:
            # Salesforce shows an error page: an unknown app gets no redirect.
            return _error("invalid_client_id", "client identifier invalid")
        redirect_uri = args.get("redirect_uri", "")
        if not redirect_uri:
            return _error("redirect_uri_missing", "redirect_uri must be provided")
        state = {"state": args["state"]} if "state" in args else {}
        if args.get("response_type") != "code":
            return _to_app(redirect_uri, error="unsupported_response_type",
                           error_description="response type not supported", **state)
        scope = " ".join(args.get("scope", "api refresh_token").split())
        if not set(scope.split()) <= SCOPES:
            return _to_app(redirect_uri, error="invalid_scope", error_description="the requested scope is not allowed",
                           **state)
        challenge = args.get("code_challenge")
        if challenge and args.get("code_challenge_method", "S256") != "S256":
            return _to_app(redirect_uri, error="invalid_request",
                           error_description="code_challenge_method must be S256", **state)
        code = "aPrx" + secrets.token_urlsafe(32)
        with lock:
            codes[code] = _Code(redirect_uri, challenge, scope, sandbox.clock.time() + CODE_SECONDS)
        return _to_app(redirect_uri, code=code, **state)

    @sandbox.flask.before_request
    def authorization_code_grant():
        # The token route (routes_auth) serves the other grants; this one is answered here.
        if request.method != "POST" or request.path != "/services/oauth2/token":
            return None
        if request.form.get("grant_type") != "authorization_code":
            return None
        form = request.form
        creds = sandbox.creds
        if form.get("client_id") != creds.client_id:
            return _error("invalid_client_id", "client identifier invalid")
        if form.get("client_secret") is not None and not hmac.compare_digest(form["client_secret"],
                                                                             creds.client_secret):
            return _error("invalid_client", "invalid client credentials")
        with lock:
            issued = codes.pop(form.get("code", ""), None)
        if issued is None or sandbox.clock.time() > issued.expires:
            return _error("invalid_grant", "invalid authorization code")
        if form.get("redirect_uri") != issued.redirect_uri:
            return _error("invalid_grant", "redirect_uri must match configuration")
        if issued.challenge and not _verifier_matches(form.get("code_verifier", ""), issued.challenge):
            return _error("invalid_grant", "invalid code verifier")
        if not issued.challenge and form.get("client_secret") is None:
            return _error("invalid_client", "invalid client credentials")
        instance_url = sandbox.instance_url or request.host_url.rstrip("/")
        status, body = sandbox.sessions.grant({"grant_type": "refresh_token", "client_id": creds.client_id,
                                               "refresh_token": creds.refresh_token}, instance_url)
        body["scope"] = issued.scope
        if {"refresh_token", "offline_access"} & set(issued.scope.split()):
            body["refresh_token"] = creds.refresh_token
        response = respond(body, status)
        response.headers["Cache-Control"] = "no-cache,must-revalidate,max-age=0,no-store,private"
        return response


def _verifier_matches(verifier: str, challenge: str) -> bool:
    digest = hashlib.sha256(verifier.encode("ascii", "replace")).digest()
    return hmac.compare_digest(base64.urlsafe_b64encode(digest).rstrip(b"=").decode(), challenge)
