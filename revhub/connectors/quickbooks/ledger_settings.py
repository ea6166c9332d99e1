"""How Stripe money is booked in QuickBooks Online: a connection's fee treatment and accounts.

QuickBooks names accounts by id (``AccountRef.value``), so the settings name ids:
- ``deposit_account_id``: the Stripe clearing account payments are deposited to (a Bank or
  Other Current Asset account, e.g. "Stripe Clearing" or "Undeposited Funds");
- ``bank_account_id``: the bank account payouts arrive in;
- ``fee_account_id``: the expense account fees are booked to (e.g. "Bank Charges").

``fee_treatment`` is the one :mod:`revhub.mappings.ledger_settings` defines for Xero: ``none``
(payments only), ``per_charge`` (each charge's fee a Purchase out of the clearing account) or
``per_payout`` (each payout's fees, summed, one Purchase dated with it); under both booking
treatments each landed payout is a Transfer from the clearing account to the bank account.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from revhub.mappings.ledger_settings import FEE_TREATMENTS, LedgerSettingsError


@dataclass(frozen=True)
class QuickBooksLedger:
    fee_treatment: str = "none"
    clearing_account_id: str | None = None
    bank_account_id: str | None = None
    fee_account_id: str | None = None

    @property
    def books_fees(self) -> bool:
        return self.fee_treatment != "none"


def quickbooks_ledger(settings: Mapping[str, Any] | None) -> QuickBooksLedger:
    """The fee treatment and account ids of a QuickBooks connection; LedgerSettingsError naming
    the setting when they cannot be used."""
    settings = settings or {}
    treatment = settings.get("fee_treatment", "none")
    if treatment not in FEE_TREATMENTS:
        raise LedgerSettingsError(f"fee_treatment: {treatment!r} is not one of {', '.join(FEE_TREATMENTS)}")
    ids = {name: str(settings[key]) if settings.get(key) not in (None, "") else None
           for name, key in (("clearing_account_id", "deposit_account_id"), ("bank_account_id", "bank_account_id"),
                             ("fee_account_id", "fee_account_id"))}
    chosen = QuickBooksLedger(fee_treatment=treatment, **ids)
    if chosen.books_fees:
        missing = [key for name, key in (("clearing_account_id", "deposit_account_id"),
                                         ("bank_account_id", "bank_account_id"), ("fee_account_id", "fee_account_id"))
                   if getattr(chosen, name) is None]
        if missing:
            raise LedgerSettingsError(f"fee_treatment={treatment} needs the QuickBooks account id setting(s) "
                                      f"{', '.join(missing)}")
        if chosen.clearing_account_id == chosen.bank_account_id:
            raise LedgerSettingsError("deposit_account_id: booking fees and payouts needs a clearing account "
                                      "apart from the bank account payouts arrive in (bank_account_id)")
    return chosen
