"""How Stripe money is booked in QuickBooks Online: a connection's fee treatment and accounts.

QuickBooks names accounts by id (``AccountRef.value``), so the settings name ids:
- ``deposit_account_id``: the Stripe clearing account payments are deposited to (a Bank or
  Other Current Asset account, e.g. "Stripe Clearing" or "Undeposited Funds");
- ``bank_account_id``: the bank account payouts arrive in;
- ``fee_account_id``: the expense account fees are booked to (e.g. "Bank Charges");
- ``dispute_account_id``: the Other Current Asset account a dispute's withdrawn amount waits in
  while it is decided (e.g. "Disputed Payments");
- ``chargeback_account_id``: the expense account a lost dispute's amount is moved to (e.g.
  "Chargeback Losses"). Both or neither: without them disputes are not booked.

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
    dispute_account_id: str | None = None
    chargeback_account_id: str | None = None

    @property
    def books_fees(self) -> bool:
        return self.fee_treatment != "none"

    @property
    def books_disputes(self) -> bool:
        """Disputes are booked when the clearing account follows Stripe and both accounts are named."""
        return self.books_fees and bool(self.dispute_account_id and self.chargeback_account_id)


def quickbooks_ledger(settings: Mapping[str, Any] | None) -> QuickBooksLedger:
    """The fee treatment and account ids of a QuickBooks connection; LedgerSettingsError naming
    the setting when they cannot be used."""
    settings = settings or {}
    treatment = settings.get("fee_treatment", "none")
    if treatment not in FEE_TREATMENTS:
        raise LedgerSettingsError(f"fee_treatment: {treatment!r} is not one of {', '.join(FEE_TREATMENTS)}")
    ids = {name: str(settings[key]) if settings.get(key) not in (None, "") else None
           for name, key in (("clearing_account_id", "deposit_account_id"), ("bank_account_id", "bank_account_id"),
                             ("fee_account_id", "fee_account_id"), ("dispute_account_id", "dispute_account_id"),
                             ("chargeback_account_id", "chargeback_account_id"))}
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
    _check_dispute_accounts(chosen)
    return chosen


def _check_dispute_accounts(chosen: QuickBooksLedger) -> None:
    """Both dispute accounts or neither, each apart from the accounts money already moves through."""
    named = {"dispute_account_id": chosen.dispute_account_id, "chargeback_account_id": chosen.chargeback_account_id}
    if not any(named.values()):
        return
    missing = [key for key, value in named.items() if value is None]
    if missing:
        raise LedgerSettingsError(f"{missing[0]}: booking disputes needs both dispute_account_id (Disputed "
                                  "Payments) and chargeback_account_id (Chargeback Losses)")
    others = {"deposit_account_id": chosen.clearing_account_id, "bank_account_id": chosen.bank_account_id,
              "fee_account_id": chosen.fee_account_id}
    for key, value in named.items():
        clash = [other for other, held in others.items() if held == value]
        if clash:
            raise LedgerSettingsError(f"{key}: account {value} is already {clash[0]}; disputes need an account "
                                      "of their own")
    if chosen.dispute_account_id == chosen.chargeback_account_id:
        raise LedgerSettingsError("chargeback_account_id: it must differ from dispute_account_id (a lost "
                                  "dispute moves money from one to the other)")
