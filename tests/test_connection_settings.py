"""Connection settings are checked when saved, each refusal naming the setting (no network)."""

import pytest

from revhub.connections import SettingsError, check_settings


@pytest.mark.parametrize("settings, named", [
    ({"fee_treatment": "weekly"}, "fee_treatment: 'weekly' is not one of none, per_charge, per_payout"),
    ({"fee_treatment": "per_payout", "clearing_account_code": "090", "bank_account_code": "090"},
     "clearing_account_code: booking fees and payouts needs a clearing account"),
    ({"tax_types": {"NL_VAT_42": "TAX009"}}, "setting tax_types names unknown tax codes NL_VAT_42"),
    ({"tax_types": {"NL_VAT_9": " "}}, "setting tax_types[NL_VAT_9] must be a Xero tax type"),
    ({"tax_types": "TAX001"}, "setting tax_types must be an object"),
])
def test_a_xero_setting_revhub_cannot_use_is_refused_naming_the_setting(settings, named):
    with pytest.raises(SettingsError) as refused:
        check_settings("xero", {"tenant_id": "t", **settings})
    assert named in str(refused.value)


def test_usable_xero_fee_and_tax_settings_are_accepted():
    check_settings("xero", {"tenant_id": "t", "fee_treatment": "per_charge", "clearing_account_code": "091",
                            "bank_account_code": "090", "tax_types": {"NL_VAT_9": "TAX005"}})
