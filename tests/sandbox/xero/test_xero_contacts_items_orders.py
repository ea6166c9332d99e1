"""Contacts, Items, Accounts and PurchaseOrders through xero-python."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from xero_python.accounting import (
    Contact,
    Contacts,
    Item,
    Items,
    LineItem,
    Purchase,
    PurchaseOrder,
    PurchaseOrders,
)
from xero_python.exceptions import (
    AccountingBadRequestException,
    HTTPStatusException,
    NotFoundException,
)


def test_chart_has_sales_bank_fees_and_a_clearing_bank_account(accounting, tenant):
    accounts = {a.code: a for a in accounting.get_accounts(tenant).accounts}
    kinds = tuple(accounts[code].type.value for code in ("200", "404", "091"))
    assert kinds == ("REVENUE", "EXPENSE", "BANK")


def test_contact_is_read_by_id_and_by_contact_number(accounting, tenant, customer):
    by_number = accounting.get_contact_by_contact_number(tenant, "001Dn00000Globex").contacts[0]
    assert by_number.contact_id == customer.contact_id
    assert (
        accounting.get_contact(tenant, customer.contact_id).contacts[0].email_address
        == "ap@globexanalytics.example"
    )


def test_put_with_an_existing_name_fails(accounting, tenant, customer):
    with pytest.raises(AccountingBadRequestException) as caught:
        accounting.create_contacts(tenant, Contacts(contacts=[Contact(name="Globex Analytics")]))
    assert "already assigned to another contact" in caught.value.reason


def test_post_with_an_existing_name_updates(accounting, tenant, customer):
    updated = accounting.update_or_create_contacts(
        tenant, Contacts(contacts=[Contact(name="Globex Analytics", tax_number="US123456789")])
    ).contacts[0]
    assert (updated.contact_id, updated.tax_number) == (customer.contact_id, "US123456789")


def test_archived_contacts_are_hidden_unless_asked_for(accounting, tenant, customer):
    accounting.update_contact(
        tenant, customer.contact_id, Contacts(contacts=[Contact(contact_status="ARCHIVED")])
    )
    assert accounting.get_contacts(tenant).contacts == []
    assert len(accounting.get_contacts(tenant, include_archived=True).contacts) == 1


def test_contacts_where_accepts_single_equals(accounting, tenant, customer):
    found = accounting.get_contacts(
        tenant, where='EmailAddress="ap@globexanalytics.example"'
    ).contacts
    assert [c.contact_id for c in found] == [customer.contact_id]


def test_contacts_search_term(accounting, tenant, customer):
    assert (
        accounting.get_contacts(tenant, search_term="globex").contacts[0].contact_id
        == customer.contact_id
    )


def test_item_create_read_and_delete(accounting, tenant):
    [item] = accounting.create_items(
        tenant,
        Items(
            items=[
                Item(
                    code="RH-PLAT",
                    name="Platform licence (per seat)",
                    sales_details=Purchase(unit_price=Decimal("49.00"), account_code="200"),
                )
            ]
        ),
    ).items
    assert accounting.get_item(tenant, "RH-PLAT").items[0].sales_details.unit_price == Decimal(
        "49.00"
    )
    accounting.delete_item(tenant, item.item_id)
    with pytest.raises(NotFoundException):
        accounting.get_item(tenant, item.item_id)


def test_duplicate_item_code_is_refused(accounting, tenant):
    accounting.create_items(tenant, Items(items=[Item(code="RH-SUP", name="Premium support")]))
    with pytest.raises(AccountingBadRequestException):
        accounting.create_items(tenant, Items(items=[Item(code="RH-SUP", name="Premium support")]))


def test_items_do_not_page(accounting, tenant):
    with pytest.raises(HTTPStatusException) as caught:
        accounting.api_client.call_api(
            accounting.base_url + "/Items",
            "GET",
            query_params=[("page", 1)],
            header_params={"xero-tenant-id": tenant},
            auth_settings=["OAuth2"],
            response_type="Items",
            response_model_finder=accounting.get_model_finder(),
        )
    assert caught.value.status == 400


def purchase_order(contact_id, status="DRAFT"):
    return PurchaseOrder(
        contact=Contact(contact_id=contact_id),
        date=date(2024, 2, 1),
        delivery_date=date(2024, 2, 15),
        status=status,
        reference="Laptops Q1",
        line_items=[
            LineItem(
                description="Laptop", quantity=3, unit_amount=Decimal("1450.00"), account_code="310"
            )
        ],
    )


def test_purchase_order_is_numbered_and_totalled(accounting, tenant, customer):
    [order] = accounting.create_purchase_orders(
        tenant, PurchaseOrders(purchase_orders=[purchase_order(customer.contact_id)])
    ).purchase_orders
    # Account 310 (cost of goods sold) carries INPUT, 21 %, which the line takes.
    assert (order.purchase_order_number, order.sub_total, order.total_tax, order.total) == (
        "PO-0001",
        Decimal("4350.00"),
        Decimal("913.50"),
        Decimal("5263.50"),
    )
    assert order.status == "DRAFT" and order.line_items[0].tax_type == "INPUT"
    by_number = accounting.get_purchase_order_by_number(tenant, "PO-0001").purchase_orders[0]
    assert by_number.purchase_order_id == order.purchase_order_id


def test_purchase_orders_filter_by_status(accounting, tenant, customer):
    accounting.create_purchase_orders(
        tenant,
        PurchaseOrders(
            purchase_orders=[
                purchase_order(customer.contact_id),
                purchase_order(customer.contact_id, status="AUTHORISED"),
            ]
        ),
    )
    found = accounting.get_purchase_orders(tenant, status="AUTHORISED").purchase_orders
    assert [o.status for o in found] == ["AUTHORISED"]


def test_purchase_order_needs_an_existing_contact(accounting, tenant):
    with pytest.raises(AccountingBadRequestException):
        accounting.create_purchase_orders(
            tenant,
            PurchaseOrders(
                purchase_orders=[purchase_order("0b7c8e55-0000-4000-8000-000000000000")]
            ),
        )


def test_a_renamed_contact_gives_up_its_old_name(accounting, tenant, customer):
    accounting.update_contact(tenant, customer.contact_id, Contacts(contacts=[Contact(name="Globex Holdings")]))
    again = accounting.create_contacts(tenant, Contacts(contacts=[Contact(name="Globex Analytics")])).contacts[0]
    assert again.contact_id != customer.contact_id
    with pytest.raises(AccountingBadRequestException):
        accounting.create_contacts(tenant, Contacts(contacts=[Contact(name="Globex Holdings")]))
