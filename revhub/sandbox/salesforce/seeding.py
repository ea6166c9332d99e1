"""Loading a generated Dataset into the org, through the same write path as the API.

Companies become Accounts (with their billing and purchasing Contacts), each purchase order
an Opportunity (Closed Won) plus a ``Purchase_Order__c`` with its lines; the invoice raised
against the PO fills the PO's invoice number, status and amount paid. Products get a
standard price book entry per org currency.
"""

from __future__ import annotations

from collections import defaultdict
from decimal import Decimal

from revhub.money import to_decimal_string
from revhub.sandbox.dataset import PRODUCTS, Dataset, unit_price
from revhub.sandbox.salesforce.schema import CORPORATE_CURRENCY, ORG_CURRENCIES

_TITLES = {"billing": "Accounts Payable Manager", "purchasing": "Procurement Lead"}


def _money(minor: int, currency: str) -> Decimal:
    return Decimal(to_decimal_string(minor, currency))


class _OrgStore:
    """The store as seeding sees it: a single-currency org takes no CurrencyIsoCode."""

    def __init__(self, store) -> None:
        self.store, self.tables, self.multi_currency = store, store.tables, store.org.multi_currency

    def create(self, sobject: str, body: dict) -> str:
        if not self.multi_currency:
            body = {k: v for k, v in body.items() if k != "CurrencyIsoCode"}
        return self.store.create(sobject, body)


def load(store, ds: Dataset) -> None:
    """Create the data set's records (no HTTP); ids and timestamps as the API would give."""
    with store.lock:
        store = _OrgStore(store)
        products = _load_products(store)
        accounts = {}
        for company in ds.companies:
            slug = company.email.split("@", 1)[1]
            accounts[company.key] = store.create("Account", {
                "Name": company.name, "AccountNumber": company.key.upper(),
                "BillingStreet": company.street, "BillingCity": company.city,
                "BillingState": company.region, "BillingPostalCode": company.postal_code,
                "BillingCountry": company.country, "Website": f"https://www.{slug}",
                "Type": "Customer", "Tax_Id__c": company.tax_id,
                "Billing_Email__c": company.email, "CurrencyIsoCode": company.currency})
        for person in ds.people:
            store.create("Contact", {
                "AccountId": accounts[person.company], "FirstName": person.first_name,
                "LastName": person.last_name, "Email": person.email,
                "Title": _TITLES.get(person.role)})
        invoices = {inv.po_number: inv for inv in ds.invoices}
        paid = defaultdict(int)
        for payment in ds.payments:
            paid[payment.invoice] += payment.amount
        companies = {c.key: c for c in ds.companies}
        for po in ds.purchase_orders:
            _load_order(store, companies[po.company], po, accounts[po.company],
                        invoices.get(po.number), paid, products)


def _load_products(store) -> dict[str, str]:
    standard = store.create("Pricebook2", {"Name": "Standard Price Book", "IsActive": True})
    # Every org has exactly one standard price book; the flag is not writable through the API.
    table = store.tables["Pricebook2"]
    table.rows[table.position[standard]] = dict(table.rows[table.position[standard]], IsStandard=True)
    products = {}
    for sku, name, _, interval in PRODUCTS:
        products[sku] = store.create("Product2", {
            "Name": name, "ProductCode": sku, "IsActive": True,
            "Family": "Subscription" if interval else "Services"})
        for currency in ORG_CURRENCIES if store.multi_currency else (CORPORATE_CURRENCY,):
            store.create("PricebookEntry", {
                "Pricebook2Id": standard, "Product2Id": products[sku], "IsActive": True,
                "UnitPrice": _money(unit_price(sku, currency), currency),
                "CurrencyIsoCode": currency})
    return products


def _load_order(store, company, po, account_id, invoice, paid, products) -> None:
    total = _money(po.total, po.currency)
    opportunity = store.create("Opportunity", {
        "Name": f"{company.short_name} - {po.number}", "AccountId": account_id,
        "StageName": "Closed Won", "CloseDate": po.issue_date.isoformat(), "Amount": total,
        "CurrencyIsoCode": po.currency})
    body = {
        "Name": po.number, "Account__c": account_id, "Opportunity__c": opportunity,
        "PO_Number__c": po.number, "Issue_Date__c": po.issue_date.isoformat(),
        "CurrencyIsoCode": po.currency, "Amount__c": total, "Status__c": "Issued",
        "Subscription_Start__c": po.subscription_start.isoformat(),
        "Subscription_End__c": po.subscription_end.isoformat(),
        "Payment_Terms__c": po.payment_terms}
    if invoice is not None:
        received = paid.get(invoice.number, 0)
        body.update(Invoice_Number__c=invoice.number,
                    Amount_Paid__c=_money(received, invoice.currency),
                    Status__c=_status(invoice.status, received))
    order_id = store.create("Purchase_Order__c", body)
    for line in po.lines:
        store.create("Purchase_Order_Line__c", {
            "Purchase_Order__c": order_id, "Product__c": products.get(line.sku),
            "Description__c": line.description, "Quantity__c": line.quantity,
            "Unit_Price__c": _money(line.unit_amount, po.currency)})


def _status(invoice_status: str, received: int) -> str:
    if invoice_status == "void":
        return "Void"
    if invoice_status == "uncollectible":
        return "Uncollectible"
    if invoice_status == "paid":
        return "Paid"
    return "Partially Paid" if received else "Invoiced"
