"""Bearer-token authentication for the JSON API: ``authenticate_api_request`` for a blueprint's
``before_request``, and ``current_api_principal()`` for the views after it."""

from __future__ import annotations

import logging

from flask import current_app, g, jsonify, request

from revhub.console import tokens

log = logging.getLogger(__name__)


def current_api_principal() -> tokens.ApiPrincipal | None:
    """Who the API request's token speaks for (set by ``authenticate_api_request``)."""
    return g.get("api_principal")


def _refuse(code: str, message: str):
    response = jsonify(error=message)
    response.status_code = 401
    # RFC 6750 §3: say the scheme, and why.
    response.headers["WWW-Authenticate"] = f'Bearer realm="revhub", error="{code}"'
    return response


def authenticate_api_request():
    """None if the request carries a valid bearer token (the principal is then in ``g``),
    else a 401 with ``WWW-Authenticate``."""
    from revhub.app import get_db

    parsed = tokens.parse_authorization(request.headers.get("Authorization"))
    if isinstance(parsed, tokens.BearerError):
        return _refuse(parsed.code, parsed.message)
    legacy = current_app.config["REVHUB"].api_token
    principal = tokens.legacy_principal(parsed, legacy)
    if principal is None:
        with get_db().session(write=True) as s:  # writes the token's last use
            principal = tokens.authenticate(s, parsed)
    if principal is None:
        return _refuse("invalid_token", "the bearer token is not valid (unknown, revoked, or its user disabled)")
    if principal.deprecated:
        log.warning("API request with the deprecated REVHUB_API_TOKEN; create a named token: revhub tokens add")
    g.api_principal = principal
    return None


def mark_deprecated(response):
    """After-request hook: tell REVHUB_API_TOKEN callers it is on its way out."""
    principal = current_api_principal()
    if principal is not None and principal.deprecated:
        response.headers["Deprecation"] = "true"
    return response
