"""Xero's error answers, as exceptions the routes raise and one renderer that turns them into
responses.

Shapes (PROVIDERS.md 2.7): 400 ``ValidationException`` with ``ErrorNumber`` 10 and
``Elements[].ValidationErrors[]`` (xero-python reads ``Elements.0.ValidationErrors.0.Message``);
401/403 problem-JSON; 404 plain text as Xero sends for an unknown resource.
"""

from __future__ import annotations

import json


class XeroError(Exception):
    """An error answer: ``status``, extra headers and the body Xero would send."""

    status = 500

    def body(self) -> bytes:  # pragma: no cover - overridden
        return b""

    headers: list[tuple[str, str]] = []
    content_type = "application/json; charset=utf-8"


class ValidationFailed(XeroError):
    """One element failed validation; ``messages`` are its ``ValidationErrors``."""

    status = 400

    def __init__(self, *messages: str) -> None:
        super().__init__("; ".join(messages))
        self.messages = list(messages)

    def as_list(self) -> list[dict]:
        return [{"Message": m} for m in self.messages]


class ValidationException(XeroError):
    """The 400 ``ValidationException`` answer, wrapping failed elements (already rendered)."""

    status = 400

    def __init__(
        self, elements: list[object], message: str = "A validation exception occurred"
    ) -> None:
        super().__init__(message)
        self.elements = elements
        self.message = message

    def render(self, dumps) -> bytes:
        body = {
            "ErrorNumber": 10,
            "Type": "ValidationException",
            "Message": self.message,
            "Elements": self.elements,
        }
        return dumps(body).encode()


class ProblemError(XeroError):
    """401/403 answers: problem-JSON with ``Title``, ``Status`` and ``Detail``."""

    def __init__(
        self, status: int, title: str, detail: str, headers: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(detail)
        self.status, self.title, self.detail = status, title, detail
        self.headers = headers or []

    def body(self) -> bytes:
        return json.dumps(
            {
                "Type": None,
                "Title": self.title,
                "Status": self.status,
                "Detail": self.detail,
                "Instance": None,
                "Extensions": {},
            }
        ).encode()


def unauthorized(detail: str = "AuthenticationUnsuccessful") -> ProblemError:
    """401 for a missing, unknown or expired (``TokenExpired``) access token."""
    return ProblemError(
        401,
        "Unauthorized",
        detail,
        [("WWW-Authenticate", f'Bearer error="invalid_token", error_description="{detail}"')],
    )


def forbidden(detail: str = "AuthenticationUnsuccessful") -> ProblemError:
    """403 for a tenant the token is not connected to."""
    return ProblemError(403, "Forbidden", detail)


class NotFound(XeroError):
    """404: Xero answers an unknown resource with a short plain-text body."""

    status = 404
    content_type = "text/plain; charset=utf-8"

    def body(self) -> bytes:
        return b"The resource you're looking for cannot be found"


class BadRequest(XeroError):
    """A 400 that is not about one element: bad JSON, a bad query parameter.

    Xero reports an unparseable ``where``/``order`` as ``QueryParseException`` (ErrorNumber 16)
    and other request faults as ``ValidationException`` (10).
    """

    status = 400

    def __init__(self, message: str, *, query: bool = False) -> None:
        super().__init__(message)
        self.message = message
        self.query = query

    def render(self, dumps) -> bytes:
        if self.query:
            return dumps(
                {"ErrorNumber": 16, "Type": "QueryParseException", "Message": self.message}
            ).encode()
        return dumps(
            {
                "ErrorNumber": 10,
                "Type": "ValidationException",
                "Message": self.message,
                "Elements": [{"ValidationErrors": [{"Message": self.message}]}],
            }
        ).encode()


class RateLimited(XeroError):
    """429 with ``Retry-After`` (seconds) and ``X-Rate-Limit-Problem``."""

    status = 429
    content_type = "text/plain; charset=utf-8"

    def __init__(
        self, problem: str, retry_after: int, extra: list[tuple[str, str]] | None = None
    ) -> None:
        super().__init__(problem)
        self.problem = problem
        self.headers = [("Retry-After", str(retry_after)), ("X-Rate-Limit-Problem", problem)]
        self.headers += extra or []

    def body(self) -> bytes:
        return b"Rate limit exceeded"
