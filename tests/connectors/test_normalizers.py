"""Normalizers: provider JSON in, canonical record out (no network)."""

from revhub.connectors.base import Ref
from revhub.connectors.salesforce import normalize as sf
from revhub.connectors.stripe import normalize as st
from revhub.connectors.xero import normalize as xe

STRIPE_INVOICE = {
    "id": "in_1QxYz2", "object": "invoice", "number": "RH-0042", "status": "open",
    "customer": "cus_R4nd0m", "currency": "jpy", "collection_method": "send_invoice",
    "created": 1762000000, "due_date": 1764592000,
    "status_transitions": {"finalized_at": 1762041600, "paid_at": None},
    "subtotal": 1200000, "total": 1320000, "total_taxes": [{"amount": 120000, "tax_behavior": "exclusive"}],
    "amount_due": 1320000, "amount_paid": 600000, "amount_remaining": 720000,
    "custom_fields": [{"name": "PO number", "value": "PO-7781"}],
    "metadata": {"revhub_id": "6f1c"},
    "parent": None,
    "lines": {"object": "list", "has_more": False, "url": "/v1/invoices/in_1QxYz2/lines", "data": [{
        "id": "il_1", "object": "line_item", "amount": 1200000, "currency": "jpy",
        "description": "Platform licence, 12 months", "quantity": 10,
        "pricing": {"type": "price_details", "unit_amount_decimal": "120000",
                    "price_details": {"price": "price_1", "product": "prod_PLAT"}}}]},
}


def test_stripe_invoice_carries_po_number_amounts_and_lines():
    record = st.invoice(STRIPE_INVOICE)
    assert record["po_number"] == "PO-7781"
    assert record["customer_id"] == Ref("customer", "cus_R4nd0m")
    assert (record["currency"], record["total_minor"], record["tax_minor"]) == ("JPY", 1320000, 120000)
    assert (record["amount_paid_minor"], record["amount_due_minor"]) == (600000, 720000)
    assert (record["issue_date"], record["due_date"]) == ("2025-11-02", "2025-12-01")
    assert record["lines"] == [{"description": "Platform licence, 12 months", "quantity": 10,
                                "unit_amount_minor": 120000, "amount_minor": 1200000,
                                "product_id": Ref("product", "prod_PLAT"), "tax_code": None, "tax_minor": 0}]


def test_stripe_po_number_falls_back_to_metadata():
    assert st.po_number({"custom_fields": None, "metadata": {"po_number": "PO-9"}}) == "PO-9"


def test_stripe_charge_takes_fee_and_net_from_its_balance_transaction():
    charge = {"id": "ch_1", "object": "charge", "amount": 10000, "amount_captured": 10000,
              "currency": "usd", "customer": "cus_1", "created": 1762000000, "status": "succeeded",
              "payment_intent": "pi_1", "refunded": False,
              "payment_method_details": {"type": "card"},
              "balance_transaction": {"id": "txn_1", "amount": 10000, "fee": 320, "net": 9680}}
    record = st.payment(charge, [("in_1", 10000)])
    assert (record["amount_minor"], record["fee_minor"], record["net_minor"]) == (10000, 320, 9680)
    assert record["allocations"] == [{"invoice_id": Ref("invoice", "in_1"), "amount_minor": 10000}]
    assert record["reference"] == "pi_1" and record["currency"] == "USD"


def test_stripe_customer_without_tax_id_does_not_claim_one():
    record = st.customer({"id": "cus_1", "name": "Acme", "email": "ap@acme.example",
                          "address": {"country": "de", "city": "Berlin"}, "metadata": {}})
    assert "tax_id" not in record and record["billing_country"] == "DE"


XERO_INVOICE = {
    "Type": "ACCREC", "InvoiceID": "8b1f6c0e-0000-4000-8000-000000000001", "InvoiceNumber": "INV-0042",
    "Reference": "PO-7781", "Contact": {"ContactID": "c0ffee00-0000-4000-8000-000000000002", "Name": "Acme"},
    "Date": "/Date(1762041600000+0000)/", "DueDate": "/Date(1764633600000+0000)/",
    "Status": "AUTHORISED", "LineAmountTypes": "Exclusive", "CurrencyCode": "KWD",
    "SubTotal": 1234.567, "TotalTax": 0.0, "Total": 1234.567, "AmountPaid": 234.5, "AmountDue": 1000.067,
    "UpdatedDateUTC": "/Date(1762045200123+0000)/",
    "LineItems": [{"Description": "Support", "Quantity": 1.0, "UnitAmount": 1234.567,
                   "LineAmount": 1234.567, "Item": {"ItemID": "i-1", "Code": "RH-SUP"}}],
}


def test_xero_invoice_decimals_become_exact_minor_units_in_a_three_decimal_currency():
    record = xe.invoice(XERO_INVOICE)
    assert (record["total_minor"], record["amount_paid_minor"], record["amount_due_minor"]) == (1234567, 234500,
                                                                                                1000067)
    assert record["po_number"] == "PO-7781" and record["status"] == "open"
    assert (record["issue_date"], record["due_date"]) == ("2025-11-02", "2025-12-02")
    assert record["lines"][0]["product_id"] == Ref("product", "i-1")


def test_xero_version_orders_by_updated_date():
    assert xe.version(XERO_INVOICE) == "001762045200123"
    assert xe.version({"UpdatedDateUTC": "/Date(1762045200124+0000)/"}) > xe.version(XERO_INVOICE)


def test_xero_voided_invoice_is_void_and_deleted_invoice_is_a_delete():
    assert xe.invoice({**XERO_INVOICE, "Status": "VOIDED"})["status"] == "void"
    assert xe.is_deleted("invoice", {**XERO_INVOICE, "Status": "DELETED"})
    assert xe.is_deleted("customer", {"ContactStatus": "ARCHIVED"})


def test_xero_payment_is_allocated_to_its_invoice():
    payment = {"PaymentID": "p-1", "Amount": 50.25, "Date": "/Date(1762041600000+0000)/",
               "Status": "AUTHORISED", "Reference": "ch_1",
               "Invoice": {"InvoiceID": "inv-1", "CurrencyCode": "GBP", "Contact": {"ContactID": "c-1"}}}
    record = xe.payment(payment)
    assert (record["amount_minor"], record["currency"]) == (5025, "GBP")
    assert record["allocations"] == [{"invoice_id": Ref("invoice", "inv-1"), "amount_minor": 5025}]


def test_salesforce_purchase_order_with_lines():
    po = {"Id": "a01xx0000000001AAA", "PO_Number__c": "PO-7781", "Account__c": "001xx0000000001AAA",
          "Issue_Date__c": "2026-11-02", "CurrencyIsoCode": "EUR", "Amount__c": 12345.5,
          "Status__c": "Partially Paid", "Subscription_Start__c": "2026-12-01",
          "Subscription_End__c": "2027-11-30", "Payment_Terms__c": "NET45",
          "SystemModstamp": "2026-11-02T10:00:00.000+0000"}
    lines = [{"Product__c": "01txx0000000001AAA", "Description__c": "Seats", "Quantity__c": 25.0,
              "Unit_Price__c": 493.82, "Total_Price__c": 12345.5}]
    record = sf.purchase_order(po, lines)
    assert (record["total_minor"], record["status"], record["payment_terms"]) == (1234550, "partially_paid", "NET45")
    assert record["lines"][0]["quantity"] == 25 and record["lines"][0]["unit_amount_minor"] == 49382
    assert sf.version(po) == "001793613600000"


def test_salesforce_contact_role_from_title():
    record = sf.contact({"AccountId": "001A", "FirstName": "Ana", "LastName": "Chen",
                         "Email": "ana@x.example", "Title": "Purchasing Manager"})
    assert (record["name"], record["role"], record["customer_id"]) == ("Ana Chen", "purchasing", Ref("customer",
                                                                                                     "001A"))


def test_xero_contact_address_of_a_country_alone_is_read():
    contact = {"Name": "Harbor Freight Systems Inc.", "Addresses": [
        {"AddressType": "STREET"}, {"AddressType": "POBOX", "Country": "US"}]}
    assert xe.customer(contact)["billing_country"] == "US"


def test_xero_contact_postal_address_is_preferred_to_the_street_address():
    contact = {"Name": "Thames Instruments Ltd", "Addresses": [
        {"AddressType": "STREET", "AddressLine1": "2 Works Lane", "City": "Reading", "Country": "GB"},
        {"AddressType": "POBOX", "AddressLine1": "1 Riverside Walk", "City": "London", "Country": "GB"}]}
    assert (xe.customer(contact)["billing_line1"], xe.customer(contact)["billing_city"]) == ("1 Riverside Walk",
                                                                                              "London")


def test_xero_contact_with_only_supplier_business_is_not_a_customer():
    assert not xe.is_customer({"Name": "Stripe", "IsSupplier": True, "IsCustomer": False})


def test_xero_contact_that_buys_from_us_is_a_customer_even_if_it_also_sells_to_us():
    assert xe.is_customer({"Name": "Van Dijk Logistiek B.V.", "IsSupplier": True, "IsCustomer": True})


def test_xero_contact_without_any_business_yet_is_a_customer():
    assert xe.is_customer({"Name": "Sakura Seimitsu KK", "IsSupplier": False, "IsCustomer": False})
