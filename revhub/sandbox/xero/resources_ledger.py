"""The ledger resources the sandbox serves (tax rates, bank transactions, overpayments,
bank transfers, manual journals), declared as data like the documents in ``resources``."""

from __future__ import annotations

from revhub.sandbox.xero import bank_transactions, bank_transfers, manual_journals, overpayments, tax
from revhub.sandbox.xero.resource_types import COMMON_GET, Resource

LEDGER_RESOURCES: tuple[Resource, ...] = (
    Resource(
        "TaxRates",
        "TaxRate",
        "TaxType",
        "Name",
        False,
        frozenset({"where", "order"}),
        tax.find,
        tax.create,
        tax.update,
        frozenset(
            {
                "Name",
                "TaxType",
                "Status",
                "ReportTaxType",
                "DisplayTaxRate",
                "EffectiveRate",
                "CanApplyToRevenue",
                "CanApplyToExpenses",
                "CanApplyToAssets",
                "CanApplyToLiabilities",
                "CanApplyToEquity",
            }
        ),
        write_params=frozenset(),
        status_attribute=False,
    ),
    Resource(
        "BankTransactions",
        "BankTransaction",
        "BankTransactionID",
        None,
        True,
        COMMON_GET | {"unitdp"},
        bank_transactions.find,
        bank_transactions.create,
        bank_transactions.update,
        frozenset(
            {
                "BankTransactionID",
                "Type",
                "Status",
                "Reference",
                "Date",
                "Contact.ContactID",
                "BankAccount.AccountID",
                "BankAccount.Code",
                "CurrencyCode",
                "Total",
                "IsReconciled",
                "OverpaymentID",
                "UpdatedDateUTC",
            }
        ),
    ),
    Resource(
        "Overpayments",
        "Overpayment",
        "OverpaymentID",
        None,
        True,
        COMMON_GET | {"unitdp"},
        overpayments.find,
        overpayments.create_directly,
        None,
        frozenset(
            {
                "OverpaymentID",
                "Type",
                "Status",
                "Reference",
                "Date",
                "Contact.ContactID",
                "CurrencyCode",
                "Total",
                "RemainingCredit",
                "UpdatedDateUTC",
            }
        ),
        write_params=frozenset(),
        status_attribute=False,
    ),
    Resource(
        "BankTransfers",
        "BankTransfer",
        "BankTransferID",
        None,
        False,
        frozenset({"where", "order"}),
        bank_transfers.find,
        bank_transfers.create,
        None,
        frozenset(
            {
                "BankTransferID",
                "Amount",
                "Date",
                "Reference",
                "FromBankAccount.Code",
                "ToBankAccount.Code",
                "FromBankTransactionID",
                "ToBankTransactionID",
                "CreatedDateUTC",
            }
        ),
        write_params=frozenset(),
        status_attribute=False,
    ),
    Resource(
        "ManualJournals",
        "ManualJournal",
        "ManualJournalID",
        None,
        True,
        COMMON_GET,
        manual_journals.find,
        manual_journals.create,
        manual_journals.update,
        frozenset({"ManualJournalID", "Narration", "Status", "Date", "LineAmountTypes", "UpdatedDateUTC"}),
        write_params=frozenset({"summarizeErrors"}),
    ),
)
