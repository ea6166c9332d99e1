"""Tax rates and the taxes Stripe computes on invoice lines (API 2026-10-28 fields)."""

import pytest
import requests
import stripe


def rate(client, percentage, inclusive=False, name="BTW"):
    return client.v1.tax_rates.create(params={"display_name": name, "percentage": percentage,
                                              "inclusive": inclusive, "jurisdiction": "NL", "country": "NL",
                                              "tax_type": "vat"})


def draft(client, **extra):
    customer = client.v1.customers.create(params={"name": "Acme BV"})
    return client.v1.invoices.create(params={"customer": customer.id, "currency": "eur",
                                             "collection_method": "send_invoice", "days_until_due": 30, **extra})


def test_a_tax_rate_is_created_listed_and_read_back(client):
    created = rate(client, 21)
    assert created.id.startswith("txr_") and created.object == "tax_rate"
    assert (created.percentage, created.inclusive, created.tax_type, created.active) == (21.0, False, "vat", True)
    assert client.v1.tax_rates.retrieve(created.id).display_name == "BTW"
    assert [r.id for r in client.v1.tax_rates.list(params={"inclusive": False}).data] == [created.id]


def test_a_tax_rate_with_an_unknown_tax_type_is_refused(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.tax_rates.create(params={"display_name": "X", "percentage": 5, "inclusive": False,
                                           "tax_type": "btw"})
    assert error.value.param == "tax_type"


def test_a_tax_rate_create_with_the_same_idempotency_key_is_one_rate(sandbox):
    headers = {"Authorization": f"Bearer {sandbox.api_key}", "Idempotency-Key": "tax-nl-21"}
    data = {"display_name": "BTW", "percentage": "21", "inclusive": "false"}
    first = requests.post(f"{sandbox.url}/v1/tax_rates", data=data, headers=headers).json()
    again = requests.post(f"{sandbox.url}/v1/tax_rates", data=data, headers=headers).json()
    assert first["id"] == again["id"] and len(sandbox.store.all("tax_rate")) == 1


def test_an_exclusive_rate_is_added_on_top_rounded_per_line(client):
    vat = rate(client, 21)
    invoice = draft(client)
    invoice = client.v1.invoices.add_lines(invoice.id, params={"lines": [
        {"amount": 3333, "description": "a", "tax_rates": [vat.id]},
        {"amount": 3333, "description": "b", "tax_rates": [vat.id]}]})
    # 21 % of 33.33 is 6.9993: 7.00 per line, 14.00 in all (not 13.9986 rounded once).
    assert [line.taxes[0].amount for line in invoice.lines.data] == [700, 700]
    assert (invoice.subtotal, invoice.total_excluding_tax, invoice.total, invoice.amount_due) == (
        6666, 6666, 8066, 8066)
    assert len(invoice.total_taxes) == 1
    total_tax = invoice.total_taxes[0]
    assert (total_tax.amount, total_tax.taxable_amount, total_tax.tax_behavior) == (1400, 6666, "exclusive")
    assert total_tax.tax_rate_details.tax_rate == vat.id


def test_an_inclusive_rate_is_contained_in_the_amount(client):
    vat = rate(client, 21, inclusive=True)
    invoice = draft(client)
    invoice = client.v1.invoices.add_lines(invoice.id, params={"lines": [
        {"amount": 12100, "description": "Licence", "tax_rates": [vat.id]}]})
    tax = invoice.lines.data[0].taxes[0]
    assert (tax.amount, tax.taxable_amount, tax.tax_behavior) == (2100, 10000, "inclusive")
    assert (invoice.subtotal, invoice.total_excluding_tax, invoice.total) == (12100, 10000, 12100)


def test_default_tax_rates_apply_to_lines_without_their_own(client):
    standard, reduced = rate(client, 21), rate(client, 9, name="BTW laag")
    invoice = draft(client, default_tax_rates=[standard.id])
    invoice = client.v1.invoices.add_lines(invoice.id, params={"lines": [
        {"amount": 10000, "description": "Licence"},
        {"amount": 10000, "description": "Book", "tax_rates": [reduced.id]}]})
    assert [line.taxes[0].tax_rate_details.tax_rate for line in invoice.lines.data] == [standard.id, reduced.id]
    assert invoice.total == 23000 and invoice.default_tax_rates[0].id == standard.id


def test_an_unknown_tax_rate_on_a_line_is_resource_missing(client):
    invoice = draft(client)
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.invoices.add_lines(invoice.id, params={"lines": [
            {"amount": 100, "description": "x", "tax_rates": ["txr_nope"]}]})
    assert (error.value.code, error.value.param) == ("resource_missing", "lines[0][tax_rates][0]")


def test_an_invoice_item_carries_its_tax_rates(client):
    vat = rate(client, 21)
    invoice = draft(client)
    client.v1.invoice_items.create(params={"customer": invoice.customer, "invoice": invoice.id, "amount": 5000,
                                           "currency": "eur", "description": "Setup", "tax_rates": [vat.id]})
    assert client.v1.invoices.retrieve(invoice.id).total == 6050
