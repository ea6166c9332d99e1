"""A Xero connection's fee treatment settings."""

import pytest

from revhub.mappings.ledger_settings import LedgerSettings, LedgerSettingsError, ledger_settings


def test_without_settings_fees_are_not_booked_and_payments_go_to_the_default_account():
    assert ledger_settings(None) == LedgerSettings()
    assert not ledger_settings({}).books_fees


def test_a_per_payout_treatment_names_its_clearing_bank_and_fee_accounts():
    chosen = ledger_settings({"fee_treatment": "per_payout", "clearing_account_code": "091",
                              "bank_account_code": "090", "fee_account_code": "404"})
    assert (chosen.fee_treatment, chosen.clearing_account_code, chosen.bank_account_code,
            chosen.fee_account_code, chosen.books_fees) == ("per_payout", "091", "090", "404", True)


def test_an_unknown_fee_treatment_is_refused_naming_the_choices():
    with pytest.raises(LedgerSettingsError, match="none, per_charge, per_payout"):
        ledger_settings({"fee_treatment": "monthly"})


def test_booking_fees_into_the_bank_account_itself_is_refused():
    with pytest.raises(LedgerSettingsError, match="clearing account"):
        ledger_settings({"fee_treatment": "per_charge", "clearing_account_code": "090",
                         "bank_account_code": "090"})
