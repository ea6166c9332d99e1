"""Turning requests and errors into bytes: body parsing, error answers, injected faults."""

from __future__ import annotations

from flask import Response

from revhub.sandbox.common import FaultResponse
from revhub.sandbox.xero.errors import BadRequest, ValidationException, ValidationFailed, XeroError
from revhub.sandbox.xero.xerojson import dumps, loads

_UNKNOWN_ERROR = "An error occurred in Xero. Check the API Status page for current service status."


def parse_body(raw: bytes) -> object:
    """A PUT/POST body as JSON with exact numbers; raises ``BadRequest``."""
    if not raw.strip():
        raise BadRequest("The request body is empty")
    try:
        return loads(raw)
    except ValueError:
        raise BadRequest("The request body is not valid JSON") from None


def error_response(exc: XeroError) -> Response:
    """The answer Xero gives for ``exc`` (a lone ``ValidationFailed`` becomes a
    ``ValidationException`` with one element)."""
    if isinstance(exc, ValidationFailed):
        exc = ValidationException([{"ValidationErrors": exc.as_list()}])
    if isinstance(exc, (ValidationException, BadRequest)):
        body = exc.render(dumps)
    else:
        body = exc.body()
    return Response(
        body, status=exc.status, headers=list(exc.headers), content_type=exc.content_type
    )


def fault(kind: str, rate_limit_headers: list[tuple[str, str]]) -> FaultResponse:
    """An injected fault in Xero's shape: 429 as a minute breach, 503 as the outage page,
    500 as Xero's unknown-error JSON."""
    if kind == "429":
        headers = rate_limit_headers + [("Content-Type", "text/plain")]
        return 429, headers, b"Rate limit exceeded"
    if kind == "503":
        page = b"<html><body>The service is temporarily unavailable</body></html>"
        return 503, [("Content-Type", "text/html")], page
    body = {"ErrorNumber": 500, "Type": "UnknownErrorException", "Message": _UNKNOWN_ERROR}
    return 500, [("Content-Type", "application/json")], dumps(body).encode()
