"""Stripe's error body: ``{"error": {"type", "code", "message", "param", "doc_url", ...}}``."""

from __future__ import annotations

_TYPES = {400: "invalid_request_error", 401: "invalid_request_error", 402: "card_error",
          403: "invalid_request_error", 404: "invalid_request_error", 409: "invalid_request_error",
          429: "invalid_request_error", 500: "api_error", 503: "api_error"}


class StripeError(Exception):
    def __init__(self, status: int, message: str, *, code: str | None = None, param: str | None = None,
                 type_: str | None = None, **extra) -> None:
        super().__init__(message)
        self.status, self.message, self.code, self.param = status, message, code, param
        self.type = type_ or _TYPES.get(status, "api_error")
        self.extra = extra

    def body(self, request_id: str) -> dict:
        error = {"message": self.message, "type": self.type,
                 "request_log_url": f"https://dashboard.stripe.com/test/logs/{request_id}"}
        if self.code:
            error["code"] = self.code
            error["doc_url"] = f"https://docs.stripe.com/error-codes/{self.code.replace('_', '-')}"
        if self.param:
            error["param"] = self.param
        error.update(self.extra)
        return {"error": error}


def missing(kind: str, object_id: str, param: str = "id") -> StripeError:
    return StripeError(404, f"No such {kind}: '{object_id}'", code="resource_missing", param=param)
