"""Request/response plumbing shared by the REST routes: JSON in, JSON out, errors, auth.

``api_route`` wraps a handler the way every ``/services/data/vNN.N/`` resource behaves:
version check, bearer session, daily allocation, ``Sforce-Limit-Info`` on the answer, and
ApiError turned into Salesforce's error array.
"""

from __future__ import annotations

import functools
import json
from decimal import Decimal

from flask import Response, g, request

from revhub.sandbox.salesforce import errors
from revhub.sandbox.salesforce.errors import ApiError

JSON_TYPE = "application/json;charset=UTF-8"


def respond(body, status: int = 200) -> Response:
    """A JSON answer; ``body`` is JSON text already, or data to dump (None: no content)."""
    if body is None:
        return Response(status=status)
    text = body if isinstance(body, str) else json.dumps(body, default=_decimal_default)
    return Response(text, status=status, content_type=JSON_TYPE)


def _decimal_default(value):
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def error_response(exc: ApiError) -> Response:
    return Response(exc.body(), status=exc.status, content_type=JSON_TYPE)


def read_json():
    """The request body parsed with exact decimals; JSON_PARSER_ERROR like Salesforce."""
    raw = request.get_data(cache=True)
    if not raw.strip():
        raise errors.json_parser_error("No content to map due to end-of-input")
    try:
        return json.loads(raw, parse_float=Decimal)
    except (ValueError, UnicodeDecodeError) as exc:
        line = getattr(exc, "lineno", 1)
        column = getattr(exc, "colno", 1)
        raise errors.json_parser_error(f"Unexpected character: {getattr(exc, 'msg', exc)} "
                                       f"at [line:{line}, column:{column}]") from None


def api_route(sandbox):
    """Decorator for REST handlers taking ``version`` as their first keyword argument."""
    def decorate(handler):
        @functools.wraps(handler)
        def wrapper(version: str, **kwargs):
            if version not in sandbox.versions:
                return error_response(errors.not_found())
            token = _bearer()
            if token is None or not sandbox.sessions.check(token):
                return error_response(errors.invalid_session())
            if not sandbox.usage.take():
                return _with_limits(sandbox, error_response(errors.limit_exceeded()))
            g.api_version = version
            # The whole request under the store's lock, as a real org's transaction: an upsert's
            # lookup and its insert, or a read and the records it renders, are never split by
            # another request's write.
            with sandbox.store.lock:
                try:
                    result = handler(version=version, **kwargs)
                except ApiError as exc:
                    result = error_response(exc)
            return _with_limits(sandbox, result)
        return wrapper
    return decorate


def _with_limits(sandbox, response: Response) -> Response:
    response.headers["Sforce-Limit-Info"] = sandbox.usage.header()
    return response


def _bearer() -> str | None:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() not in ("bearer", "oauth") or not token.strip():
        return None
    return token.strip()


def reject_unknown_params(allowed: set[str]) -> None:
    """Salesforce answers an unexpected query parameter on these resources with a 400."""
    unknown = [name for name in request.args if name not in allowed]
    if unknown:
        raise ApiError(400, "INVALID_PARAMETER_VALUE", f"Unexpected parameter: {unknown[0]}")
