"""Recording a batch of write-back results as links: two records of one batch written onto
the same remote record (a PO's two open invoices onto its one Salesforce PO) leave that remote
record linked once, to the later of the two, in the batch's own transaction."""

import pytest
from sqlalchemy import select

from revhub.mappings.outbox import upsert_links
from revhub.store import Customer, Link
from tests.sync.changes import apply, customer

pytestmark = pytest.mark.store


def _customers(db) -> list:
    apply(db, "stripe", customer("cus_1", "1"), customer("cus_2", "1", email="ap@other.example", name="Other"))
    with db.session() as s:
        return [s.scalar(select(Customer.id).where(Customer.email == email))
                for email in ("ap@acmelabs.example", "ap@other.example")]


def test_two_records_written_onto_one_remote_record_in_one_batch_link_it_to_the_later(connections):
    db = connections
    first, later = _customers(db)

    with db.session(write=True) as s:
        upsert_links(s, "salesforce", [("customer", first, "001H000000000AAA", {"name": "Acme Labs Inc."}),
                                       ("customer", later, "001H000000000AAA", {"name": "Other"})])

    with db.session() as s:
        links = s.execute(select(Link.canonical_id, Link.base_snapshot).where(Link.system == "salesforce")).all()
    assert links == [(later, {"name": "Other"})]
