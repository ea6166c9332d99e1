"""Fixtures of the sync tests: the three connections, and a conflict between two of them."""

import pytest
from sqlalchemy import select

from revhub.store import Conflict, Connection
from tests.sync.changes import apply, customer


@pytest.fixture
def connections(db):
    with db.session(write=True) as s:
        for name in ("salesforce", "stripe", "xero"):
            s.add(Connection(name=name, provider=name, settings={}))
    return db


@pytest.fixture
def conflict_id(connections):
    """Salesforce and Xero both changed a customer's e-mail since the last sync."""
    apply(connections, "salesforce", customer("001A", "1"))
    apply(connections, "xero", customer("c-1", "1"))
    apply(connections, "salesforce", customer("001A", "2", email="finance@acmelabs.example"))
    apply(connections, "xero", customer("c-1", "2", email="payables@acmelabs.example"))
    with connections.session() as s:
        return s.scalar(select(Conflict.id).where(Conflict.status == "open"))
