"""Changes as connectors hand them to ``sync.apply``, for the sync tests."""

from revhub.connectors.base import Change
from revhub.sync.apply import apply_changes
from revhub.sync.context import context_for


def apply(db, system, *changes):
    with db.session(write=True) as s:
        return apply_changes(s, context_for(s, system), list(changes))


def customer(ext, version, **fields):
    record = dict(name="Acme Labs Inc.", email="ap@acmelabs.example", tax_id="US123456789",
                  default_currency="USD")
    record.update(fields)
    return Change("customer", ext, version, record, changed_at="2026-11-20T10:00:00+00:00")
