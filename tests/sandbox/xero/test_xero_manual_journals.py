"""Manual journals through xero-python's own models: created, read back, balanced or refused,
posted ones only voided."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from xero_python.accounting import LineAmountTypes, ManualJournal, ManualJournalLine, ManualJournals
from xero_python.exceptions import AccountingBadRequestException


def journal(*amounts: tuple[str, str], status: str = "POSTED",
            narration: str = "Deferred revenue 2026-11") -> ManualJournals:
    return ManualJournals(manual_journals=[ManualJournal(
        narration=narration, date=date(2026, 11, 30), status=status, line_amount_types=LineAmountTypes.NOTAX,
        journal_lines=[ManualJournalLine(line_amount=Decimal(a), account_code=code, description="recognised")
                       for code, a in amounts])])


def test_a_balanced_journal_is_created_and_read_back(accounting, tenant):
    created = accounting.create_manual_journals(tenant, journal(("835", "250.00"), ("200", "-250.00")))
    [mj] = created.manual_journals
    assert mj.status == "POSTED" and mj.narration == "Deferred revenue 2026-11"
    back = accounting.get_manual_journal(tenant, mj.manual_journal_id).manual_journals[0]
    assert back.date == date(2026, 11, 30)
    assert [(ln.account_code, ln.line_amount) for ln in back.journal_lines] == [("835", 250.0), ("200", -250.0)]
    listed = accounting.get_manual_journals(tenant, where='Narration.StartsWith("Deferred revenue")')
    assert [m.manual_journal_id for m in listed.manual_journals] == [mj.manual_journal_id]


@pytest.mark.parametrize("lines, message", [
    ((("835", "250.00"), ("200", "-249.99")), "must equal total credits"),
    ((("835", "250.00"),), "at least two"),
    ((("999", "250.00"), ("200", "-250.00")), "not a valid code"),
])
def test_an_unbalanced_or_unknown_journal_is_refused(accounting, tenant, lines, message):
    with pytest.raises(AccountingBadRequestException) as refused:
        accounting.create_manual_journals(tenant, journal(*lines))
    assert message in refused.value.body.decode() if isinstance(refused.value.body, bytes) else refused.value.body


def test_a_posted_journal_is_only_voided(accounting, tenant):
    [mj] = accounting.create_manual_journals(tenant, journal(("835", "1.00"), ("200", "-1.00"))).manual_journals
    with pytest.raises(AccountingBadRequestException):
        accounting.update_manual_journal(tenant, mj.manual_journal_id, ManualJournals(manual_journals=[
            ManualJournal(narration="changed", status="POSTED", journal_lines=[])]))
    voided = accounting.update_manual_journal(tenant, mj.manual_journal_id, ManualJournals(manual_journals=[
        ManualJournal(narration=mj.narration, status="VOIDED")]))
    assert voided.manual_journals[0].status == "VOIDED"
