"""The HubSpot sandbox's OAuth 2.0 side: the install (consent) page, ``POST /oauth/v1/token`` for
both grants, and the access-token metadata.

The install URL (``/oauth/authorize``, on app.hubspot.com in HubSpot) consents at once for the
sandbox's one portal and redirects with a single-use code bound to its ``redirect_uri``. The
token endpoint takes a form-encoded body and answers ``access_token``, ``refresh_token`` and
``expires_in`` (30 minutes); its errors carry their code in ``status``. A refresh token does not
change unless the sandbox is made to rotate them (``rotate_refresh_tokens``), which tests the
hub's saving of a new one the moment it arrives.
https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/guide
"""

from __future__ import annotations

import json
import secrets
import uuid
from typing import TYPE_CHECKING
from urllib.parse import urlencode

from flask import Response, jsonify, redirect, request

if TYPE_CHECKING:
    from revhub.sandbox.hubspot.sandbox import HubSpotSandbox

TOKEN_SECONDS = 1800
CODE_SECONDS = 300
# What the sandbox's app is configured with: the install URL may ask for no other scope.
APP_SCOPES = frozenset({
    "oauth", "crm.objects.companies.read", "crm.objects.companies.write", "crm.objects.contacts.read",
    "crm.objects.contacts.write", "crm.objects.deals.read", "crm.objects.deals.write", "crm.objects.line_items.read",
    "crm.objects.line_items.write", "crm.schemas.deals.read", "crm.schemas.companies.read",
    "crm.schemas.line_items.read"})


def required_scope(method: str, path: str) -> str | None:
    """The object scope a CRM call needs (``crm.objects.<type>.read`` or ``.write``), or None.
    https://developers.hubspot.com/docs/apps/legacy-apps/authentication/scopes"""
    parts = path.strip("/").split("/")
    if len(parts) < 4 or parts[0] != "crm" or parts[2] not in ("objects", "associations"):
        return None
    reads = method == "GET" or parts[-1] in ("search", "read")
    return f"crm.objects.{parts[3]}.{'read' if reads else 'write'}"


def missing_scopes(scope: str) -> Response:
    """HubSpot's 403 for a token without a scope the call needs."""
    body = {"status": "error", "message": "This app hasn't been granted all required scopes to make this call. "
                                          "Read more about required scopes here: https://developers.hubspot.com/scopes.",
            "correlationId": str(uuid.uuid4()),
            "errors": [{"message": "One or more of the following scopes are required.",
                        "context": {"requiredGranularScopes": [scope]}}],
            "links": {"scopes": "https://developers.hubspot.com/scopes"}, "category": "MISSING_SCOPES"}
    return Response(json.dumps(body), status=403, mimetype="application/json")


def token_error(status: str, message: str) -> Response:
    """The token endpoint's 400: its code in ``status`` (BAD_AUTH_CODE, BAD_REFRESH_TOKEN…)."""
    body = {"status": status, "message": message, "correlationId": str(uuid.uuid4()),
            "requestId": uuid.uuid4().hex}
    return Response(json.dumps(body), status=400, mimetype="application/json")


def install_oauth_routes(sb: HubSpotSandbox) -> None:
    app = sb.flask

    @app.get("/oauth/authorize")
    def authorize():
        """The app's install URL: consent for this portal, then the redirect with ``code``."""
        args = request.args
        redirect_uri, scopes = args.get("redirect_uri", ""), set(args.get("scope", "").split())
        if not secrets.compare_digest(args.get("client_id", ""), sb.client_id):
            return _page(400, "Authorization failed: unknown client_id.")
        if not redirect_uri.startswith(("https://", "http://localhost", "http://127.0.0.1")):
            return _page(400, "Authorization failed: redirect_uri must be https (or a localhost address).")
        if not scopes or not scopes <= APP_SCOPES:
            return _page(400, "Authorization failed because there is a mismatch between the scopes in the install "
                              f"URL and the app's configured scopes: {' '.join(sorted(scopes - APP_SCOPES))}")
        code = str(uuid.uuid4())
        sb.codes[code] = (redirect_uri, " ".join(sorted(scopes)), sb.clock.time() + CODE_SECONDS)
        answer = {"code": code, **({"state": args["state"]} if "state" in args else {})}
        return redirect(f"{redirect_uri}{'&' if '?' in redirect_uri else '?'}{urlencode(answer)}", 302)

    @app.post("/oauth/v1/token")
    def token():
        """Both grants, form-encoded. https://developers.hubspot.com/docs/api/oauth/tokens"""
        form = request.form
        if not (secrets.compare_digest(form.get("client_id", ""), sb.client_id)
                and secrets.compare_digest(form.get("client_secret", ""), sb.client_secret)):
            return token_error("BAD_CLIENT_ID", "missing or unknown client id or secret")
        grant = form.get("grant_type")
        if grant == "authorization_code":
            held = sb.codes.pop(form.get("code", ""), None)  # single use, right or wrong
            if held is None or sb.clock.time() > held[2]:
                return token_error("BAD_AUTH_CODE", "missing or unknown auth code")
            if form.get("redirect_uri") != held[0]:
                return token_error("BAD_REDIRECT_URI", "redirect_uri does not match the one the code was issued to")
            sb.scope = held[1]  # what this installation granted: every token it issues carries it
            return jsonify(sb.issue_token())
        if grant == "refresh_token":
            if not secrets.compare_digest(form.get("refresh_token", ""), sb.refresh_token):
                return token_error("BAD_REFRESH_TOKEN", "missing or invalid refresh token")
            if sb.rotate_refresh_tokens:
                sb.refresh_token = str(uuid.uuid4())  # the old one is refused from now on
            return jsonify(sb.issue_token())
        return token_error("BAD_GRANT_TYPE", "grant_type must be authorization_code or refresh_token")

    @app.get("/oauth/v1/access-tokens/<token>")
    def token_info(token: str):
        """https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/get-oauth-token-metadata"""
        expires = sb.issued.get(token)
        if expires is None or sb.clock.time() >= expires:
            return token_error("BAD_ACCESS_TOKEN", "missing or expired access token")
        return jsonify(token=token, user="admin@sandbox.example", hub_domain=f"portal-{sb.portal_id}.hubspot.com",
                       scopes=sb.scope.split(), hub_id=sb.portal_id, app_id=1_234_567, user_id=7_000_001,
                       expires_in=int(expires - sb.clock.time()), token_type="access")


def _page(status: int, text: str) -> Response:
    return Response(f"<!doctype html><title>HubSpot</title><p>{text}</p>", status=status,
                    mimetype="text/html")
