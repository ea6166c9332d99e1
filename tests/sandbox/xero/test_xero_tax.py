"""Tax rates of a Dutch organisation, and tax per line from TaxType and LineAmountTypes."""

from __future__ import annotations

from decimal import Decimal

import pytest
from xero_python.accounting import (
    CreditNote,
    CreditNotes,
    Invoices,
    LineAmountTypes,
    LineItem,
    TaxComponent,
    TaxRate,
    TaxRates,
)
from xero_python.exceptions import AccountingBadRequestException

from tests.sandbox.xero.conftest import sales_invoice


def _invoice(accounting, tenant, contact_id, amount_types, *lines):
    invoice = sales_invoice(contact_id)
    invoice.line_amount_types = amount_types
    invoice.line_items = [
        LineItem(description=f"Line {n}", quantity=q, unit_amount=Decimal(u), account_code="200",
                 tax_type=t)
        for n, (q, u, t) in enumerate(lines)
    ]
    return accounting.create_invoices(tenant, Invoices(invoices=[invoice])).invoices[0]


def test_the_dutch_rates_are_set_up(accounting, tenant):
    rates = {r.tax_type: r for r in accounting.get_tax_rates(tenant).tax_rates}
    assert {t: rates[t].effective_rate for t in
            ("OUTPUT", "TAX001", "TAX002", "NONE", "TAX003", "TAX004")} == {
        "OUTPUT": 21, "TAX001": 9, "TAX002": 0, "NONE": 0, "TAX003": 0, "TAX004": 0}
    assert rates["TAX003"].name == "EU reverse charge (BTW verlegd)"
    assert rates["OUTPUT"].status == "ACTIVE" and rates["OUTPUT"].report_tax_type == "OUTPUT"


def test_one_rate_is_read_by_its_tax_type(accounting, tenant):
    [rate] = accounting.get_tax_rate_by_tax_type(tenant, "TAX001").tax_rates
    assert (rate.name, rate.display_tax_rate) == ("BTW 9% laag", 9)


def test_exclusive_tax_is_added_per_line(accounting, tenant, customer):
    invoice = _invoice(accounting, tenant, customer.contact_id, LineAmountTypes.EXCLUSIVE,
                       (3, "33.33", "OUTPUT"), (1, "100.00", "TAX001"))
    assert [line.tax_amount for line in invoice.line_items] == [Decimal("21.00"), Decimal("9.00")]
    assert (invoice.sub_total, invoice.total_tax, invoice.total) == (
        Decimal("199.99"), Decimal("30.00"), Decimal("229.99"))


def test_inclusive_tax_is_taken_out_of_the_line(accounting, tenant, customer):
    invoice = _invoice(accounting, tenant, customer.contact_id, LineAmountTypes.INCLUSIVE,
                       (1, "121.00", "OUTPUT"))
    assert invoice.line_items[0].tax_amount == Decimal("21.00")
    assert (invoice.sub_total, invoice.total_tax, invoice.total) == (
        Decimal("100.00"), Decimal("21.00"), Decimal("121.00"))


def test_no_tax_lines_carry_no_tax(accounting, tenant, customer):
    invoice = _invoice(accounting, tenant, customer.contact_id, LineAmountTypes.NOTAX,
                       (1, "121.00", None))
    assert (invoice.line_items[0].tax_type, invoice.line_items[0].tax_amount) == ("NONE", 0)
    assert invoice.total_tax == 0 and invoice.total == Decimal("121.00")


def test_tax_is_rounded_per_line_as_in_xeros_own_example(accounting, tenant, customer):
    # developer.xero.com "Rounding in Xero": 25.06, 25.61, 25.63 at 15 % -> tax 11.44.
    [rate] = accounting.create_tax_rates(tenant, TaxRates(tax_rates=[TaxRate(
        name="Example 15%", report_tax_type="OUTPUT",
        tax_components=[TaxComponent(name="VAT", rate=15)])])).tax_rates
    assert rate.tax_type == "TAX005"
    invoice = _invoice(accounting, tenant, customer.contact_id, LineAmountTypes.EXCLUSIVE,
                       (1, "25.06", "TAX005"), (1, "25.61", "TAX005"), (1, "25.63", "TAX005"))
    assert (invoice.sub_total, invoice.total_tax, invoice.total) == (
        Decimal("76.30"), Decimal("11.44"), Decimal("87.74"))


def test_an_unknown_tax_type_is_refused_with_xeros_message(accounting, tenant, customer):
    with pytest.raises(AccountingBadRequestException) as caught:
        _invoice(accounting, tenant, customer.contact_id, LineAmountTypes.EXCLUSIVE,
                 (1, "10.00", "BTW21"))
    assert caught.value.reason == (
        "The TaxType code 'BTW21' does not exist or cannot be used for this type of transaction.")


def test_a_purchase_rate_on_a_sales_account_is_refused(accounting, tenant, customer):
    with pytest.raises(AccountingBadRequestException) as caught:
        _invoice(accounting, tenant, customer.contact_id, LineAmountTypes.EXCLUSIVE,
                 (1, "10.00", "INPUT"))
    assert caught.value.reason == "The TaxType code 'INPUT' cannot be used with account code '200'."


def test_a_line_without_tax_type_takes_the_accounts_default(accounting, tenant, customer):
    invoice = _invoice(accounting, tenant, customer.contact_id, LineAmountTypes.EXCLUSIVE,
                       (2, "50.00", None))
    assert invoice.line_items[0].tax_type == "OUTPUT"  # account 200's default
    assert invoice.total_tax == Decimal("21.00")


def test_credit_notes_are_taxed_the_same_way(accounting, tenant, customer):
    [note] = accounting.create_credit_notes(tenant, CreditNotes(credit_notes=[CreditNote(
        type="ACCRECCREDIT", contact=customer, status="AUTHORISED",
        line_amount_types=LineAmountTypes.EXCLUSIVE,
        line_items=[LineItem(description="Refund", quantity=1, unit_amount=Decimal("50.00"),
                             account_code="200", tax_type="TAX001")])])).credit_notes
    assert (note.total_tax, note.total, note.remaining_credit) == (
        Decimal("4.50"), Decimal("54.50"), Decimal("54.50"))


def test_changing_line_amount_types_recomputes_the_tax(accounting, tenant, customer):
    draft = sales_invoice(customer.contact_id, status="DRAFT", quantity=1, unit=Decimal("121.00"))
    draft.line_amount_types = LineAmountTypes.EXCLUSIVE
    draft.line_items[0].tax_type = "OUTPUT"
    [created] = accounting.create_invoices(tenant, Invoices(invoices=[draft])).invoices
    from xero_python.accounting import Invoice

    updated = accounting.update_invoice(tenant, created.invoice_id, Invoices(invoices=[Invoice(
        line_amount_types=LineAmountTypes.INCLUSIVE)])).invoices[0]
    assert (updated.total_tax, updated.total) == (Decimal("21.00"), Decimal("121.00"))


def test_a_rate_is_updated_by_name(accounting, tenant):
    accounting.update_tax_rate(tenant, TaxRates(tax_rates=[TaxRate(
        name="BTW 9% laag", tax_components=[TaxComponent(name="BTW", rate=Decimal("9.5"))])]))
    [rate] = accounting.get_tax_rate_by_tax_type(tenant, "TAX001").tax_rates
    assert rate.effective_rate == Decimal("9.5")


def test_a_duplicate_rate_name_is_refused(accounting, tenant):
    with pytest.raises(AccountingBadRequestException):
        accounting.create_tax_rates(tenant, TaxRates(tax_rates=[TaxRate(
            name="BTW 0%", tax_components=[TaxComponent(name="BTW", rate=0)])]))
