"""PO intake with VAT: tax codes per line, amounts inclusive or exclusive, and nothing about
tax ever dropped: an unknown field or code is a 422 naming it."""

import pytest
from sqlalchemy import select

from revhub.store import Customer, Invoice, PurchaseOrder
from tests.orders.conftest import approval_threshold
from tests.orders.test_intake import count, po

pytestmark = pytest.mark.store

TAXED = [{"product": "RH-PLAT", "description": "Platform licence", "quantity": 3, "unit_price": "33.33",
          "tax_code": "NL_VAT_21"},
         {"description": "Training book", "quantity": 2, "unit_price": "10.05", "tax_code": "NL_VAT_9"}]


def eur(**overrides):
    return po(**{"currency": "EUR", "lines": [dict(line) for line in TAXED], "total": "142.90", **overrides})


def fields(response) -> set[str]:
    return {e["field"] for e in response.json["errors"]}


def test_a_taxed_po_is_stored_with_each_lines_tax_and_invoiced_with_subtotal_tax_and_total(api, db):
    approval_threshold(db, "EUR", "1000000")
    response = api("post", "/api/purchase-orders", eur(tax="22.81"))
    assert response.status_code == 201, response.json
    assert [(ln["tax_code"], ln["tax"]) for ln in response.json["lines"]] == [("NL_VAT_21", "21.00"),
                                                                            ("NL_VAT_9", "1.81")]
    with db.session() as s:
        invoice = s.scalars(select(Invoice)).one()
        assert (invoice.subtotal_minor, invoice.tax_minor, invoice.total_minor) == (12009, 2281, 14290)


def test_an_unknown_tax_field_on_a_line_is_a_422_naming_it(api, db):
    body = eur()
    body["lines"][0] = {**TAXED[0], "vat_rate": "21"}
    response = api("post", "/api/purchase-orders", body)
    assert response.status_code == 422 and "lines[0].vat_rate" in fields(response)
    assert count(db, PurchaseOrder) == 0


def test_an_unknown_field_on_the_po_is_a_422_naming_it(api, db):
    response = api("post", "/api/purchase-orders", eur(tax_rate="21%"))
    assert response.status_code == 422 and fields(response) == {"tax_rate"}


def test_an_unknown_tax_code_is_a_422_naming_the_line(api):
    body = eur()
    body["lines"][1] = {**TAXED[1], "tax_code": "BTW_LAAG"}
    response = api("post", "/api/purchase-orders", body)
    assert response.status_code == 422 and "lines[1].tax_code" in fields(response)


def test_a_total_without_the_vat_is_refused_with_the_total_the_lines_make(api):
    response = api("post", "/api/purchase-orders", eur(total="120.09"))
    assert response.status_code == 422
    [error] = response.json["errors"]
    assert error == {"field": "total", "message": "120.09 does not equal the sum of the lines plus VAT, 142.90"}


def test_a_stated_tax_that_differs_from_the_lines_vat_is_refused(api):
    response = api("post", "/api/purchase-orders", eur(tax="22.80"))
    assert response.status_code == 422 and fields(response) == {"tax"}


def test_reverse_charge_for_a_customer_without_a_vat_number_is_refused(api, db):
    lines = [{"description": "Platform licence", "quantity": 1, "unit_price": "100.00",
              "tax_code": "EU_REVERSE_CHARGE"}]
    response = api("post", "/api/purchase-orders", po(currency="EUR", lines=lines, total="100.00"))
    assert response.status_code == 422 and fields(response) == {"lines[0].tax_code"}
    with db.session(write=True) as s:
        s.scalars(select(Customer)).one().tax_id = "DE123456789"
    assert api("post", "/api/purchase-orders", po(currency="EUR", lines=lines, total="100.00")).status_code == 201


def test_amounts_including_vat_must_be_true_or_false(api):
    response = api("post", "/api/purchase-orders", eur(amounts_include_tax="yes"))
    assert response.status_code == 422 and "amounts_include_tax" in fields(response)


def test_a_line_without_a_tax_code_beside_a_taxed_line_is_a_422_naming_it(api):
    body = eur()
    del body["lines"][1]["tax_code"]
    response = api("post", "/api/purchase-orders", body)
    assert response.status_code == 422 and "lines[1].tax_code" in fields(response)
