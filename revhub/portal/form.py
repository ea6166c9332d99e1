"""The portal form as the API's submission: the same JSON goes through the same validation
(``revhub.orders.validation.validate``) and the same ``service.submit``. Nothing here decides
what a valid PO is; it only turns form fields into that JSON and errors back into fields."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from werkzeug.datastructures import MultiDict

SCALARS = ("po_number", "issue_date", "currency", "payment_terms", "subscription_start", "subscription_end", "total")
LINE_FIELDS = ("product", "description", "quantity", "unit_price", "tax_code")
MIN_LINES, MAX_LINES = 1, 50
_LINE = re.compile(r"^lines\[(\d{1,2})\]\.(\w+)$")


@dataclass
class PortalForm:
    """What the customer typed, kept as typed so an error never loses it."""

    values: dict[str, str] = field(default_factory=dict)
    lines: list[dict[str, str]] = field(default_factory=list)

    @classmethod
    def from_request(cls, form: MultiDict) -> PortalForm:
        values = {name: (form.get(name) or "").strip()[:200] for name in SCALARS}
        rows: dict[int, dict[str, str]] = {}
        for key in form:
            match = _LINE.match(key)
            if match and match.group(2) in LINE_FIELDS and int(match.group(1)) < MAX_LINES:
                rows.setdefault(int(match.group(1)), {})[match.group(2)] = (form.get(key) or "").strip()[:600]
        lines = [{name: rows[i].get(name, "") for name in LINE_FIELDS} for i in sorted(rows)]
        # A row left wholly empty is a spare row, not a line.
        lines = [ln for ln in lines if any(ln.values())] or [dict.fromkeys(LINE_FIELDS, "")]
        return cls(values, lines)

    @classmethod
    def blank(cls, *, currency: str | None, payment_terms: str | None, today: str) -> PortalForm:
        values = dict.fromkeys(SCALARS, "")
        values.update(currency=currency or "EUR", payment_terms=payment_terms or "NET30", issue_date=today)
        return cls(values, [dict.fromkeys(LINE_FIELDS, "")])

    def with_spare_line(self) -> PortalForm:
        if len(self.lines) < MAX_LINES:
            self.lines.append(dict.fromkeys(LINE_FIELDS, ""))
        return self

    def submission(self, customer_id: str) -> dict[str, Any]:
        """The API's JSON body for this form (amounts stay decimal strings, as the API takes them)."""
        body: dict[str, Any] = {"customer": {"id": customer_id}}
        for name in SCALARS:
            if self.values.get(name):
                body[name] = self.values[name]
        body["lines"] = [_line_json(ln) for ln in self.lines]
        return body


def _line_json(line: dict[str, str]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    quantity = line.get("quantity", "")
    # A whole number becomes an integer; anything else goes as typed so the API's rule names it.
    out["quantity"] = int(quantity) if quantity.isdigit() else (quantity or None)
    out["unit_price"] = line.get("unit_price") or None
    if line.get("product"):
        out["product"] = line["product"]
    if line.get("description"):
        out["description"] = line["description"]
    out["tax_code"] = line.get("tax_code") or None
    return out


def field_id(path: str) -> str:
    """The HTML id of the input for an error's field path: ``lines[0].unit_price`` → ``f-lines-0-unit_price``."""
    return "f-" + re.sub(r"[\[\].]+", "-", path).strip("-")


def errors_by_field(errors: list[tuple[str, str]], form: PortalForm) -> tuple[dict[str, str], list[str]]:
    """Errors keyed by the form field they belong beside, and the rest (shown at the top)."""
    company = {"ap_email", "billing_line1", "billing_postal_code", "billing_city", "billing_country", "vat_number"}
    lines = {f"lines[{i}].{name}" for i in range(len(form.lines)) for name in LINE_FIELDS}
    on_form = set(SCALARS) | company | lines
    placed: dict[str, str] = {}
    general: list[str] = []
    for path, text in errors:
        if path == "document" or path in on_form:
            placed.setdefault(path, text)
        elif re.fullmatch(r"lines\[\d+\]", path) and f"{path}.quantity" in on_form:
            placed.setdefault(f"{path}.quantity", text)
        else:
            general.append(f"{path}: {text}" if path else text)
    return placed, general
