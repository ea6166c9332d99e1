"""Loading the shared data set, record ids, and the local TLS authority."""

from __future__ import annotations

import ssl

from hypothesis import given
from hypothesis import strategies as st

from revhub.sandbox.dataset import generate
from revhub.sandbox.salesforce.ids import IdFactory, checksum, to18
from revhub.sandbox.tls import ensure_tls, server_ssl_context


def test_dataset_loads_as_api_created_records(sf, sandbox):
    ds = generate(companies=6, seed=3)
    sandbox.load_dataset(ds)
    assert sf.query("SELECT COUNT() FROM Account")["totalSize"] == 6
    assert sf.query("SELECT COUNT() FROM Contact")["totalSize"] == len(ds.people)
    orders = sf.query_all("SELECT PO_Number__c, Invoice_Number__c, Amount__c, CurrencyIsoCode, "
                          "Account__r.Billing_Email__c FROM Purchase_Order__c")["records"]
    assert len(orders) == len(ds.purchase_orders)
    invoice = ds.invoices[0]
    match = next(o for o in orders if o["PO_Number__c"] == invoice.po_number)
    assert match["Invoice_Number__c"] == invoice.number
    assert match["Account__r"]["Billing_Email__c"] == ds.company(invoice.company).email


def test_zero_decimal_amounts_stay_whole(sf, sandbox):
    ds = generate(companies=4, seed=5)
    sandbox.load_dataset(ds)
    record = sf.query("SELECT Amount__c FROM Purchase_Order__c WHERE CurrencyIsoCode = 'JPY' "
                      "LIMIT 1")["records"][0]
    jpy_po = next(p for p in ds.purchase_orders if p.currency == "JPY")
    assert record["Amount__c"] == jpy_po.total  # JPY: minor units are whole yen


def test_known_salesforce_id_checksum():
    # The example from Salesforce's own documentation of the 18-character form.
    assert checksum("001D000000IqhSL") == "IAZ"
    assert to18("001d000000iqhslIAZ") == "001D000000IqhSLIAZ"


@given(st.integers(min_value=1, max_value=62 ** 9 - 1))
def test_ids_survive_a_case_insensitive_round_trip(number):
    record_id = IdFactory(seed=1).make("a01", number)
    assert to18(record_id.upper()) == record_id
    assert to18(record_id[:15]) == record_id


def test_tls_files_are_created_once_and_reused(tmp_path):
    first = ensure_tls(tmp_path)
    content = open(first[1], "rb").read()
    assert ensure_tls(tmp_path) == first and open(first[1], "rb").read() == content
    assert isinstance(server_ssl_context(tmp_path), ssl.SSLContext)
