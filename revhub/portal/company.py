"""The customer's own details on the portal form (AP e-mail, billing address, VAT number): checked,
then changed through ``sync.apply`` as a revhub change, so the change is audited and reaches the
systems that hold the customer like any other."""

from __future__ import annotations

import re
import time

from sqlalchemy.orm import Session

from revhub.connectors.base import Change
from revhub.store import Customer
from revhub.sync.apply import apply_changes
from revhub.sync.context import revhub_context

# form field → Customer column
FIELDS = {"ap_email": "email", "billing_line1": "billing_line1", "billing_postal_code": "billing_postal_code",
          "billing_city": "billing_city", "billing_country": "billing_country", "vat_number": "tax_id"}
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
# An EU VAT number: the country's two letters, then 2 to 13 letters and digits (VIES formats).
_VAT = re.compile(r"^[A-Z]{2}[0-9A-Z]{2,13}$")
_LIMITS = {"billing_line1": 255, "billing_postal_code": 32, "billing_city": 128}


def current(customer: Customer) -> dict[str, str]:
    """The form's company fields as the customer record holds them."""
    return {name: getattr(customer, column) or "" for name, column in FIELDS.items()}


def normalised(values: dict[str, str]) -> dict[str, str]:
    out = {name: (values.get(name) or "").strip() for name in FIELDS}
    out["vat_number"] = re.sub(r"[\s.\-]", "", out["vat_number"]).upper()
    out["billing_country"] = out["billing_country"].upper()
    return out


def errors(values: dict[str, str]) -> list[tuple[str, str]]:
    """(field, message) for each company field that cannot be kept."""
    found: list[tuple[str, str]] = []
    if not values["ap_email"]:
        found.append(("ap_email", "is required"))
    elif not _EMAIL.match(values["ap_email"]) or len(values["ap_email"]) > 320:
        found.append(("ap_email", "must be an e-mail address"))
    if values["vat_number"] and not _VAT.match(values["vat_number"]):
        found.append(("vat_number", "must be a VAT number: two country letters, then 2 to 13 letters or digits"))
    if values["billing_country"] and not re.fullmatch(r"[A-Z]{2}", values["billing_country"]):
        found.append(("billing_country", "must be a two-letter country code (ISO 3166), such as NL"))
    found += [(name, f"must be at most {limit} characters") for name, limit in _LIMITS.items()
              if len(values[name]) > limit]
    return found


def apply_company(session: Session, customer: Customer, values: dict[str, str], *, actor: str) -> bool:
    """Change the customer's details to ``values`` (True if anything changed)."""
    changed = {FIELDS[name]: (value or None) for name, value in values.items()
               if value != (getattr(customer, FIELDS[name]) or "")}
    if not changed:
        return False
    # The record's own id as origin: revhub's change lands on this customer, not a natural-key guess.
    apply_changes(session, revhub_context(session, actor), [
        Change("customer", f"customer/{customer.id}", f"{time.time_ns():020d}", changed, origin=str(customer.id))])
    session.refresh(customer)
    return True
