"""The hub's own echo: Stripe's events about an invoice revhub is still writing never wipe
the canonical invoice, and a Stripe invoice write interrupted anywhere (503s for half a
minute, a killed worker) resumes on the draft it made and finishes it once."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal

import pytest
from sqlalchemy import select
from xero_python.api_client.serializer import serialize_date_ms

from revhub.connectors.stripe.push import StripePusher
from revhub.mappings.outbox import OutboxWorker
from revhub.store import OutboxMessage, PurchaseOrder
from revhub.sync.jobs import plan, sync_all
from tests.integration.clients import stripe_client
from tests.integration.purchase_orders import linked, xero_get
from tests.integration.writeback_hub import (
    drain_outbox,
    echoes_applied,
    fault,
    invoice_state,
    invoices_of,
    lapse_claims,
    let_retry_delays_pass,
    start_hub,
    stripe_events,
    stripe_invoices_numbered,
    submit,
    xero_post,
)

pytestmark = pytest.mark.store

LINES = [("Platform licence", 3, 12025, 36075)]


@pytest.fixture
def hub(db, vault, app, sandboxes):
    running, server = start_hub(db, vault, app, sandboxes)
    yield running
    server.stop()


def assert_one_complete_invoice(db, hub, po_id) -> None:
    """One Stripe invoice and one Xero invoice, each with the PO's line and total; the PO invoiced."""
    [invoice] = invoices_of(db, po_id)
    assert invoice_state(db, invoice.id) == {"number": invoice.number, "status": "open", "subtotal": 36075,
                                             "total": 36075, "due": 36075, "lines": LINES}
    [remote] = stripe_invoices_numbered(hub, invoice.number)
    assert remote.id == linked(db, "invoice", invoice.id, "stripe")
    assert (remote.status, remote.total, remote.amount_due) == ("open", 36075, 36075)
    assert remote.status_transitions.finalized_at is not None
    lines = stripe_client(hub).v1.invoices.line_items.list(remote.id).data
    assert [(ln.quantity, ln.amount) for ln in lines] == [(3, 36075)]
    assert len(stripe_events(hub, "invoice.sent", remote.id)) == 1
    xero = xero_get(hub, f"Invoices/{linked(db, 'invoice', invoice.id, 'xero')}")["Invoices"][0]
    assert (xero["Status"], xero["InvoiceNumber"], Decimal(str(xero["Total"]))) == \
        ("AUTHORISED", invoice.number, Decimal("360.75"))
    assert [(li["Description"], Decimal(str(li["Quantity"])), Decimal(str(li["UnitAmount"])))
            for li in xero["LineItems"]] == [("Platform licence", Decimal("3"), Decimal("120.25"))]
    with db.session() as s:
        assert s.get(PurchaseOrder, po_id).status == "invoiced"


def test_the_echo_of_a_stripe_invoice_revhub_is_still_writing_leaves_the_canonical_invoice_intact(
        db, vault, hub):
    po_id = submit(db, "4500070001")
    [invoice] = invoices_of(db, po_id)
    before = invoice_state(db, invoice.id)
    fault(hub, "stripe", kind="503", count=14, path="/add_lines$")
    assert drain_outbox(db, vault, target="stripe").retried == 1  # the draft exists; its lines do not

    echoes_applied(hub, db, vault)  # invoice.created: a draft, no lines, total 0

    assert invoice_state(db, invoice.id) == before
    [draft] = stripe_invoices_numbered(hub, invoice.number)
    assert (draft.status, draft.total) == ("draft", 0)
    assert linked(db, "invoice", invoice.id, "stripe") == draft.id  # linked at once by its revhub id


def test_fourteen_503s_on_add_lines_then_recovery_give_one_complete_invoice_in_stripe_and_xero(
        db, vault, hub):
    po_id = submit(db, "4500070002")
    fault(hub, "stripe", kind="503", count=14, path="/add_lines$")
    for _ in range(10):  # each round: the workers' pass, the webhooks in between, the backoff over
        drain_outbox(db, vault, target="stripe")
        echoes_applied(hub, db, vault)
        drain_outbox(db, vault)
        let_retry_delays_pass(db)
        with db.session() as s:
            if not s.scalars(select(OutboxMessage).where(OutboxMessage.status != "sent",
                                                         OutboxMessage.status != "skipped",
                                                         OutboxMessage.status != "superseded")).first():
                break
    echoes_applied(hub, db, vault)
    drain_outbox(db, vault)

    assert_one_complete_invoice(db, hub, po_id)


class KilledBefore:
    """The Stripe API as the pusher sees it, except that the worker dies just before ``step``."""

    def __init__(self, api, step: str) -> None:
        self.api, self.step = api, step

    @property
    def calls(self) -> int:
        return self.api.calls

    def request(self, method: str, path: str, entity: str | None = None, **params):
        if path.endswith(self.step):
            raise SystemExit(f"worker killed before {self.step}")
        return self.api.request(method, path, entity, **params)

    def get(self, path: str, entity: str | None = None, **params):
        return self.request("get", path, entity, **params)


@pytest.mark.parametrize("step", ["/add_lines", "/finalize", "/send"])
@pytest.mark.parametrize("echo_first", [True, False], ids=["echo-before-retry", "no-echo"])
def test_a_stripe_invoice_write_killed_between_steps_resumes_on_its_draft_and_finishes_once(
        db, vault, hub, step, echo_first):
    po_id = submit(db, "4500070003")
    doomed = OutboxWorker(db, vault, "doomed",
                          pusher_factory=lambda row, connector: StripePusher(KilledBefore(connector.api, step)))
    with pytest.raises(SystemExit):
        doomed.drain(target="stripe")
    lapse_claims(db)
    if echo_first:
        echoes_applied(hub, db, vault)

    drain_outbox(db, vault, target="stripe", worker="survivor")
    echoes_applied(hub, db, vault)
    drain_outbox(db, vault)

    assert_one_complete_invoice(db, hub, po_id)


def test_a_stripe_invoice_write_killed_before_its_lines_resumes_on_its_draft_after_the_invoice_changed(
        db, vault, hub):
    po_id = submit(db, "4500070004")
    doomed = OutboxWorker(db, vault, "doomed",
                          pusher_factory=lambda row, connector: StripePusher(KilledBefore(connector.api, "/add_lines")))
    with pytest.raises(SystemExit):
        doomed.drain(target="stripe")
    drain_outbox(db, vault, target="xero")
    [invoice] = invoices_of(db, po_id)
    later = invoice.due_date + timedelta(days=15)
    xero_id = linked(db, "invoice", invoice.id, "xero")
    # The accountant moves the due date in Xero while the Stripe write is stuck: a new version
    # of the invoice, whose write carries a new idempotency key. (Sent as xero-python sends dates.)
    xero_post(hub, f"Invoices/{xero_id}", {"Invoices": [{"InvoiceID": xero_id, "DueDate": serialize_date_ms(later)}]})
    assert all(r.status == "succeeded" for r in sync_all(db, vault, plan(db, connection="xero")))
    assert invoices_of(db, po_id)[0].due_date == later
    lapse_claims(db)

    drain_outbox(db, vault, target="stripe", worker="survivor")
    echoes_applied(hub, db, vault)
    drain_outbox(db, vault)

    assert_one_complete_invoice(db, hub, po_id)
