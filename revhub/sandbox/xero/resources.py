"""The Accounting API resources the sandbox serves, declared as data: id and natural-key
fields, whether GET pages, which query parameters each accepts, the list filters, the
fields ``where``/``order`` may name, and the create/update handlers."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from revhub.sandbox.xero import (
    bank_transactions,
    bank_transfers,
    contacts,
    credit_notes,
    invoices,
    overpayments,
    payments,
    purchase_orders,
    tax,
)
from revhub.sandbox.xero.errors import ValidationFailed
from revhub.sandbox.xero.ledger import Write
from revhub.sandbox.xero.store import Record

_COMMON_GET = frozenset({"where", "order", "page", "pageSize"})


def _read_only(w: Write, element: dict) -> Record:
    raise ValidationFailed("This resource cannot be created through the sandbox API.")


@dataclass(frozen=True)
class Resource:
    name: str  # path segment and wrapper key, e.g. "Invoices"
    type_name: str  # singular, as Xero names it in query errors
    id_field: str
    key_field: str | None  # natural key also accepted in the path
    paged: bool
    get_params: frozenset[str]
    find: Callable[[Write, dict], Record | None]
    create: Callable[[Write, dict], Record]
    update: Callable[[Write, Record, dict], Record] | None
    where_fields: frozenset[str]
    list_filters: dict[str, str] = field(default_factory=dict)  # query param -> field path
    search_fields: tuple[str, ...] = ()
    write_params: frozenset[str] = frozenset({"summarizeErrors", "unitdp"})
    status_attribute: bool = True  # whether the model has StatusAttributeString


def _by(id_field: str, key_field: str | None, resource: str):
    def find(w: Write, element: dict) -> Record | None:
        if element.get(id_field):
            return w.books[resource].get(str(element[id_field]))
        if key_field and element.get(key_field):
            return w.books[resource].by_key(key_field, str(element[key_field]))
        return None

    return find


_DOC_FIELDS = frozenset(
    {
        "Type",
        "Status",
        "Reference",
        "Date",
        "DueDate",
        "Contact.ContactID",
        "Contact.Name",
        "Contact.ContactNumber",
        "CurrencyCode",
        "Total",
        "SubTotal",
        "AmountDue",
        "AmountPaid",
        "AmountCredited",
        "UpdatedDateUTC",
    }
)

RESOURCES: dict[str, Resource] = {
    r.name.lower(): r
    for r in (
        Resource(
            "Invoices",
            "Invoice",
            "InvoiceID",
            "InvoiceNumber",
            True,
            _COMMON_GET
            | {
                "IDs",
                "InvoiceNumbers",
                "ContactIDs",
                "Statuses",
                "includeArchived",
                "createdByMyApp",
                "unitdp",
                "summaryOnly",
                "searchTerm",
            },
            invoices.find,
            invoices.create,
            invoices.update,
            _DOC_FIELDS | {"InvoiceID", "InvoiceNumber", "FullyPaidOnDate", "SentToContact"},
            {
                "IDs": "InvoiceID",
                "InvoiceNumbers": "InvoiceNumber",
                "ContactIDs": "Contact.ContactID",
                "Statuses": "Status",
            },
            ("InvoiceNumber", "Reference"),
        ),
        Resource(
            "Contacts",
            "Contact",
            "ContactID",
            "ContactNumber",
            True,
            _COMMON_GET | {"IDs", "includeArchived", "summaryOnly", "searchTerm"},
            contacts.find_contact,
            contacts.create,
            contacts.update,
            frozenset(
                {
                    "ContactID",
                    "ContactNumber",
                    "AccountNumber",
                    "Name",
                    "FirstName",
                    "LastName",
                    "EmailAddress",
                    "ContactStatus",
                    "IsCustomer",
                    "IsSupplier",
                    "TaxNumber",
                    "DefaultCurrency",
                    "UpdatedDateUTC",
                }
            ),
            {"IDs": "ContactID"},
            ("Name", "FirstName", "LastName", "EmailAddress", "ContactNumber", "AccountNumber"),
        ),
        Resource(
            "Items",
            "Item",
            "ItemID",
            "Code",
            False,
            frozenset({"where", "order", "unitdp"}),
            contacts.find_item,
            contacts.create_item,
            lambda w, record, element: contacts.update_item(w, record, element),
            frozenset(
                {"ItemID", "Code", "Name", "Description", "IsSold", "IsPurchased", "UpdatedDateUTC"}
            ),
        ),
        Resource(
            "Accounts",
            "Account",
            "AccountID",
            None,
            False,
            frozenset({"where", "order"}),
            _by("AccountID", None, "Accounts"),
            _read_only,
            None,
            frozenset(
                {
                    "AccountID",
                    "Code",
                    "Name",
                    "Type",
                    "Status",
                    "Class",
                    "BankAccountType",
                    "EnablePaymentsToAccount",
                    "UpdatedDateUTC",
                }
            ),
        ),
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
            "Payments",
            "Payment",
            "PaymentID",
            None,
            True,
            _COMMON_GET,
            _by("PaymentID", None, "Payments"),
            payments.create,
            payments.delete,
            frozenset(
                {
                    "PaymentID",
                    "Date",
                    "Amount",
                    "Reference",
                    "Status",
                    "PaymentType",
                    "IsReconciled",
                    "Invoice.InvoiceID",
                    "Invoice.InvoiceNumber",
                    "Account.Code",
                    "Account.AccountID",
                    "UpdatedDateUTC",
                }
            ),
            write_params=frozenset({"summarizeErrors"}),
        ),
        Resource(
            "CreditNotes",
            "CreditNote",
            "CreditNoteID",
            "CreditNoteNumber",
            True,
            _COMMON_GET | {"unitdp"},
            credit_notes.find,
            credit_notes.create,
            credit_notes.update,
            _DOC_FIELDS | {"CreditNoteID", "CreditNoteNumber", "RemainingCredit"},
        ),
        Resource(
            "BankTransactions",
            "BankTransaction",
            "BankTransactionID",
            None,
            True,
            _COMMON_GET | {"unitdp"},
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
            _COMMON_GET | {"unitdp"},
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
            "PurchaseOrders",
            "PurchaseOrder",
            "PurchaseOrderID",
            "PurchaseOrderNumber",
            True,
            frozenset({"Status", "DateFrom", "DateTo", "order", "page", "pageSize"}),
            purchase_orders.find,
            purchase_orders.create,
            purchase_orders.update,
            frozenset(
                {
                    "PurchaseOrderID",
                    "PurchaseOrderNumber",
                    "Status",
                    "Date",
                    "DeliveryDate",
                    "Reference",
                    "Contact.ContactID",
                    "Total",
                    "UpdatedDateUTC",
                }
            ),
        ),
    )
}
