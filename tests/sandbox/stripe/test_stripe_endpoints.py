"""Endpoints clients expect: account, invoice items, search, invoice line paging, list filters."""

import pytest
import requests
import stripe


def test_the_account_is_a_dutch_company_settling_in_eur(client):
    account = client.v1.accounts.retrieve_current()
    assert (account.object, account.country, account.default_currency) == ("account", "NL", "eur")
    assert account.settings.payouts.schedule.interval == "daily"
    declared = {k for k in stripe.Account.__annotations__ if k not in ("OBJECT_NAME", "deleted", "individual")}
    assert declared <= set(account.to_dict())


def test_an_unknown_path_is_stripes_json_404_not_an_html_page(sandbox):
    answer = requests.put(f"{sandbox.url}/v1/invoiceitems", headers={"Authorization": f"Bearer {sandbox.api_key}"})
    assert answer.status_code == 404 and answer.json()["error"]["type"] == "invalid_request_error"


@pytest.fixture
def invoice(client):
    customer = client.v1.customers.create(params={"name": "Acme BV"})
    return client.v1.invoices.create(params={"customer": customer.id, "currency": "eur"})


def test_invoice_items_are_created_listed_and_read(client, invoice):
    item = client.v1.invoice_items.create(params={"customer": invoice.customer, "invoice": invoice.id,
                                                  "amount": 2500, "currency": "eur", "description": "Setup"})
    assert (item.object, item.amount, item.invoice) == ("invoiceitem", 2500, invoice.id)
    listed = client.v1.invoice_items.list(params={"invoice": invoice.id}).data
    assert [i.id for i in listed] == [item.id]
    assert client.v1.invoice_items.retrieve(item.id).description == "Setup"


def test_lines_added_to_an_invoice_are_backed_by_invoice_items(client, invoice):
    invoice = client.v1.invoices.add_lines(invoice.id, params={"lines": [{"amount": 700, "description": "a"}]})
    item_id = invoice.lines.data[0].parent.invoice_item_details.invoice_item
    assert client.v1.invoice_items.retrieve(item_id).amount == 700


def test_invoice_lines_page_backwards_with_ending_before(client, invoice):
    client.v1.invoices.add_lines(invoice.id, params={"lines": [
        {"amount": 100 * (i + 1), "description": f"l{i}"} for i in range(5)]})
    lines = client.v1.invoices.line_items.list(invoice.id, params={"limit": 100}).data
    before = client.v1.invoices.line_items.list(invoice.id, params={"ending_before": lines[4].id, "limit": 2})
    assert [line.id for line in before.data] == [lines[2].id, lines[3].id] and before.has_more


def search_setup(client):
    acme = client.v1.customers.create(params={"name": "Acme Labs", "email": "ap@acme.example",
                                              "metadata": {"po": "PO-1"}})
    globex = client.v1.customers.create(params={"name": "Globex", "email": "billing@globex.example"})
    return acme, globex


def test_search_matches_exact_substring_and_metadata(client):
    acme, globex = search_setup(client)
    assert [c.id for c in client.v1.customers.search(params={"query": "email:'ap@acme.example'"}).data] == [acme.id]
    assert [c.id for c in client.v1.customers.search(params={"query": 'name~"glob"'}).data] == [globex.id]
    assert [c.id for c in client.v1.customers.search(params={"query": "metadata['po']:'PO-1'"}).data] == [acme.id]


def test_search_joins_with_or_and_compares_numbers(client):
    acme, globex = search_setup(client)
    both = client.v1.customers.search(params={"query": "name:'Acme Labs' OR name:'Globex'"})
    assert {c.id for c in both.data} == {acme.id, globex.id}
    assert both.object == "search_result" and both.url == "/v1/customers/search"
    none = client.v1.customers.search(params={"query": f"created>{globex.created}"})
    assert none.data == []


def test_search_pages_with_next_page(client):
    ids = [client.v1.customers.create(params={"name": f"Seat {i}"}).id for i in range(5)]
    first = client.v1.customers.search(params={"query": "name~'Seat'", "limit": 2})
    assert first.has_more and first.next_page
    walked = [c.id for c in client.v1.customers.search(params={"query": "name~'Seat'", "limit": 2})
              .auto_paging_iter()]
    assert walked == ids[::-1]


def test_search_refuses_an_unsupported_field_and_mixed_joins(client):
    with pytest.raises(stripe.InvalidRequestError) as error:
        client.v1.customers.search(params={"query": "colour:'red'"})
    assert "unsupported search field" in error.value.user_message
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.customers.search(params={"query": "name:'a' AND email:'b' OR name:'c'"})


def test_charges_invoices_and_payment_intents_are_searchable(client):
    intent = client.v1.payment_intents.create(params={"amount": 4200, "currency": "eur", "confirm": True,
                                                      "payment_method": "pm_card_visa"})
    assert [i.id for i in client.v1.payment_intents.search(params={"query": "amount>=4200"}).data] == [intent.id]
    assert [c.payment_intent for c in client.v1.charges.search(
        params={"query": "status:'succeeded' AND currency:'eur'"}).data] == [intent.id]
    assert client.v1.invoices.search(params={"query": "status:'open'"}).data == []


def test_price_and_product_lists_filter_as_stripe_does(client):
    product = client.v1.products.create(params={"name": "Licence"})
    other = client.v1.products.create(params={"name": "Old", "active": False})
    monthly = client.v1.prices.create(params={"product": product.id, "currency": "eur", "unit_amount": 1000,
                                              "recurring": {"interval": "month"}, "lookup_key": "licence-m"})
    once = client.v1.prices.create(params={"product": product.id, "currency": "usd", "unit_amount": 900})
    assert [p.id for p in client.v1.prices.list(params={"type": "recurring"}).data] == [monthly.id]
    assert [p.id for p in client.v1.prices.list(params={"currency": "usd"}).data] == [once.id]
    assert [p.id for p in client.v1.prices.list(params={"lookup_keys": ["licence-m"]}).data] == [monthly.id]
    assert [p.id for p in client.v1.prices.list(params={"recurring": {"interval": "month"}}).data] == [monthly.id]
    assert [p.id for p in client.v1.products.list(params={"active": False}).data] == [other.id]
    assert [p.id for p in client.v1.products.list(params={"ids": [product.id]}).data] == [product.id]


def test_invoice_payment_intent_and_subscription_lists_filter_as_stripe_does(sandbox, client):
    acme, globex = search_setup(client)
    draft = client.v1.invoices.create(params={"customer": acme.id, "collection_method": "send_invoice",
                                              "due_date": sandbox.now() + 5 * 86400})
    client.v1.invoices.create(params={"customer": globex.id})
    assert [i.id for i in client.v1.invoices.list(params={"collection_method": "send_invoice"}).data] == [draft.id]
    assert [i.id for i in client.v1.invoices.list(
        params={"due_date": {"gte": sandbox.now() + 86400}}).data] == [draft.id]
    assert len(client.v1.invoices.list(params={"status": "draft"}).data) == 2
    intent = client.v1.payment_intents.create(params={"amount": 5000, "currency": "eur", "customer": globex.id})
    assert [i.id for i in client.v1.payment_intents.list(params={"customer": globex.id}).data] == [intent.id]
    product = client.v1.products.create(params={"name": "Seat"})
    price = client.v1.prices.create(params={"product": product.id, "currency": "eur", "unit_amount": 1000,
                                            "recurring": {"interval": "month"}})
    sub = client.v1.subscriptions.create(params={"customer": acme.id, "items": [{"price": price.id}]})
    client.v1.subscriptions.cancel(sub.id)
    assert client.v1.subscriptions.list(params={"price": price.id}).data == []
    assert [s.id for s in client.v1.subscriptions.list(params={"status": "canceled"}).data] == [sub.id]
    assert [s.id for s in client.v1.subscriptions.list(params={"status": "all", "price": price.id}).data] == [sub.id]


def test_a_refused_add_lines_adds_no_line(client, invoice):
    with pytest.raises(stripe.InvalidRequestError):
        client.v1.invoices.add_lines(invoice.id, params={"lines": [
            {"amount": 100, "description": "fine"}, {"amount": 100, "description": "bad", "tax_rates": ["txr_no"]}]})
    assert client.v1.invoices.retrieve(invoice.id).lines.data == []


def test_a_pending_invoice_item_goes_on_the_next_invoice_that_includes_pending_items(client):
    customer = client.v1.customers.create(params={"name": "Acme BV"})
    item = client.v1.invoice_items.create(params={"customer": customer.id, "amount": 4000, "currency": "eur",
                                                  "description": "Extra seats"})
    assert item.invoice is None
    assert [i.id for i in client.v1.invoice_items.list(params={"pending": True}).data] == [item.id]
    invoice = client.v1.invoices.create(params={"customer": customer.id, "currency": "eur",
                                                "pending_invoice_items_behavior": "include"})
    assert (invoice.total, client.v1.invoice_items.retrieve(item.id).invoice) == (4000, invoice.id)
    assert client.v1.invoice_items.list(params={"pending": True}).data == []


def test_an_invoice_naming_no_currency_is_in_the_customers_then_the_accounts(client):
    customer = client.v1.customers.create(params={"name": "Acme BV"})
    first = client.v1.invoices.create(params={"customer": customer.id})
    assert first.currency == "eur" and client.v1.customers.retrieve(customer.id).currency == "eur"
