"""A PO's lines reach Salesforce as Purchase_Order_Line__c children and survive the echo
(issue 10: every number traceable, the books right in every system). Hub + sandboxes, real
SDKs; what Salesforce holds is read back through simple-salesforce."""

from __future__ import annotations

import time
from decimal import Decimal

import pytest
from simple_salesforce import Salesforce
from sqlalchemy import select

from revhub.connectors.base import Change
from revhub.connectors.salesforce.settings import API_VERSION
from revhub.mappings.outbox import OutboxWorker
from revhub.orders import service
from revhub.sandbox.tls import trusting_session
from revhub.store import Connection, Customer, OutboxMessage, PurchaseOrder
from revhub.sync.apply import apply_changes
from revhub.sync.jobs import plan, sync_all
from tests.integration.clients import salesforce_po, stripe_client
from tests.integration.purchase_orders import linked
from tests.integration.test_ledger_void import invoiced, write_back
from tests.integration.test_ledger_wire import po_body, submit
from tests.integration.test_writeback_stripe import drain
from tests.integration.writeback_hub import invoices_of, let_retry_delays_pass, start_hub

pytestmark = pytest.mark.store

# Quantities, unit prices and VAT at three rates and none; tax per line, rounded half up.
LINES = [
    {"description": "Platform licence", "quantity": 3, "unit_price": "33.33", "tax_code": "NL_VAT_21"},
    {"description": "Training book", "quantity": 2, "unit_price": "10.05", "tax_code": "NL_VAT_9"},
    {"description": "Intra-community transport", "quantity": 1, "unit_price": "50.00", "tax_code": "NL_VAT_0"},
    {"description": "Medical consult", "quantity": 4, "unit_price": "5.55", "tax_code": "EXEMPT"},
]
EXPECTED = [(3, 3333, "NL_VAT_21", 2100), (2, 1005, "NL_VAT_9", 181), (1, 5000, "NL_VAT_0", 0),
            (4, 555, "EXEMPT", 0)]
LINE_SOQL = ("SELECT Id, Revhub_Line_Id__c, Description__c, Quantity__c, Unit_Price__c, Total_Price__c, "
             "Tax_Code__c, Tax_Amount__c, SystemModstamp FROM Purchase_Order_Line__c WHERE Purchase_Order__c = '{}' "
             "ORDER BY Id")



def crm(running) -> Salesforce:
    sf = running["salesforce"]
    return Salesforce(instance_url=sf.url, session_id=sf.sandbox.sessions.static_token, version=API_VERSION,
                      session=trusting_session(sf.settings["ca_bundle"]))


def waiting_po(db, number: str, lines: list[dict] = LINES, total: str = "215.10", tax: str = "22.81"):
    """A PO over the approval threshold, as the intake API takes it: it waits for approval."""
    with db.session() as s:
        email = s.scalars(select(Customer.email).where(Customer.deleted_at.is_(None), Customer.tax_id.is_not(None))
                          .order_by(Customer.name)).first()
    return submit(db, po_body(email, lines, total, tax=tax, po_number=number), threshold_minor=0)


def canonical_lines(db, po_id) -> list[tuple]:
    with db.session() as s:
        po = s.get(PurchaseOrder, po_id)
        assert po.status == "received"
        return [(ln.quantity, ln.unit_amount_minor, ln.tax_code, ln.tax_minor) for ln in po.lines]


def salesforce_lines(db, hub, po_id) -> list[dict]:
    sf_id = linked(db, "purchase_order", po_id, "salesforce")
    assert sf_id, "the PO never reached Salesforce"
    return crm(hub).query_all(LINE_SOQL.format(sf_id))["records"]


def sync_salesforce_pos(db, vault) -> None:
    results = sync_all(db, vault, plan(db, connection="salesforce", entity="purchase_order"))
    assert all(r.status == "succeeded" for r in results), [(r.entity, r.note) for r in results]


def as_tuple(line: dict) -> tuple:
    return (int(Decimal(str(line["Quantity__c"]))), Decimal(str(line["Unit_Price__c"])), line["Tax_Code__c"],
            Decimal(str(line["Tax_Amount__c"])))


SF_EXPECTED = [(3, Decimal("33.33"), "NL_VAT_21", Decimal("21.00")), (2, Decimal("10.05"), "NL_VAT_9", Decimal("1.81")),
               (1, Decimal("50.00"), "NL_VAT_0", 0), (4, Decimal("5.55"), "EXEMPT", 0)]


def test_a_po_waiting_for_approval_keeps_every_line_and_its_vat_after_the_salesforce_echo(db, vault, hub):
    po_id = waiting_po(db, "4500099001")
    drain(db, vault)
    sync_salesforce_pos(db, vault)

    assert canonical_lines(db, po_id) == EXPECTED


def test_every_line_of_a_submitted_po_is_in_salesforce_with_quantity_unit_price_and_tax(db, vault, hub):
    po_id = waiting_po(db, "4500099002")
    drain(db, vault)

    lines = salesforce_lines(db, hub, po_id)
    assert [as_tuple(ln) for ln in lines] == SF_EXPECTED
    assert [ln["Description__c"] for ln in lines] == [ln["description"] for ln in LINES]
    assert [Decimal(str(ln["Total_Price__c"])) for ln in lines] == [
        Decimal("99.99"), Decimal("20.10"), Decimal("50.00"), Decimal("22.20")]
    assert len({ln["Revhub_Line_Id__c"] for ln in lines}) == 4


def test_the_echo_of_the_pushed_lines_makes_no_new_version_of_the_po(db, vault, hub):
    po_id = waiting_po(db, "4500099003")
    drain(db, vault)
    with db.session() as s:
        version = s.get(PurchaseOrder, po_id).version
    sync_salesforce_pos(db, vault)

    with db.session() as s:
        assert s.get(PurchaseOrder, po_id).version == version
        assert not s.scalars(select(OutboxMessage).where(OutboxMessage.status == "pending")).all()


def test_a_re_push_of_the_po_updates_its_lines_in_place_and_never_duplicates_one(db, vault, hub):
    po_id = waiting_po(db, "4500099004")
    drain(db, vault)
    before = salesforce_lines(db, hub, po_id)
    hub.clock.advance(60)  # a write now would show in each line's SystemModstamp
    with db.session(write=True) as s:  # the same version queued again, as `outbox retry` would
        sent = s.scalars(select(OutboxMessage).where(OutboxMessage.record_id == po_id,
                                                     OutboxMessage.target_system == "salesforce")).all()
        for message in sent:
            message.status, message.next_attempt_at = "pending", None
    drain(db, vault)

    after = salesforce_lines(db, hub, po_id)
    assert [(ln["Id"], ln["SystemModstamp"]) for ln in after] == [(ln["Id"], ln["SystemModstamp"]) for ln in before]
    assert [as_tuple(ln) for ln in after] == SF_EXPECTED


def test_a_line_changed_in_salesforce_by_a_user_is_merged_into_the_canonical_po(db, vault, hub):
    po_id = waiting_po(db, "4500099005")
    drain(db, vault)
    sync_salesforce_pos(db, vault)
    second = salesforce_lines(db, hub, po_id)[1]
    # 5 × 10.05 = 50.25 at 9 %: 4.5225 → 4.52 (Salesforce keeps the tax a user states)
    crm(hub).Purchase_Order_Line__c.update(second["Id"], {"Quantity__c": 5, "Tax_Amount__c": 4.52})
    sync_salesforce_pos(db, vault)

    assert canonical_lines(db, po_id) == [EXPECTED[0], (5, 1005, "NL_VAT_9", 452), *EXPECTED[2:]]


def test_a_line_changed_in_salesforce_long_after_its_po_reaches_the_next_sync(db, vault, hub):
    # Editing a detail record leaves its master's SystemModstamp alone: past the overlap
    # window, only the line's own stamp says the PO changed.
    po_id = waiting_po(db, "4500099006")
    drain(db, vault)
    sync_salesforce_pos(db, vault)
    hub.clock.advance(3600)
    waiting_po(db, "4500099016")  # a later PO moves the sync's cursor an hour past the first
    drain(db, vault)
    sync_salesforce_pos(db, vault)
    hub.clock.advance(3600)
    last = salesforce_lines(db, hub, po_id)[-1]
    crm(hub).Purchase_Order_Line__c.update(last["Id"], {"Quantity__c": 6})
    sync_salesforce_pos(db, vault)

    assert canonical_lines(db, po_id) == [*EXPECTED[:3], (6, 555, "EXEMPT", 0)]


def test_a_line_removed_in_revhub_is_deleted_in_salesforce_and_the_rest_stay_in_place(db, vault, hub):
    po_id = waiting_po(db, "4500099007")
    drain(db, vault)
    before = salesforce_lines(db, hub, po_id)
    hub.clock.advance(60)
    with db.session(write=True) as s:  # revhub's own edit (e.g. a settled conflict): the third line gone
        po = s.get(PurchaseOrder, po_id)
        kept = [dict(position=i, product_id=None, description=ln.description, quantity=ln.quantity,
                     unit_amount_minor=ln.unit_amount_minor, amount_minor=ln.amount_minor, tax_code=ln.tax_code,
                     tax_minor=ln.tax_minor) for i, ln in enumerate([po.lines[0], po.lines[1], po.lines[3]], 1)]
        key = linked(db, "purchase_order", po_id, "revhub")
        apply_changes(s, service.context(s, "test"), [Change("purchase_order", key, f"{time.time_ns():020d}",
                                                             {"lines": kept})])
    drain(db, vault)

    after = salesforce_lines(db, hub, po_id)
    assert [ln["Id"] for ln in after] == [ln["Id"] for ln in before[:3]]
    # The first two lines are untouched; the third takes the fourth's values.
    assert [ln["SystemModstamp"] for ln in after[:2]] == [ln["SystemModstamp"] for ln in before[:2]]
    assert after[2]["SystemModstamp"] != before[2]["SystemModstamp"]
    assert [as_tuple(ln) for ln in after] == [SF_EXPECTED[0], SF_EXPECTED[1], SF_EXPECTED[3]]


@pytest.fixture
def webhook_hub(db, vault, app, sandboxes):
    running, server = start_hub(db, vault, app, sandboxes)
    yield running
    server.stop()


def test_a_new_version_of_a_voided_invoice_never_puts_its_number_back_on_the_re_invoiced_po(
        db, vault, webhook_hub):
    hub = webhook_hub
    po_id, voided = invoiced(db, vault, hub, "4500099008")
    stripe = stripe_client(hub)
    stripe.v1.invoices.void_invoice(linked(db, "invoice", voided.id, "stripe"))
    write_back(db, vault, hub)
    with db.session(write=True) as s:
        service.reinvoice(s, s.get(PurchaseOrder, po_id), actor="test")
    write_back(db, vault, hub)
    _old, new = invoices_of(db, po_id)
    # The voided invoice changes again in Stripe (a note on its terms): a new canonical version.
    stripe.v1.invoices.update(linked(db, "invoice", voided.id, "stripe"),
                              {"metadata": {"terms_due_date": "2027-02-01"}})
    write_back(db, vault, hub)

    assert invoices_of(db, po_id)[0].due_date.isoformat() == "2027-02-01"
    sf = salesforce_po(hub, linked(db, "purchase_order", po_id, "salesforce"))
    assert (sf["Status__c"], sf["Invoice_Number__c"]) == ("Invoiced", new.number)


def test_a_po_whose_lines_are_not_written_yet_keeps_them_when_salesforce_is_synced_meanwhile(db, vault, hub):
    with db.session(write=True) as s:  # every retry in the HTTP layer spent at once
        connection = s.scalar(select(Connection).where(Connection.name == "salesforce"))
        connection.settings = {**connection.settings, "retry_attempts": 2, "retry_max_backoff_seconds": 0.05}
    sf = hub["salesforce"]
    armed = trusting_session(sf.settings["ca_bundle"]).post(f"{sf.url}/__sandbox/faults", json={
        "kind": "503", "count": 2, "path": "Purchase_Order_Line__c", "method": "PATCH"})
    assert armed.status_code in (200, 201), armed.text
    po_id = waiting_po(db, "4500099009")
    OutboxWorker(db, vault, "test-worker").drain()
    assert linked(db, "purchase_order", po_id, "salesforce") is None  # the PO is there, its lines are not
    sync_salesforce_pos(db, vault)
    assert canonical_lines(db, po_id) == EXPECTED

    let_retry_delays_pass(db)
    drain(db, vault)
    sync_salesforce_pos(db, vault)
    assert canonical_lines(db, po_id) == EXPECTED
    assert [as_tuple(ln) for ln in salesforce_lines(db, hub, po_id)] == SF_EXPECTED


def test_a_line_with_the_longest_description_the_intake_takes_reaches_salesforce_whole(db, vault, hub):
    description = "Platform licence, " + "seat " * 98 + "end"  # 511 characters: intake takes up to 512
    lines = [{"description": description, "quantity": 3, "unit_price": "33.33", "tax_code": "NL_VAT_21"}]
    po_id = waiting_po(db, "4500099010", lines, total="120.99", tax="21.00")
    drain(db, vault)
    sync_salesforce_pos(db, vault)

    assert [ln["Description__c"] for ln in salesforce_lines(db, hub, po_id)] == [description]
    with db.session() as s:
        assert [ln.description for ln in s.get(PurchaseOrder, po_id).lines] == [description]
