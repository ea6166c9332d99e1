"""Invoices through xero-python: CRUD, status rules, lists, paging, filters, batches."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest
import requests
from xero_python.accounting import Contact, Invoice, Invoices, LineItem
from xero_python.exceptions import AccountingBadRequestException, NotFoundException

from tests.sandbox.xero.conftest import sales_invoice


def create(accounting, tenant, *invoices, **kwargs):
    return accounting.create_invoices(tenant, Invoices(invoices=list(invoices)), **kwargs).invoices


def test_created_invoice_has_number_totals_and_reference(accounting, tenant, customer):
    [invoice] = create(accounting, tenant, sales_invoice(customer.contact_id))
    assert invoice.invoice_number == "INV-0001"
    assert invoice.reference == "PO-0042-2024-1170"
    assert (invoice.sub_total, invoice.total_tax, invoice.total) == (
        Decimal("5880.00"),
        0,
        Decimal("5880.00"),
    )
    assert (invoice.amount_due, invoice.amount_paid) == (Decimal("5880.00"), 0)
    assert invoice.line_items[0].line_amount == Decimal("5880.00")
    assert invoice.status == "AUTHORISED"


def test_invoice_defaults_to_draft(accounting, tenant, customer):
    [invoice] = create(accounting, tenant, sales_invoice(customer.contact_id, status=None))
    assert invoice.status == "DRAFT"


def test_invoice_is_read_back_by_id_and_by_number(accounting, tenant, customer):
    [invoice] = create(accounting, tenant, sales_invoice(customer.contact_id, number="INV-9001"))
    by_id = accounting.get_invoice(tenant, invoice.invoice_id).invoices[0]
    by_number = accounting.get_invoice(tenant, "INV-9001").invoices[0]
    assert by_id.invoice_id == by_number.invoice_id == invoice.invoice_id
    assert by_id.date == date(2024, 3, 1)


def test_dates_are_ms_json_on_the_wire(server, accounting, tenant, customer, token_store):
    [invoice] = create(accounting, tenant, sales_invoice(customer.contact_id))
    raw = requests.get(
        f"{server.url}/api.xro/2.0/Invoices/{invoice.invoice_id}",
        headers={
            "Authorization": "Bearer " + token_store["token"]["access_token"],
            "xero-tenant-id": tenant,
        },
    ).json()
    assert raw["Invoices"][0]["Date"] == "/Date(1709251200000+0000)/"
    assert raw["Status"] == "OK" and raw["DateTimeUTC"].startswith("/Date(")
    assert isinstance(raw["Invoices"][0]["Total"], float)


def test_duplicate_invoice_number_is_a_validation_error(accounting, tenant, customer):
    create(accounting, tenant, sales_invoice(customer.contact_id, number="INV-7"))
    with pytest.raises(AccountingBadRequestException) as caught:
        create(accounting, tenant, sales_invoice(customer.contact_id, number="INV-7"))
    assert caught.value.reason == "Invoice # must be unique."
    assert caught.value.error_data["Type"] == "ValidationException"
    assert caught.value.error_data["ErrorNumber"] == 10


def test_unknown_account_code_is_worded_as_xero_words_it(accounting, tenant, customer):
    invoice = sales_invoice(customer.contact_id)
    invoice.line_items[0].account_code = "999"
    with pytest.raises(AccountingBadRequestException) as caught:
        create(accounting, tenant, invoice)
    assert caught.value.reason == "Account code '999' is not a valid code for this document."


def test_update_changes_reference_and_bumps_updated_date(accounting, tenant, customer, sandbox):
    [invoice] = create(accounting, tenant, sales_invoice(customer.contact_id, status="DRAFT"))
    sandbox.clock.advance(5)
    updated = accounting.update_invoice(
        tenant, invoice.invoice_id, Invoices(invoices=[Invoice(reference="PO-NEW-1")])
    ).invoices[0]
    assert updated.reference == "PO-NEW-1"
    assert updated.updated_date_utc > invoice.updated_date_utc


def test_line_items_omitted_from_an_update_are_deleted(accounting, tenant, customer):
    invoice = sales_invoice(customer.contact_id, status="DRAFT")
    invoice.line_items.append(
        LineItem(description="Onboarding", quantity=1, unit_amount=5000, account_code="200")
    )
    [created] = create(accounting, tenant, invoice)
    keep = created.line_items[0]
    updated = accounting.update_invoice(
        tenant,
        created.invoice_id,
        Invoices(
            invoices=[Invoice(line_items=[LineItem(line_item_id=keep.line_item_id, quantity=2)])]
        ),
    ).invoices[0]
    assert [(line.line_item_id, line.quantity) for line in updated.line_items] == [
        (keep.line_item_id, 2)
    ]
    assert updated.total == Decimal("1176.00")


def test_draft_can_be_deleted(accounting, tenant, customer):
    [invoice] = create(accounting, tenant, sales_invoice(customer.contact_id, status="DRAFT"))
    deleted = accounting.update_invoice(
        tenant, invoice.invoice_id, Invoices(invoices=[Invoice(status="DELETED")])
    ).invoices[0]
    assert deleted.status == "DELETED"


def test_authorised_invoice_can_be_voided_but_not_deleted(accounting, tenant, customer):
    [invoice] = create(accounting, tenant, sales_invoice(customer.contact_id))
    with pytest.raises(AccountingBadRequestException) as caught:
        accounting.update_invoice(
            tenant, invoice.invoice_id, Invoices(invoices=[Invoice(status="DELETED")])
        )
    assert caught.value.reason == "Invoice not of valid status for modification"
    voided = accounting.update_invoice(
        tenant, invoice.invoice_id, Invoices(invoices=[Invoice(status="VOIDED")])
    ).invoices[0]
    assert (voided.status, voided.amount_due) == ("VOIDED", 0)


def test_authorised_invoice_cannot_go_back_to_draft(accounting, tenant, customer):
    [invoice] = create(accounting, tenant, sales_invoice(customer.contact_id))
    with pytest.raises(AccountingBadRequestException):
        accounting.update_invoice(
            tenant, invoice.invoice_id, Invoices(invoices=[Invoice(status="DRAFT")])
        )
    assert accounting.get_invoice(tenant, invoice.invoice_id).invoices[0].status == "AUTHORISED"


def test_unknown_invoice_is_not_found(accounting, tenant):
    with pytest.raises(NotFoundException):
        accounting.get_invoice(tenant, "3f3b0b5e-0000-4000-8000-000000000000")


def test_authorised_invoice_can_be_emailed(accounting, tenant, customer):
    [invoice] = create(accounting, tenant, sales_invoice(customer.contact_id))
    accounting.email_invoice(tenant, invoice.invoice_id, {})
    assert accounting.get_invoice(tenant, invoice.invoice_id).invoices[0].sent_to_contact is True


def test_draft_invoice_cannot_be_emailed(accounting, tenant, customer):
    [invoice] = create(accounting, tenant, sales_invoice(customer.contact_id, status="DRAFT"))
    with pytest.raises(AccountingBadRequestException) as caught:
        accounting.email_invoice(tenant, invoice.invoice_id, {})
    assert caught.value.reason == "Invoice not of valid status for sending by email"


def test_list_pages_through_every_invoice(accounting, tenant, customer):
    batch = [sales_invoice(customer.contact_id, reference=f"PO-{n}") for n in range(230)]
    create(accounting, tenant, *batch[:115])
    create(accounting, tenant, *batch[115:])
    seen, page = [], 1
    while True:
        answer = accounting.get_invoices(tenant, page=page)
        seen += [(i.updated_date_utc, str(i.invoice_id), i.reference) for i in answer.invoices]
        assert answer.pagination.item_count == 230 and answer.pagination.page_count == 3
        if len(answer.invoices) < 100:
            break
        page += 1
    assert sorted(ref for _, _, ref in seen) == sorted(f"PO-{n}" for n in range(230))
    # Xero's default order: UpdatedDateUTC, then InvoiceID (a batch shares one timestamp).
    assert seen == sorted(seen)


def test_page_size_is_honoured(accounting, tenant, customer):
    create(accounting, tenant, *[sales_invoice(customer.contact_id) for _ in range(7)])
    answer = accounting.get_invoices(tenant, page=2, page_size=3)
    assert (len(answer.invoices), answer.pagination.page_count) == (3, 3)


def test_unpaged_list_leaves_line_items_out(accounting, tenant, customer):
    create(accounting, tenant, sales_invoice(customer.contact_id))
    assert accounting.get_invoices(tenant).invoices[0].line_items is None
    assert accounting.get_invoices(tenant, page=1).invoices[0].line_items


def test_if_modified_since_returns_only_later_changes(accounting, tenant, customer, sandbox):
    create(accounting, tenant, sales_invoice(customer.contact_id, reference="old"))
    sandbox.clock.advance(120)
    cutoff = sandbox.clock.now() - timedelta(seconds=1)
    create(accounting, tenant, sales_invoice(customer.contact_id, reference="new"))
    answer = accounting.get_invoices(tenant, if_modified_since=cutoff, page=1)
    assert [i.reference for i in answer.invoices] == ["new"]


def test_naive_if_modified_since_is_taken_as_utc(accounting, tenant, customer, sandbox):
    create(accounting, tenant, sales_invoice(customer.contact_id))
    future = (sandbox.clock.now() + timedelta(hours=1)).replace(tzinfo=None)
    assert accounting.get_invoices(tenant, if_modified_since=future).invoices == []


def test_statuses_and_ids_filter(accounting, tenant, customer):
    draft, authorised = create(
        accounting,
        tenant,
        sales_invoice(customer.contact_id, status="DRAFT"),
        sales_invoice(customer.contact_id),
    )
    assert [i.invoice_id for i in accounting.get_invoices(tenant, statuses=["DRAFT"]).invoices] == [
        draft.invoice_id
    ]
    by_ids = accounting.get_invoices(tenant, i_ds=[authorised.invoice_id]).invoices
    assert [i.invoice_id for i in by_ids] == [authorised.invoice_id]


def test_simple_where_clause_filters(accounting, tenant, customer):
    create(
        accounting,
        tenant,
        sales_invoice(customer.contact_id, reference="PO-A"),
        sales_invoice(customer.contact_id, reference="PO-B"),
    )
    found = accounting.get_invoices(tenant, where='Type=="ACCREC" AND Reference=="PO-B"').invoices
    assert [i.reference for i in found] == ["PO-B"]
    by_contact = accounting.get_invoices(
        tenant, where=f'Contact.ContactID==Guid("{customer.contact_id}")'
    )
    assert len(by_contact.invoices) == 2


def test_where_on_dates_and_amounts(accounting, tenant, customer):
    create(accounting, tenant, sales_invoice(customer.contact_id, quantity=1))
    assert accounting.get_invoices(
        tenant, where="Date>=DateTime(2024,03,01) AND AmountDue>500"
    ).invoices
    assert not accounting.get_invoices(tenant, where="Date>DateTime(2024,03,01)").invoices


def test_unsupported_where_clause_is_rejected_not_ignored(accounting, tenant):
    with pytest.raises(AccountingBadRequestException) as caught:
        accounting.get_invoices(tenant, where='(Status=="DRAFT" OR Status=="PAID") AND Total>0')
    assert caught.value.error_data["Type"] == "QueryParseException"


def test_where_joins_and_groups_with_or_and_binding_tighter(accounting, tenant, customer):
    create(accounting, tenant, sales_invoice(customer.contact_id, quantity=1))
    assert accounting.get_invoices(tenant, where='Status=="DRAFT" OR Status=="AUTHORISED"').invoices
    assert accounting.get_invoices(tenant, where='Status=="PAID" || Status=="AUTHORISED" && AmountDue>500').invoices
    assert not accounting.get_invoices(tenant, where='Status=="PAID" OR Status=="AUTHORISED" AND AmountDue<0').invoices
    # " OR " inside a quoted value is text, not the operator
    assert not accounting.get_invoices(tenant, where='Reference=="A OR Status==" OR Status=="PAID"').invoices


def test_where_on_an_unknown_field_is_rejected(accounting, tenant):
    with pytest.raises(AccountingBadRequestException) as caught:
        accounting.get_invoices(tenant, where='Colour=="red"')
    assert "No property or field 'Colour'" in caught.value.error_data["Message"]


def test_order_sorts_descending(accounting, tenant, customer):
    create(
        accounting,
        tenant,
        sales_invoice(customer.contact_id, reference="PO-1", quantity=1),
        sales_invoice(customer.contact_id, reference="PO-2", quantity=5),
    )
    ordered = accounting.get_invoices(tenant, order="Total DESC").invoices
    assert [i.reference for i in ordered] == ["PO-2", "PO-1"]


def test_unknown_query_parameter_is_rejected(server, tenant, token_store):
    answer = requests.get(
        f"{server.url}/api.xro/2.0/Invoices",
        params={"colour": "red"},
        headers={
            "Authorization": "Bearer " + token_store["token"]["access_token"],
            "xero-tenant-id": tenant,
        },
    )
    assert answer.status_code == 400


def test_page_size_above_1000_is_rejected(accounting, tenant):
    with pytest.raises(AccountingBadRequestException):
        accounting.get_invoices(tenant, page=1, page_size=1001)


def test_batch_without_summarize_errors_reports_each_element(accounting, tenant, customer):
    bad = sales_invoice(customer.contact_id)
    bad.line_items[0].account_code = "999"
    answer = create(
        accounting, tenant, sales_invoice(customer.contact_id), bad, summarize_errors=False
    )
    assert [i.status_attribute_string for i in answer] == ["OK", "ERROR"]
    assert (
        answer[1].validation_errors[0].message
        == "Account code '999' is not a valid code for this document."
    )


def test_summarized_batch_failure_still_saves_the_valid_elements(accounting, tenant, customer):
    bad = sales_invoice(customer.contact_id, reference="bad")
    bad.line_items[0].account_code = "999"
    with pytest.raises(AccountingBadRequestException):
        create(accounting, tenant, sales_invoice(customer.contact_id, reference="good"), bad)
    assert [i.reference for i in accounting.get_invoices(tenant).invoices] == ["good"]


def test_post_upserts_by_invoice_number(accounting, tenant, customer):
    create(accounting, tenant, sales_invoice(customer.contact_id, number="INV-55", status="DRAFT"))
    answer = accounting.update_or_create_invoices(
        tenant,
        Invoices(
            invoices=[
                Invoice(invoice_number="INV-55", reference="PO-UPSERT"),
                sales_invoice(customer.contact_id, number="INV-56"),
            ]
        ),
    ).invoices
    assert [(i.invoice_number, i.reference) for i in answer] == [
        ("INV-55", "PO-UPSERT"),
        ("INV-56", "PO-0042-2024-1170"),
    ]


def test_idempotency_key_replays_the_first_answer(accounting, tenant, customer):
    first = create(
        accounting, tenant, sales_invoice(customer.contact_id), idempotency_key="inv-run-1"
    )
    again = create(
        accounting, tenant, sales_invoice(customer.contact_id), idempotency_key="inv-run-1"
    )
    assert first[0].invoice_id == again[0].invoice_id
    assert len(accounting.get_invoices(tenant).invoices) == 1


def test_idempotency_key_reused_for_another_request_is_rejected(accounting, tenant, customer):
    create(accounting, tenant, sales_invoice(customer.contact_id), idempotency_key="k-1")
    with pytest.raises(AccountingBadRequestException):
        create(
            accounting,
            tenant,
            sales_invoice(customer.contact_id, reference="other"),
            idempotency_key="k-1",
        )


def test_contact_name_only_creates_the_contact(accounting, tenant):
    invoice = sales_invoice(None)
    invoice.contact = Contact(name="Initech Robotics")
    [created] = create(accounting, tenant, invoice)
    assert (
        accounting.get_contact(tenant, created.contact.contact_id).contacts[0].name
        == "Initech Robotics"
    )


def test_accpay_bill_needs_no_unique_number(accounting, tenant, customer):
    bill = sales_invoice(customer.contact_id, number="SUP-1")
    bill.type, bill.reference = "ACCPAY", None
    first, second = create(accounting, tenant, bill, bill)
    assert first.invoice_number == second.invoice_number == "SUP-1"


def test_invoice_dates_come_back_as_dates(accounting, tenant, customer, sandbox):
    [invoice] = create(accounting, tenant, sales_invoice(customer.contact_id))
    assert invoice.due_date == date(2024, 3, 31)
    assert invoice.updated_date_utc.tzinfo is not None
    assert abs(invoice.updated_date_utc - sandbox.clock.now()) < timedelta(minutes=1)


def test_a_discount_line_may_be_negative_but_the_total_may_not(accounting, tenant, customer):
    invoice = sales_invoice(customer.contact_id, quantity=1, unit=Decimal("100.00"))
    invoice.line_items.append(LineItem(description="Discount", quantity=1,
                                       unit_amount=Decimal("-20.00"), account_code="200"))
    assert create(accounting, tenant, invoice)[0].total == Decimal("80.00")
    invoice.line_items[1].unit_amount = Decimal("-100.01")
    with pytest.raises(AccountingBadRequestException) as caught:
        create(accounting, tenant, invoice)
    assert caught.value.reason == "The Total for this document must be greater than or equal to zero."
