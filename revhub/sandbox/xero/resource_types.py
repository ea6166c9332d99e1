"""What a served Accounting API resource is, declared as data (see ``resources``)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from revhub.sandbox.xero.errors import ValidationFailed
from revhub.sandbox.xero.ledger import Write
from revhub.sandbox.xero.store import Record

COMMON_GET = frozenset({"where", "order", "page", "pageSize"})


def read_only(w: Write, element: dict) -> Record:
    """The create handler of a resource clients cannot create (the chart of accounts)."""
    raise ValidationFailed("This resource cannot be created through the sandbox API.")


@dataclass(frozen=True)
class Resource:
    name: str  # path segment and wrapper key, e.g. "Invoices"
    type_name: str  # singular, as Xero names it in query errors
    id_field: str
    key_field: str | None  # natural key also accepted in the path
    paged: bool
    get_params: frozenset[str]
    find: Callable[[Write, dict], Record | None]
    create: Callable[[Write, dict], Record]
    update: Callable[[Write, Record, dict], Record] | None
    where_fields: frozenset[str]
    list_filters: dict[str, str] = field(default_factory=dict)  # query param -> field path
    search_fields: tuple[str, ...] = ()
    write_params: frozenset[str] = frozenset({"summarizeErrors", "unitdp"})
    status_attribute: bool = True  # whether the model has StatusAttributeString


def by_field(id_field: str, key_field: str | None, resource: str):
    """A ``find`` that looks an element up by its id field, else by its natural key."""
    def find(w: Write, element: dict) -> Record | None:
        if element.get(id_field):
            return w.books[resource].get(str(element[id_field]))
        if key_field and element.get(key_field):
            return w.books[resource].by_key(key_field, str(element[key_field]))
        return None

    return find
