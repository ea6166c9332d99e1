"""List filters as Stripe applies them: one generic rule per parameter shape, a few named paths.

Which filters an endpoint takes comes from its ``*ListParams`` TypedDict (checked before a
handler runs); this module says how each is applied to a stored object: a scalar is compared
with the field of the same name (``"true"``/``"false"`` with booleans, digits with integers), a
``{gt, gte, lt, lte}`` object is a range on a timestamp, a list is membership.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

PAGING = frozenset({"limit", "starting_after", "ending_before", "expand", "created"})

# Filters whose value is not the object's field of the same name.
_PATHS: dict[tuple[str, str], Callable[[dict], Any]] = {
    ("invoice", "subscription"): lambda o: ((o.get("parent") or {}).get("subscription_details") or {})
    .get("subscription"),
    ("product", "ids"): lambda o: o["id"],
    ("price", "lookup_keys"): lambda o: o.get("lookup_key"),
    ("subscription", "price"): lambda o: [i["price"]["id"] for i in o["items"]["data"]],
    ("balance_transaction", "payout"): lambda o: o.get("_payout"),
    ("payout", "destination"): lambda o: o.get("destination"),
}
# Filters that are not a plain comparison, or whose absence means something.
_SPECIAL: dict[tuple[str, str], Callable[[dict, Any], bool]] = {
    ("subscription", "status"): lambda o, v: v == "all" or o["status"] == v,
    ("price", "recurring"): lambda o, v: bool(o.get("recurring")) and all(
        str(o["recurring"].get(k)) == str(x) for k, x in v.items()),
    ("invoice_payment", "payment"): lambda o, v: all(o["payment"].get(k) == x for k, x in v.items()),
    ("event", "type"): lambda o, v: o["type"] == v or (v.endswith("*") and o["type"].startswith(v[:-1])),
    ("event", "types"): lambda o, v: o["type"] in v,
    ("invoiceitem", "pending"): lambda o, v: (o["invoice"] is None) == (v == "true"),
    ("event", "delivery_success"): lambda o, v: (o["pending_webhooks"] == 0) == (v == "true"),
}
_DEFAULTS: dict[str, Callable[[dict], bool]] = {
    # Canceled subscriptions are listed only when asked for (``status=canceled`` or ``all``).
    "subscription": lambda o: o["status"] != "canceled",
}


def keep(kind: str, query: dict[str, Any]) -> Callable[[dict], bool]:
    """A predicate for ``kind`` objects matching every filter in ``query``."""
    tests = [_test(kind, name, value) for name, value in query.items() if name not in PAGING]
    default = _DEFAULTS.get(kind)
    if default and kind == "subscription" and "status" in query:
        default = None
    if default:
        tests.append(default)
    return lambda obj: all(test(obj) for test in tests)


def _test(kind: str, name: str, value: Any) -> Callable[[dict], bool]:
    special = _SPECIAL.get((kind, name))
    if special:
        return lambda obj: special(obj, value)
    read = _PATHS.get((kind, name), lambda o: o.get(name))
    if isinstance(value, dict):
        return lambda obj: in_range(read(obj), value)
    if isinstance(value, list):
        return lambda obj: read(obj) in value
    return lambda obj: _same(read(obj), value)


def _same(field: Any, value: str) -> bool:
    if isinstance(field, list):
        return value in field
    if isinstance(field, bool):
        return field == (value == "true")
    if isinstance(field, int):
        return str(field) == value
    return field == value


def in_range(field: Any, bounds: dict[str, str]) -> bool:
    """``{gt, gte, lt, lte}`` bounds on an integer field (a missing field never matches)."""
    if field is None:
        return False
    checks = {"gt": lambda b: field > b, "gte": lambda b: field >= b, "lt": lambda b: field < b,
              "lte": lambda b: field <= b}
    return all(checks[op](int(bound)) for op, bound in bounds.items() if op in checks)
