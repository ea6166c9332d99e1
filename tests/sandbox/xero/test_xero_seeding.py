"""load_dataset: the generated data set as records the API would have produced."""

from __future__ import annotations

from revhub.money import to_minor
from revhub.sandbox.dataset import generate


def test_loaded_invoices_carry_the_po_number_and_totals(sandbox, accounting, tenant):
    ds = generate(12, seed=3)
    sandbox.load_dataset(ds)
    source = ds.invoices[0]
    invoice = accounting.get_invoice(tenant, source.number).invoices[0]
    assert invoice.reference == source.po_number
    assert to_minor(invoice.total, source.currency) == source.total
    assert len(accounting.get_invoices(tenant, page=1).invoices) == len(ds.invoices)


def test_paid_invoices_are_paid_and_voided_are_voided(sandbox, accounting, tenant):
    ds = generate(40, seed=5)
    sandbox.load_dataset(ds)
    statuses = {i.invoice_number: i.status for i in accounting.get_invoices(tenant).invoices}
    for source in ds.invoices:
        expected = {"paid": "PAID", "void": "VOIDED"}.get(source.status, "AUTHORISED")
        assert statuses[source.number] == expected, source


def test_companies_become_contacts_with_their_ap_mailbox(sandbox, accounting, tenant):
    ds = generate(5, seed=1)
    sandbox.load_dataset(ds)
    emails = {c.email_address for c in accounting.get_contacts(tenant).contacts}
    assert emails == {c.email for c in ds.companies}


def test_refunds_become_cash_refunded_credit_notes(sandbox, accounting, tenant):
    ds = generate(60, seed=2)
    sandbox.load_dataset(ds)
    notes = accounting.get_credit_notes(tenant).credit_notes
    assert len(notes) == len(ds.refunds)
    assert all(n.status == "PAID" and n.remaining_credit == 0 for n in notes)
