"""QuickBooks Online's error bodies: the ``Fault`` envelope the SDK reads (``Fault.Error[].code``).

Shapes from https://developer.intuit.com/app/developer/qbo/docs/develop/troubleshooting/error-codes
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

JSON = "application/json;charset=UTF-8"


class QBOFault(Exception):
    """An error answered in QBO's envelope: HTTP ``status``, ``Fault.type`` and one Error."""

    def __init__(self, status: int, code: str, message: str, detail: str = "", kind: str = "ValidationFault",
                 element: str = "") -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.detail = status, code, message, detail
        self.kind, self.element = kind, element

    def body(self) -> dict:
        error = {"Message": self.message, "Detail": self.detail or self.message, "code": self.code}
        if self.element:
            error["element"] = self.element
        return {"Fault": {"Error": [error], "type": self.kind}, "time": qbo_time(datetime.now(UTC))}


def qbo_time(when: datetime) -> str:
    """QBO's response timestamps: ISO 8601 with milliseconds and the company's offset (kept UTC here)."""
    return when.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{when.microsecond // 1000:03d}-00:00"


def not_found(entity: str, ident: str) -> QBOFault:
    return QBOFault(400, "610", "Object Not Found",
                    f"Object Not Found : Something you're trying to use has been made inactive. "
                    f"Check the fields with accounts, customers, items, vendors or employees. ({entity} {ident})")


def stale(entity: str) -> QBOFault:
    return QBOFault(400, "5010", "Stale Object Error",
                    f"Stale Object Error : You and revhub were working on this {entity} at the same time. "
                    "revhub finished before you did, so your work was not saved.")


def invalid(message: str, element: str = "") -> QBOFault:
    """A request-validation error (code 2020 "Required param missing", 2010 invalid, ...)."""
    return QBOFault(400, "2020" if "required" in message.lower() else "2010",
                    "Required param missing, need to supply the required value for the API"
                    if "required" in message.lower() else "Request has invalid or unsupported property",
                    message, element=element)


def business(message: str) -> QBOFault:
    return QBOFault(400, "6000", "A business validation error has occurred while processing your request",
                    f"Business Validation Error: {message}")


def parse_error(detail: str) -> QBOFault:
    return QBOFault(400, "4000", "Error parsing query", f"QueryParserError: {detail}")


def throttled() -> QBOFault:
    return QBOFault(429, "3001", "message=ThrottleExceeded; errorCode=003001; statusCode=429",
                    "The request limit was reached.", kind="ThrottleExceeded")


def unauthenticated(detail: str) -> tuple[int, bytes]:
    """QBO's 401 body is lower-case (``fault.error``), unlike every other fault."""
    body = {"warnings": None, "intuitObject": None,
            "fault": {"error": [{"message": "message=AuthenticationFailed; errorCode=003200; statusCode=401",
                                 "detail": detail, "code": "3200", "element": None}], "type": "AUTHENTICATION"},
            "report": None, "queryResponse": None, "batchItemResponse": [], "attachableResponse": [],
            "syncErrorResponse": None, "requestId": None, "time": 0, "status": None, "cdcresponse": []}
    return 401, json.dumps(body).encode()


def rendered(kind: str) -> tuple[int, list[tuple[str, str]], bytes]:
    """An injected fault (``revhub.sandbox.faults`` kinds) in QBO's own shape."""
    if kind == "429":
        fault = throttled()
    else:
        status = int(kind)
        fault = QBOFault(status, "10000" if status == 500 else "3003",
                         "An application error has occurred while processing your request"
                         if status == 500 else "Service Unavailable", "System Failure Error", kind="SystemFault")
    return fault.status, [("Content-Type", JSON)], json.dumps(fault.body()).encode()
