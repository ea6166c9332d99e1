"""Rounding as Xero documents it ("Rounding in Xero"): unit amounts at 2 dp unless
``unitdp=4``, line amounts and totals at 2 dp, totals the sums of the rounded lines."""

from __future__ import annotations

from decimal import Decimal

from xero_python.accounting import CurrencyCode, Invoices, Item, Items, LineItem, Purchase

from tests.sandbox.xero.conftest import sales_invoice


def _create(accounting, tenant, invoice, **kwargs):
    return accounting.create_invoices(tenant, Invoices(invoices=[invoice]), **kwargs).invoices[0]


def test_a_three_decimal_unit_amount_is_kept_at_two(accounting, tenant, customer):
    invoice = _create(accounting, tenant,
                      sales_invoice(customer.contact_id, quantity=3, unit=Decimal("33.335")))
    line = invoice.line_items[0]
    assert line.unit_amount == Decimal("33.34")
    assert line.line_amount == Decimal("100.02")
    assert invoice.total == Decimal("100.02")


def test_unitdp_4_keeps_four_decimals_and_rounds_the_line_to_two(accounting, tenant, customer):
    invoice = _create(accounting, tenant,
                      sales_invoice(customer.contact_id, quantity=3, unit=Decimal("33.3333")),
                      unitdp=4)
    line = invoice.line_items[0]
    assert line.unit_amount == Decimal("33.3333")
    assert line.line_amount == Decimal("100.00")
    assert invoice.sub_total == invoice.total == Decimal("100.00")


def test_a_four_decimal_unit_reads_back_at_two_without_unitdp(accounting, tenant, customer):
    created = _create(accounting, tenant,
                      sales_invoice(customer.contact_id, quantity=1, unit=Decimal("12.3456")),
                      unitdp=4)
    plain = accounting.get_invoice(tenant, created.invoice_id).invoices[0]
    precise = accounting.get_invoice(tenant, created.invoice_id, unitdp=4).invoices[0]
    assert plain.line_items[0].unit_amount == Decimal("12.35")
    assert precise.line_items[0].unit_amount == Decimal("12.3456")
    assert plain.total == precise.total == Decimal("12.35")


def test_totals_are_sums_of_the_rounded_lines(accounting, tenant, customer):
    invoice = sales_invoice(customer.contact_id, quantity=1, unit=Decimal("0.0050"))
    invoice.line_items.append(LineItem(description="Second", quantity=1,
                                       unit_amount=Decimal("0.0050"), account_code="200"))
    created = _create(accounting, tenant, invoice, unitdp=4)
    assert [line.line_amount for line in created.line_items] == [Decimal("0.01")] * 2
    assert created.total == Decimal("0.02")  # not round(0.0100) = 0.01


def test_a_three_decimal_currency_is_rounded_to_two_as_well(accounting, tenant, customer):
    invoice = sales_invoice(customer.contact_id, quantity=2, unit=Decimal("10.125"))
    invoice.currency_code = CurrencyCode.KWD
    created = _create(accounting, tenant, invoice)
    assert created.line_items[0].unit_amount == Decimal("10.13")
    assert created.total == Decimal("20.26")


def test_quantities_are_kept_to_four_decimals(accounting, tenant, customer):
    created = _create(accounting, tenant,
                      sales_invoice(customer.contact_id, quantity=Decimal("1.23456"),
                                    unit=Decimal("100.00")))
    assert created.line_items[0].quantity == Decimal("1.2346")
    assert created.total == Decimal("123.46")


def test_item_prices_follow_unitdp_too(accounting, tenant):
    item = Item(code="SEAT-4DP", name="Seat", purchase_details=Purchase(unit_price=Decimal("1.2345")))
    accounting.create_items(tenant, Items(items=[item]), unitdp=4)
    plain = accounting.get_item(tenant, "SEAT-4DP").items[0]
    precise = accounting.get_item(tenant, "SEAT-4DP", unitdp=4).items[0]
    assert plain.purchase_details.unit_price == Decimal("1.23")
    assert precise.purchase_details.unit_price == Decimal("1.2345")


def test_an_item_price_sent_without_unitdp_is_stored_at_two(accounting, tenant):
    item = Item(code="SEAT-2DP", name="Seat", purchase_details=Purchase(unit_price=Decimal("1.2345")))
    accounting.create_items(tenant, Items(items=[item]))
    precise = accounting.get_item(tenant, "SEAT-2DP", unitdp=4).items[0]
    assert precise.purchase_details.unit_price == Decimal("1.23")
