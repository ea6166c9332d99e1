"""A new company's lists (accounts, tax rates and codes) and a generated ``Dataset`` loaded
through the same operations the API runs, so ids, totals and balances are what calls make.

Mapping: products → Service items (``Sku`` = revhub sku); companies → customers in their own
currency; invoices → invoices whose custom field 1 "PO Number" holds the customer's PO (QBO has
no PO field on sales forms); voided ones voided; Stripe charges → payments applied up to the
balance, any excess left unapplied (customer credit), the Stripe PaymentIntent id in
``PrivateNote`` (``PaymentRefNum`` holds 21 characters, too few for it), deposited to the Stripe
clearing account at the rate Stripe settled them (``ExchangeRate``, home units per unit, when the
payment is in another currency than the company's); refunds → credit memos, or (``refund_document``
RefundReceipt) refund receipts paid out of the clearing account, quoting the Stripe refund id in
``PrivateNote``. Stripe's fees and payouts are not seeded: the hub books them from Stripe under
the connection's fee treatment (``LEDGER_SETTINGS``).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from revhub.money import to_decimal
from revhub.sandbox.dataset import PRODUCTS, Dataset, Settlement, unit_price
from revhub.sandbox.quickbooks.api import Operations

SALES_ACCOUNT, UNDEPOSITED_ACCOUNT, CLEARING_ACCOUNT, BANK_ACCOUNT, FEE_ACCOUNT = "79", "4", "92", "35", "93"
DISPUTE_ACCOUNT, CHARGEBACK_ACCOUNT = "94", "95"
# How a connection books Stripe money in this chart (revhub.connectors.quickbooks.ledger_settings):
# payments and refund receipts through the clearing account, each charge's fee a Purchase to Bank
# Charges, each landed payout a Transfer from clearing to Checking; a dispute's withdrawn money
# waits in Disputed Payments and, lost, moves to Chargeback Losses.
LEDGER_SETTINGS = {"fee_treatment": "per_charge", "deposit_account_id": CLEARING_ACCOUNT,
                   "bank_account_id": BANK_ACCOUNT, "fee_account_id": FEE_ACCOUNT, "refund_document": "RefundReceipt",
                   "dispute_account_id": DISPUTE_ACCOUNT, "chargeback_account_id": CHARGEBACK_ACCOUNT}
RATE_PLACES = Decimal("1e-10")
# Tax codes as a Dutch (VAT) company on QBO's global edition has them: a code per rate, each
# naming its TaxRate (ids as a fresh company numbers them).
TAX_RATES = (("3", "21% BTW hoog", Decimal(21)), ("4", "9% BTW laag", Decimal(9)), ("5", "0% BTW", Decimal(0)))
TAX_CODES = (("6", "21% BTW hoog", "3"), ("7", "9% BTW laag", "4"), ("8", "0% BTW", "5"))


def company(ops: Operations) -> None:
    """The lists a fresh sandbox company starts with (ids fixed, as in an Intuit sandbox company)."""
    realm = ops.realm
    for ident, name, kind in ((SALES_ACCOUNT, "Sales of Product Income", "Income"),
                              (UNDEPOSITED_ACCOUNT, "Undeposited Funds", "Other Current Asset"),
                              (BANK_ACCOUNT, "Checking", "Bank"), (CLEARING_ACCOUNT, "Stripe Clearing", "Bank"),
                              (FEE_ACCOUNT, "Bank Charges", "Expense"),
                              (DISPUTE_ACCOUNT, "Disputed Payments", "Other Current Asset"),
                              (CHARGEBACK_ACCOUNT, "Chargeback Losses", "Expense")):
        realm.objects["Account"][ident] = {"Id": ident, "Name": name, "AccountType": kind, "Active": True,
                                           "CurrencyRef": {"value": realm.home_currency}, "SyncToken": "0",
                                           "domain": "QBO"}
    for ident, name, rate in TAX_RATES:
        realm.objects["TaxRate"][ident] = {"Id": ident, "Name": name, "RateValue": rate, "Active": True,
                                           "SyncToken": "0", "domain": "QBO"}
    for ident, name, rate_id in TAX_CODES:
        realm.objects["TaxCode"][ident] = {
            "Id": ident, "Name": name, "Description": name, "Active": True, "Taxable": True, "TaxGroup": False,
            "SalesTaxRateList": {"TaxRateDetail": [{"TaxRateRef": {"value": rate_id, "name": name},
                                                    "TaxTypeApplicable": "TaxOnAmount", "TaxOrder": 0}]},
            "PurchaseTaxRateList": {"TaxRateDetail": []}, "SyncToken": "0", "domain": "QBO"}
    for entity in ("Account", "TaxRate", "TaxCode"):
        for ident in realm.objects[entity]:
            realm.updated[(entity, ident)] = ops.epoch
    realm.next_id = 100


def exchange_rate(home: str, amount: int, currency: str, settled: Settlement) -> dict:
    """``ExchangeRate`` (home units per unit of ``currency``) at which Stripe settled ``amount``,
    when it is in another currency and Stripe settled it in the home currency."""
    if currency == home or settled.currency != home or not amount:
        return {}
    rate = to_decimal(abs(settled.amount), home) / to_decimal(amount, currency)
    return {"ExchangeRate": rate.quantize(RATE_PLACES, ROUND_HALF_UP)}


def load(ops: Operations, ds: Dataset, refund_document: str = "CreditMemo") -> None:
    items = {}
    for sku, name, _, _ in PRODUCTS:
        items[sku] = ops.save("Item", {"Name": name[:100], "Sku": sku, "Type": "Service",
                                       "UnitPrice": to_decimal(unit_price(sku, "USD"), "USD"),
                                       "IncomeAccountRef": {"value": SALES_ACCOUNT}})["Id"]
    people = {(p.company, p.role): p for p in reversed(ds.people)}
    customers = {}
    for c in ds.companies:
        billing = people.get((c.key, "billing"))
        body = {"DisplayName": c.short_name, "CompanyName": c.name, "PrimaryEmailAddr": {"Address": c.email},
                "CurrencyRef": {"value": c.currency},
                "BillAddr": {"Line1": c.street, "City": c.city, "CountrySubDivisionCode": c.region or "",
                             "PostalCode": c.postal_code, "Country": c.country}}
        if billing:
            body.update(GivenName=billing.first_name, FamilyName=billing.last_name)
        customers[c.key] = ops.save("Customer", body)["Id"]
    invoices = {}
    for inv in ds.invoices:
        created = ops.save("Invoice", {
            "DocNumber": inv.number, "TxnDate": inv.issue_date.isoformat(), "DueDate": inv.due_date.isoformat(),
            "CustomerRef": {"value": customers[inv.company]}, "CurrencyRef": {"value": inv.currency},
            "CustomField": [{"DefinitionId": "1", "StringValue": inv.po_number}],
            "GlobalTaxCalculation": "NotApplicable",
            "Line": [{"DetailType": "SalesItemLineDetail", "Description": line.description,
                      "SalesItemLineDetail": {"ItemRef": {"value": items[line.sku]}, "Qty": line.quantity,
                                              "UnitPrice": to_decimal(line.unit_amount, inv.currency)}}
                     for line in inv.lines]})
        if inv.status == "void":
            created = ops.save("Invoice", {"Id": created["Id"], "SyncToken": created["SyncToken"]}, "void")
        invoices[inv.number] = created["Id"]
    for pay in ds.payments:
        invoice = ops.read("Invoice", invoices[pay.invoice])
        if invoice.get("PrivateNote") == "Voided":
            continue
        total = to_decimal(pay.amount, pay.currency)
        applied = min(total, invoice["Balance"])
        ops.save("Payment", {"CustomerRef": invoice["CustomerRef"], "TotalAmt": total,
                             "TxnDate": pay.paid_at.date().isoformat(), "PrivateNote": pay.processor_id,
                             "DepositToAccountRef": {"value": CLEARING_ACCOUNT},
                             **exchange_rate(ops.realm.home_currency, pay.amount, pay.currency, pay.settled),
                             "Line": [{"Amount": applied, "LinkedTxn": [{"TxnId": invoice["Id"],
                                                                          "TxnType": "Invoice"}]}]})
    payments = {p.key: p for p in ds.payments}
    for refund in ds.refunds:
        pay = payments[refund.payment]
        invoice = ops.read("Invoice", invoices[pay.invoice])
        paid_out = {"DepositToAccountRef": {"value": CLEARING_ACCOUNT},
                    **exchange_rate(ops.realm.home_currency, refund.amount, refund.currency, refund.settled)
                    } if refund_document == "RefundReceipt" else {}
        ops.save(refund_document, {
            "CustomerRef": invoice["CustomerRef"], "TxnDate": refund.refunded_at.date().isoformat(),
            "PrivateNote": f"Refund {refund.processor_id} of {invoice['DocNumber']}",
            "GlobalTaxCalculation": "NotApplicable", **paid_out,
            "Line": [{"DetailType": "SalesItemLineDetail", "Description": f"Refund of {invoice['DocNumber']}",
                      "SalesItemLineDetail": {"Qty": 1, "UnitPrice": to_decimal(refund.amount, refund.currency)}}]})
