"""Search and the record page: found by name, e-mail, number or any system's id; fields with
their source, ids with provider links, audit history and outbox; hostile data stays text."""

import uuid

import pytest
from sqlalchemy import select

from revhub.console.deeplinks import provider_url
from revhub.store import Customer, Invoice, OutboxMessage
from tests.console.signin import signed_in
from tests.sync.changes import apply, customer, stripe_invoice

pytestmark = pytest.mark.store


@pytest.fixture
def synced(connections):
    apply(connections, "salesforce", customer("001A", "1"))
    apply(connections, "stripe", customer("cus_1", "1"))
    apply(connections, "salesforce", customer("001A", "2", email="finance@acmelabs.example"))
    apply(connections, "stripe", stripe_invoice("in_1"))
    return connections


@pytest.fixture
def viewer(app):
    return signed_in(app, "vic", "viewer")


def _customer_id(db):
    with db.session() as s:
        return s.scalar(select(Customer.id))


def test_search_and_record_pages_need_sign_in(app, synced):
    for path in ("/search?q=acme", f"/records/customer/{_customer_id(synced)}"):
        response = app.test_client().get(path)
        assert response.status_code == 302 and "/login" in response.headers["Location"]


@pytest.mark.parametrize("query, why", [("acme", "name"), ("FINANCE@acmelabs", "email"),
                                        ("001A", "salesforce id"), ("cus_1", "stripe id")])
def test_a_customer_is_found_by_name_email_or_any_systems_id(viewer, synced, query, why):
    page = viewer.get(f"/search?q={query}").get_data(as_text=True)
    assert f"/records/customer/{_customer_id(synced)}" in page and why in page


def test_an_invoice_is_found_by_its_number_and_by_revhub_id(viewer, synced):
    with synced.session() as s:
        invoice_id = s.scalar(select(Invoice.id))
    assert f"/records/invoice/{invoice_id}" in viewer.get("/search?q=inv-1002").get_data(as_text=True)
    page = viewer.get(f"/search?q={invoice_id}").get_data(as_text=True)
    assert f"/records/invoice/{invoice_id}" in page and "revhub id" in page


def test_like_wildcards_are_searched_literally(viewer, synced):
    page = viewer.get("/search?q=%25").get_data(as_text=True)
    assert "0 results" in page


def test_an_overlong_query_is_a_400_naming_the_field(viewer, synced):
    response = viewer.get("/search?q=" + "x" * 201)
    assert response.status_code == 400 and "q: at most 200 characters" in response.get_data(as_text=True)


def test_the_record_page_shows_fields_with_source_ids_history_and_outbox(viewer, synced):
    record_id = _customer_id(synced)
    with synced.session() as s:
        sent = s.scalars(select(OutboxMessage).where(OutboxMessage.record_id == record_id)).all()
    page = viewer.get(f"/records/customer/{record_id}").get_data(as_text=True)
    assert "finance@acmelabs.example" in page
    # the e-mail came from Salesforce; both systems' ids are listed, Stripe's with its dashboard page
    assert "salesforce" in page and "001A" in page
    assert 'href="https://dashboard.stripe.com/test/customers/cus_1"' in page
    # history: the update's before and after
    assert "ap@acmelabs.example" in page and "update" in page
    assert all(m.target_system in page for m in sent)


def test_money_fields_are_shown_in_their_currency(viewer, synced):
    with synced.session() as s:
        invoice_id = s.scalar(select(Invoice.id))
    page = viewer.get(f"/records/invoice/{invoice_id}").get_data(as_text=True)
    assert "EUR\u00a0500.00" in page


def test_a_payment_shows_the_invoices_it_paid_and_a_po_its_lines(viewer, synced):
    from revhub.store import Payment
    from tests.sync.changes import payment_of

    apply(synced, "stripe", payment_of("in_1"))
    with synced.session() as s:
        payment_id, invoice_id = s.scalar(select(Payment.id)), s.scalar(select(Invoice.id))
    page = viewer.get(f"/records/payment/{payment_id}").get_data(as_text=True)
    assert "Allocated to" in page and f"/records/invoice/{invoice_id}" in page and "EUR\u00a0500.00" in page


def test_unknown_kinds_ids_and_records_are_404s_not_500s(viewer, synced):
    assert viewer.get("/records/spaceship/1").status_code == 404
    assert viewer.get("/records/customer/not-a-uuid").status_code == 404
    response = viewer.get(f"/records/customer/{uuid.uuid4()}")
    assert response.status_code == 404


def test_hostile_provider_data_renders_as_text(viewer, connections):
    apply(connections, "xero", customer("c-<script>", "1", name="<script>alert(1)</script>",
                                        email="<img src=x onerror=alert(1)>@x.example"))
    record_id = _customer_id(connections)
    for path in ("/search?q=script", f"/records/customer/{record_id}"):
        page = viewer.get(path).get_data(as_text=True)
        assert "<script>alert" not in page and "<img src=x" not in page
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_deep_links_per_provider():
    assert provider_url("stripe", {"livemode": True}, "invoice", "in_1") == \
        "https://dashboard.stripe.com/invoices/in_1"
    assert provider_url("xero", {}, "invoice", "abc") == \
        "https://go.xero.com/AccountsReceivable/View.aspx?InvoiceID=abc"
    assert provider_url("salesforce", {"instance_url": "https://acme.my.salesforce.com/"}, "customer",
                        "001A") == "https://acme.my.salesforce.com/lightning/r/Account/001A/view"
    assert provider_url("salesforce", {"instance_url": "javascript:alert(1)//"}, "customer", "1") is None
    assert provider_url("xero", {}, "payment", "p") is None


def test_search_results_are_paginated_and_exported(viewer, connections):
    for n in range(3):
        apply(connections, "xero", customer(f"c-{n}", "1", name=f"Initech {n}", email=f"ap{n}@initech.example"))
    page = viewer.get("/search?q=initech&per_page=2").get_data(as_text=True)
    assert "3 results" in page and "1–2 of 3" in page and "page=2" in page
    assert "Initech 2" in viewer.get("/search?q=initech&per_page=2&page=2").get_data(as_text=True)
    csv = viewer.get("/search?q=initech&format=csv")
    lines = csv.get_data(as_text=True).splitlines()
    assert csv.mimetype == "text/csv" and lines[0] == "kind,record,matched_on,revhub_id" and len(lines) == 4
    assert viewer.get("/search?q=initech&page=0").status_code == 400


def test_full_history_and_outbox_pages_filter_paginate_and_export(viewer, synced):
    record_id = _customer_id(synced)
    record = viewer.get(f"/records/customer/{record_id}").get_data(as_text=True)
    assert f"/records/customer/{record_id}/history" in record and "All 2 changes" in record
    history = viewer.get(f"/records/customer/{record_id}/history?action=update").get_data(as_text=True)
    assert "finance@acmelabs.example" in history and "1–1 of 1" in history
    csv = viewer.get(f"/records/customer/{record_id}/history?format=csv").get_data(as_text=True)
    assert csv.startswith("at,action,version,actor,source,before,after") and "finance@acmelabs.example" in csv
    bad = viewer.get(f"/records/customer/{record_id}/history?action=explode")
    assert bad.status_code == 400 and b"action: one of" in bad.data
    outbox = viewer.get(f"/records/customer/{record_id}/outbox")
    assert outbox.status_code == 200
    with synced.session() as s:
        owed = s.scalars(select(OutboxMessage).where(OutboxMessage.record_id == record_id)).all()
    csv = viewer.get(f"/records/customer/{record_id}/outbox?format=csv").get_data(as_text=True)
    assert owed and len(csv.splitlines()) == len(owed) + 1 and all(m.idempotency_key in csv for m in owed)
    assert viewer.get(f"/records/customer/{uuid.uuid4()}/history").status_code == 404


def test_the_outbox_shows_each_providers_answer(viewer, synced):
    record_id = _customer_id(synced)
    with synced.session(write=True) as s:
        sent, refused = s.scalars(select(OutboxMessage).where(OutboxMessage.record_id == record_id)
                                  .order_by(OutboxMessage.id)).all()[:2]
        sent.status, sent.remote_id = "sent", "contact-remote-1"
        payload_keys = list(sent.payload)
        refused.status, refused.last_error = "dead", "HTTP 400 <b>ValidationException</b>: Email is invalid"
    page = viewer.get(f"/records/customer/{record_id}").get_data(as_text=True)
    assert "id <code>contact-remote-1</code>" in page
    assert "HTTP 400 &lt;b&gt;ValidationException&lt;/b&gt;: Email is invalid" in page
    assert payload_keys and all(f'"{key}":' in page.replace("&#34;", '"') for key in payload_keys)  # as sent
    dead = viewer.get(f"/records/customer/{record_id}/outbox?status=dead").get_data(as_text=True)
    assert "ValidationException" in dead and "contact-remote-1" not in dead
