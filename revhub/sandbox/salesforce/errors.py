"""Salesforce's REST error answers: a JSON array of ``{"message", "errorCode"[, "fields"]}``."""

from __future__ import annotations

import json


class ApiError(Exception):
    """An error Salesforce answers with ``status`` and one element in its error array.

    ``fields`` is set for record-level (DML) errors, where Salesforce names the fields;
    query and resource errors carry no ``fields`` key, as in Salesforce.
    """

    def __init__(self, status: int, code: str, message: str,
                 fields: list[str] | None = None) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.fields = status, code, message, fields

    def element(self) -> dict:
        item: dict = {"message": self.message, "errorCode": self.code}
        if self.fields is not None:
            item["fields"] = self.fields
        return item

    def collection_element(self) -> dict:
        """The per-record shape used by sObject Collections (``statusCode``, not ``errorCode``)."""
        return {"statusCode": self.code, "message": self.message, "fields": self.fields or []}

    def body(self) -> bytes:
        return json.dumps([self.element()]).encode()


def not_found() -> ApiError:
    return ApiError(404, "NOT_FOUND", "The requested resource does not exist")


def invalid_session() -> ApiError:
    return ApiError(401, "INVALID_SESSION_ID", "Session expired or invalid")


def limit_exceeded() -> ApiError:
    return ApiError(403, "REQUEST_LIMIT_EXCEEDED", "TotalRequests Limit exceeded.")


def json_parser_error(detail: str) -> ApiError:
    return ApiError(400, "JSON_PARSER_ERROR", detail)


def dml(code: str, message: str, fields: list[str] | None = None, status: int = 400) -> ApiError:
    """A record-level error (always carries ``fields``, possibly empty)."""
    return ApiError(status, code, message, list(fields or []))
