"""Per-connection settings for how Stripe money is booked in Xero (pure; read once per pusher).

``fee_treatment``:
- ``none``: payments go gross to ``clearing_account_code``; fees and payouts are not booked
  (the behaviour before fees reached the ledger).
- ``per_charge``: each charge's fee is a SPEND bank transaction from the clearing account to
  ``fee_account_code``, in the balance transaction's (settlement) currency.
- ``per_payout``: each payout's fees, summed, are one SPEND bank transaction dated with it.
Under both booking treatments each payout is a bank transfer from the clearing account to
``bank_account_code``, so the clearing account's balance follows Stripe's balance.

Disputes (chargebacks), under both booking treatments: the amount Stripe withdraws when a
dispute opens is a SPEND from the clearing account to ``dispute_account_code`` (a current
asset, "Disputed payments": money the company may still get back), with the dispute fee to
``fee_account_code`` (per charge; per payout the fee is in the payout's fees). A won dispute is
the mirror RECEIVE; a lost one a manual journal moving the amount from the disputed-payments
account to ``chargeback_account_code`` (an expense, "Chargeback losses").
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

FEE_TREATMENTS = ("none", "per_charge", "per_payout")


class LedgerSettingsError(ValueError):
    """A connection's fee settings cannot be used."""


@dataclass(frozen=True)
class LedgerSettings:
    fee_treatment: str = "none"
    clearing_account_code: str = "090"
    bank_account_code: str = "090"
    fee_account_code: str = "404"
    fee_contact_name: str = "Stripe"
    dispute_account_code: str = "615"
    chargeback_account_code: str = "497"

    @property
    def books_fees(self) -> bool:
        return self.fee_treatment != "none"


def ledger_settings(settings: Mapping[str, Any] | None) -> LedgerSettings:
    """The fee treatment and accounts named in a Xero connection's settings (defaults otherwise)."""
    settings = settings or {}
    treatment = settings.get("fee_treatment", "none")
    if treatment not in FEE_TREATMENTS:
        raise LedgerSettingsError(f"fee_treatment: {treatment!r} is not one of {', '.join(FEE_TREATMENTS)}")
    values = {name: str(settings[name]) for name in ("clearing_account_code", "bank_account_code",
                                                      "fee_account_code", "fee_contact_name", "dispute_account_code",
                                                      "chargeback_account_code") if settings.get(name)}
    chosen = LedgerSettings(fee_treatment=treatment, **values)
    if chosen.books_fees and chosen.clearing_account_code == chosen.bank_account_code:
        raise LedgerSettingsError("clearing_account_code: booking fees and payouts needs a clearing account "
                                  "apart from the bank account payouts arrive in")
    return chosen
