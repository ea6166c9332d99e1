"""The Accounting API resources the sandbox serves, declared as data: id and natural-key
fields, whether GET pages, which query parameters each accepts, the list filters, the
fields ``where``/``order`` may name, and the create/update handlers."""

from __future__ import annotations

from revhub.sandbox.xero import contacts, credit_notes, invoices, payments, purchase_orders
from revhub.sandbox.xero.resource_types import COMMON_GET, Resource, by_field, read_only
from revhub.sandbox.xero.resources_ledger import LEDGER_RESOURCES

__all__ = ["RESOURCES", "Resource"]

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
    for r in LEDGER_RESOURCES
    + (
        Resource(
            "Invoices",
            "Invoice",
            "InvoiceID",
            "InvoiceNumber",
            True,
            COMMON_GET
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
            COMMON_GET | {"IDs", "includeArchived", "summaryOnly", "searchTerm"},
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
            by_field("AccountID", None, "Accounts"),
            read_only,
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
            "Payments",
            "Payment",
            "PaymentID",
            None,
            True,
            COMMON_GET,
            by_field("PaymentID", None, "Payments"),
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
            COMMON_GET | {"unitdp"},
            credit_notes.find,
            credit_notes.create,
            credit_notes.update,
            _DOC_FIELDS | {"CreditNoteID", "CreditNoteNumber", "RemainingCredit"},
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
