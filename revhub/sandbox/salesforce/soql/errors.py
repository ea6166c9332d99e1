"""A SOQL error with the position Salesforce points at in its message."""

from __future__ import annotations

from revhub.sandbox.salesforce.errors import ApiError


class SoqlError(Exception):
    def __init__(self, code: str, message: str, pos: int) -> None:
        super().__init__(message)
        self.code, self.message, self.pos = code, message, pos

    def to_api_error(self, query: str) -> ApiError:
        """The 400 answer, with Salesforce's echo of the query and a caret under the spot."""
        before = query[:self.pos]
        row = before.count("\n") + 1
        line_start = before.rfind("\n") + 1
        column = self.pos - line_start + 1
        line = query.split("\n")[row - 1] if query else ""
        text = (f"\n{line}\n{' ' * (column - 1)}^\nERROR at Row:{row}:Column:{column}\n"
                f"{self.message}")
        return ApiError(400, self.code, text)
