"""The organisation's chart of accounts, and finding an account the way Xero does.

Seeded as a Dutch SaaS company's chart would look on Xero's GLOBAL version: an operating
bank account, a Stripe clearing account (a BANK account, so payments and payouts can be
booked to it), sales at 21 % BTW by default, bank fees (exempt), VAT, deferred revenue, and
the two accounts chargebacks move through (disputed payments, chargeback losses).
"""

from __future__ import annotations

from revhub.sandbox.xero import documents as docs
from revhub.sandbox.xero import tax
from revhub.sandbox.xero.errors import ValidationFailed
from revhub.sandbox.xero.ledger import Write
from revhub.sandbox.xero.store import Record

# (Code, Name, Type, Class, default TaxType, EnablePaymentsToAccount, SystemAccount)
DEFAULT_CHART = (
    ("090", "Business Bank Account", "BANK", "ASSET", "NONE", False, None),
    ("091", "Stripe Clearing", "BANK", "ASSET", "NONE", False, None),
    ("200", "Sales", "REVENUE", "REVENUE", "OUTPUT", False, None),
    ("260", "Other Revenue", "REVENUE", "REVENUE", "OUTPUT", False, None),
    ("310", "Cost of Goods Sold", "DIRECTCOSTS", "EXPENSE", "INPUT", False, None),
    ("404", "Bank Fees", "EXPENSE", "EXPENSE", "NONE", False, None),
    ("497", "Chargeback Losses", "EXPENSE", "EXPENSE", "NONE", False, None),
    ("610", "Accounts Receivable", "CURRENT", "ASSET", "NONE", False, "DEBTORS"),
    ("615", "Disputed Payments", "CURRENT", "ASSET", "NONE", False, None),
    ("800", "Accounts Payable", "CURRLIAB", "LIABILITY", "NONE", False, "CREDITORS"),
    ("820", "BTW (VAT)", "CURRLIAB", "LIABILITY", "NONE", False, "GST"),
    ("835", "Deferred Revenue", "CURRLIAB", "LIABILITY", "NONE", False, None),
    ("860", "Rounding", "CURRLIAB", "LIABILITY", "NONE", False, "ROUNDING"),
    ("880", "Owner A Funds Introduced", "EQUITY", "EQUITY", "NONE", True, None),
)


def seed_organisation(w: Write) -> None:
    """A new organisation's tax rates and chart of accounts."""
    tax.seed(w)
    for code, name, kind, klass, tax_type, payments, system in DEFAULT_CHART:
        data = {
            "AccountID": docs.new_id(),
            "Code": code,
            "Name": name,
            "Type": kind,
            "Status": "ACTIVE",
            "Class": klass,
            "TaxType": tax_type,
            "EnablePaymentsToAccount": payments,
            "ShowInExpenseClaims": False,
            "ReportingCode": "",
            "HasAttachments": False,
        }
        if system:
            data["SystemAccount"] = system
        if kind == "BANK":
            data.update(
                BankAccountType="BANK",
                BankAccountNumber=f"NL91ABNA0417164{code}",
                CurrencyCode=docs.BASE_CURRENCY,
            )
        w.save("Accounts", Record(data["AccountID"], data, w.stamp), created=True)


def find(w: Write, ref: object) -> Record | None:
    """The account a ``{"AccountID"}`` or ``{"Code"}`` reference names, if any."""
    if not isinstance(ref, dict):
        return None
    if ref.get("AccountID"):
        return w.books["Accounts"].get(str(ref["AccountID"]))
    if ref.get("Code"):
        return w.books["Accounts"].by_key("Code", str(ref["Code"]))
    return None


def bank_account(w: Write, ref: object, message: str) -> Record:
    """A BANK account by reference; raises ``ValidationFailed`` with ``message`` otherwise."""
    account = find(w, ref)
    if account is None or account.data["Type"] != "BANK":
        raise ValidationFailed(message)
    return account


def link(account: Record) -> dict:
    """The account as Xero shows it inside a payment or bank transaction."""
    data = account.data
    return {"AccountID": data["AccountID"], "Code": data["Code"], "Name": data["Name"]}
