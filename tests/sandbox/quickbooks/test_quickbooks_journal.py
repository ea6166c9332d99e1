"""Journal entries (JournalEntry) in the QuickBooks sandbox, driven through python-quickbooks'
classes: balanced Debit and Credit lines or QBO's business validation error, the fields QBO
requires, query, batch, delete and CDC."""

from __future__ import annotations

import json
from datetime import timedelta
from decimal import Decimal

import pytest
from quickbooks.batch import batch_create
from quickbooks.exceptions import QuickbooksException
from quickbooks.objects.base import Ref
from quickbooks.objects.journalentry import JournalEntry, JournalEntryLine, JournalEntryLineDetail

from revhub.sandbox.quickbooks.amounts import wire
from revhub.sandbox.quickbooks.seeding import CHARGEBACK_ACCOUNT, CLEARING_ACCOUNT, DISPUTE_ACCOUNT, FEE_ACCOUNT
from tests.sandbox.quickbooks.qbo_models import unknown_fields


def _ref(value: str) -> Ref:
    ref = Ref()
    ref.value = value
    return ref


def _journal(*lines: tuple[str, str, Decimal], note: str = "Stripe dispute lost du_1") -> JournalEntry:
    entry = JournalEntry()
    entry.TxnDate, entry.PrivateNote = "2026-11-20", note
    for posting, account, amount in lines:
        line = JournalEntryLine()
        line.Amount, line.Description = float(amount), "Chargeback"
        line.JournalEntryLineDetail = JournalEntryLineDetail()
        line.JournalEntryLineDetail.PostingType = posting
        line.JournalEntryLineDetail.AccountRef = _ref(account)
        entry.Line.append(line)
    return entry


def _loss(amount: Decimal = Decimal("1000.00")) -> JournalEntry:
    return _journal(("Debit", CHARGEBACK_ACCOUNT, amount), ("Credit", DISPUTE_ACCOUNT, amount))


def _refused(obj, qb) -> QuickbooksException:
    with pytest.raises(QuickbooksException) as err:
        obj.save(qb=qb)
    return err.value


def test_a_balanced_journal_entry_totals_its_debits_and_reads_back_as_the_sdks_class(qbo, qb):
    saved = _journal(("Debit", CLEARING_ACCOUNT, Decimal("265.00")), ("Credit", DISPUTE_ACCOUNT, Decimal("250.00")),
                     ("Credit", FEE_ACCOUNT, Decimal("15.00"))).save(qb=qb)
    again = JournalEntry.get(saved.Id, qb=qb)
    assert (Decimal(str(again.TotalAmt)), again.CurrencyRef.value) == (Decimal("265"), "USD")
    assert [(line.JournalEntryLineDetail.PostingType, line.JournalEntryLineDetail.AccountRef.value)
            for line in again.Line] == [("Debit", CLEARING_ACCOUNT), ("Credit", DISPUTE_ACCOUNT),
                                        ("Credit", FEE_ACCOUNT)]
    assert [j.Id for j in JournalEntry.filter(TxnDate="2026-11-20", qb=qb)] == [saved.Id]
    held = qbo.realms[qbo.realm_id].objects["JournalEntry"][saved.Id]
    assert unknown_fields(JournalEntry, wire(held)) == []


def test_debits_that_do_not_equal_the_credits_are_refused_with_a_business_validation_error(qb):
    unbalanced = _journal(("Debit", CHARGEBACK_ACCOUNT, Decimal("100")), ("Credit", DISPUTE_ACCOUNT, Decimal("99")))
    error = _refused(unbalanced, qb)
    assert error.error_code == 6000 and "debits" in error.detail and "credits" in error.detail
    one_sided = _refused(_journal(("Debit", CHARGEBACK_ACCOUNT, Decimal("0"))), qb)
    assert one_sided.error_code == 6000


@pytest.mark.parametrize("change, element", [
    (lambda j: setattr(j, "Line", []), "Line"),
    (lambda j: setattr(j.Line[0].JournalEntryLineDetail, "PostingType", "Sideways"), "PostingType"),
    (lambda j: setattr(j.Line[0].JournalEntryLineDetail, "AccountRef", None), "AccountRef"),
    (lambda j: setattr(j.Line[0], "Amount", None), "Amount"),
])
def test_a_journal_entry_without_what_qbo_requires_is_refused_naming_the_field(qb, change, element):
    entry = _loss()
    change(entry)
    error = _refused(entry, qb)
    assert error.error_code in (2010, 2020) and element in error.detail


def test_a_line_on_a_bank_account_of_another_currency_is_refused(qbo, qb):
    realm = qbo.realms[qbo.realm_id]
    realm.objects["Account"]["500"] = {"Id": "500", "Name": "EUR Bank", "AccountType": "Bank", "Active": True,
                                       "CurrencyRef": {"value": "EUR"}, "SyncToken": "0", "domain": "QBO"}
    error = _refused(_journal(("Debit", "500", Decimal(5)), ("Credit", DISPUTE_ACCOUNT, Decimal(5))), qb)
    assert "must match the currency of the journal entry" in error.detail


def test_journal_entries_go_through_the_batch_endpoint_and_a_repeated_request_id_writes_once(qbo, qb):
    result = batch_create([_loss(), _journal(("Debit", CHARGEBACK_ACCOUNT, Decimal(2)))], qb=qb)
    assert len(result.successes) == 1 and result.faults[0].Error[0].code == "6000"
    body = json.dumps({"BatchItemRequest": [{"bId": "1", "operation": "create",
                                             "JournalEntry": json.loads(_loss().to_json())}]})
    realm = qbo.realms[qbo.realm_id]
    before = len(realm.objects["JournalEntry"])
    url = f"{qb.api_url}/company/{qb.company_id}/batch"
    first = qb.post(url, body, request_id="journal-batch-1")
    again = qb.post(url, body, request_id="journal-batch-1")
    assert first["BatchItemResponse"] == again["BatchItemResponse"]
    assert len(realm.objects["JournalEntry"]) == before + 1


def test_a_journal_entry_can_be_deleted_and_cdc_says_so(qbo, qb):
    since = (qbo.clock.now() - timedelta(minutes=5)).isoformat()
    entry = _loss().save(qb=qb)
    entry.delete(qb=qb)
    assert JournalEntry.filter(Id=entry.Id, qb=qb) == []
    answer = qb.change_data_capture("JournalEntry", since)
    gone = [(name, o["Id"], o.get("status")) for part in answer["CDCResponse"][0]["QueryResponse"]
            for name, objects in part.items() if isinstance(objects, list) for o in objects]
    assert gone == [("JournalEntry", entry.Id, "Deleted")]
