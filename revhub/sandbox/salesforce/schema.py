"""The sObjects the sandbox knows, declared as data: fields, types, and write rules.

Names, key prefixes and types follow Salesforce's standard objects; the custom objects
(``Purchase_Order__c`` and its lines) are the ones the revhub org is configured with.
Every object also gets the standard audit fields (see ``AUDIT_FIELDS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

ORG_CURRENCIES = ("USD", "EUR", "GBP", "JPY")
CORPORATE_CURRENCY = "USD"
READ_ONLY = "read_only"


@dataclass(frozen=True)
class FieldDef:
    name: str
    type: str                      # string, textarea, email, phone, url, picklist, boolean,
                                   # double, currency, percent, int, date, datetime, id, reference
    label: str = ""
    required: bool = False         # must be given (non-null) on create
    createable: bool = True
    updateable: bool = True
    external_id: bool = False
    unique: bool = False
    reference_to: str | None = None
    relationship_name: str | None = None
    length: int | None = None
    master_detail: bool = False
    values: tuple[str, ...] = ()   # restricted picklist values (empty: unrestricted)


@dataclass
class SObjectDef:
    name: str
    key_prefix: str
    label: str
    fields: dict[str, FieldDef] = field(default_factory=dict)
    custom: bool = False
    name_auto_number: str | None = None  # format like "POL-{0}" when Name is an auto-number

    def field(self, name: str) -> FieldDef | None:
        """The field called ``name`` (case-insensitive, as in SOQL and JSON writes)."""
        return self._lower().get(name.lower())

    def relationship(self, name: str) -> FieldDef | None:
        """The reference field whose relationship name is ``name`` (case-insensitive)."""
        lower = name.lower()
        return next((f for f in self.fields.values()
                     if f.relationship_name and f.relationship_name.lower() == lower), None)

    def _lower(self) -> dict[str, FieldDef]:
        cached = self.__dict__.get("_lower_cache")
        if cached is None:
            cached = {k.lower(): v for k, v in self.fields.items()}
            self.__dict__["_lower_cache"] = cached
        return cached


def _f(name: str, type_: str, **kw) -> FieldDef:
    kw.setdefault("label", name.replace("__c", "").replace("_", " "))
    if type_ in ("string", "email", "phone", "url", "picklist") and "length" not in kw:
        kw["length"] = 255
    return FieldDef(name, type_, **kw)


def _ro(name: str, type_: str, **kw) -> FieldDef:
    return _f(name, type_, createable=False, updateable=False, **kw)


def _ref(name: str, target: str, rel: str, **kw) -> FieldDef:
    return _f(name, "reference", reference_to=target, relationship_name=rel, **kw)


AUDIT_FIELDS = (
    _ro("Id", "id"),
    _ro("IsDeleted", "boolean", label="Deleted"),
    _ro("CreatedDate", "datetime", label="Created Date"),
    _ro("CreatedById", "reference", label="Created By ID", reference_to="User",
        relationship_name="CreatedBy"),
    _ro("LastModifiedDate", "datetime", label="Last Modified Date"),
    _ro("LastModifiedById", "reference", label="Last Modified By ID", reference_to="User",
        relationship_name="LastModifiedBy"),
    _ro("SystemModstamp", "datetime", label="System Modstamp"),
)
_CURRENCY = _f("CurrencyIsoCode", "picklist", label="Currency ISO Code", length=3,
               values=ORG_CURRENCIES)
_OWNER = _ref("OwnerId", "User", "Owner", label="Owner ID")
_ADDRESS = tuple(_f(f"Billing{part}", "string" if part != "Street" else "textarea")
                 for part in ("Street", "City", "State", "PostalCode", "Country"))

STAGES_WON = ("Closed Won",)
STAGES_CLOSED = ("Closed Won", "Closed Lost")

_OBJECTS: list[tuple[str, str, str, tuple[FieldDef, ...], dict]] = [
    ("User", "005", "User", (
        _ro("Name", "string"), _ro("Username", "string"), _ro("Email", "email"),
        _ro("IsActive", "boolean", label="Active")), {}),
    ("Account", "001", "Account", (
        _f("Name", "string", label="Account Name", required=True), _f("AccountNumber", "string", length=40),
        *_ADDRESS, _f("Phone", "phone", length=40), _f("Website", "url"),
        _f("Type", "picklist", label="Account Type"), _OWNER, _CURRENCY,
        _f("Tax_Id__c", "string", label="Tax Id", length=40),
        _f("Billing_Email__c", "email", label="Billing Email"),
        # Not unique: two accounts may carry one id, which makes an upsert answer 300.
        _f("Stripe_Customer_Id__c", "string", label="Stripe Customer Id", external_id=True),
        _f("Xero_Contact_Id__c", "string", label="Xero Contact Id", external_id=True)), {}),
    ("Contact", "003", "Contact", (
        _ref("AccountId", "Account", "Account", label="Account ID"),
        _f("FirstName", "string", label="First Name", length=40),
        _f("LastName", "string", label="Last Name", required=True, length=80),
        _ro("Name", "string", label="Full Name"), _f("Email", "email"),
        _f("Phone", "phone", length=40), _f("Title", "string", length=128), _OWNER), {}),
    ("Opportunity", "006", "Opportunity", (
        _f("Name", "string", required=True, length=120),
        _ref("AccountId", "Account", "Account", label="Account ID"),
        _f("StageName", "picklist", label="Stage", required=True),
        _f("CloseDate", "date", label="Close Date", required=True),
        _f("Amount", "currency"), _CURRENCY,
        _ro("IsClosed", "boolean", label="Closed"), _ro("IsWon", "boolean", label="Won"),
        _ref("Pricebook2Id", "Pricebook2", "Pricebook2", label="Price Book ID"), _OWNER), {}),
    ("Product2", "01t", "Product", (
        _f("Name", "string", label="Product Name", required=True),
        _f("ProductCode", "string", label="Product Code"), _f("Description", "textarea"),
        _f("IsActive", "boolean", label="Active"), _f("Family", "picklist", label="Product Family"),
        _CURRENCY), {}),
    ("Pricebook2", "01s", "Price Book", (
        _f("Name", "string", label="Price Book Name", required=True),
        _f("IsActive", "boolean", label="Active"), _ro("IsStandard", "boolean", label="Is Standard Price Book"),
        _f("Description", "textarea")), {}),
    ("PricebookEntry", "01u", "Price Book Entry", (
        _ref("Pricebook2Id", "Pricebook2", "Pricebook2", label="Price Book ID", required=True,
             updateable=False),
        _ref("Product2Id", "Product2", "Product2", label="Product ID", required=True, updateable=False),
        _f("UnitPrice", "currency", label="List Price", required=True),
        _f("IsActive", "boolean", label="Active"), _f("UseStandardPrice", "boolean"),
        _ro("Name", "string", label="Product Name"), _CURRENCY), {}),
    ("OpportunityLineItem", "00k", "Opportunity Product", (
        _ref("OpportunityId", "Opportunity", "Opportunity", label="Opportunity ID",
             required=True, updateable=False),
        _ref("PricebookEntryId", "PricebookEntry", "PricebookEntry", label="Price Book Entry ID",
             updateable=False),
        _ref("Product2Id", "Product2", "Product2", label="Product ID", updateable=False),
        _f("Quantity", "double", required=True), _f("UnitPrice", "currency", label="Sales Price"),
        _f("TotalPrice", "currency", label="Total Price"), _f("Description", "string", label="Line Description"),
        _f("ServiceDate", "date", label="Date"), _ro("CurrencyIsoCode", "picklist", length=3)), {}),
    ("Purchase_Order__c", "a01", "Purchase Order", (
        _f("Name", "string", label="Purchase Order Name", required=True, length=80),
        _ref("Account__c", "Account", "Account__r", label="Account"),
        _ref("Opportunity__c", "Opportunity", "Opportunity__r", label="Opportunity"),
        _f("PO_Number__c", "string", label="PO Number", length=80),
        _f("Issue_Date__c", "date", label="Issue Date"), _CURRENCY,
        _f("Amount__c", "currency", label="Amount"),
        _f("Status__c", "picklist", label="Status",
           values=("Draft", "Issued", "Approved", "Invoiced", "Partially Paid", "Paid", "Void",
                   "Uncollectible", "Cancelled")),
        _f("Subscription_Start__c", "date", label="Subscription Start"),
        _f("Subscription_End__c", "date", label="Subscription End"),
        _f("Payment_Terms__c", "picklist", label="Payment Terms",
           values=("DUE_ON_RECEIPT", "NET15", "NET30", "NET45", "NET60")),
        _f("Invoice_Number__c", "string", label="Invoice Number", length=80),
        _f("Amount_Paid__c", "currency", label="Amount Paid"),
        _f("Stripe_Invoice_Id__c", "string", label="Stripe Invoice Id", length=80),
        _f("Xero_Invoice_Id__c", "string", label="Xero Invoice Id", length=80,
           external_id=True, unique=True),
        _f("Revhub_Id__c", "string", label="Revhub Id", length=80, external_id=True, unique=True),
        _OWNER), {"custom": True}),
    ("Purchase_Order_Line__c", "a02", "Purchase Order Line", (
        _ro("Name", "string", label="Line Number", length=80),
        _ref("Purchase_Order__c", "Purchase_Order__c", "Purchase_Order__r", label="Purchase Order",
             required=True, updateable=False, master_detail=True),
        _ref("Product__c", "Product2", "Product__r", label="Product"),
        _f("Description__c", "string", label="Description"),
        _f("Quantity__c", "double", label="Quantity"),
        _f("Unit_Price__c", "currency", label="Unit Price"),
        _ro("Total_Price__c", "currency", label="Total Price"),
        _ro("CurrencyIsoCode", "picklist", length=3)),
     {"custom": True, "name_auto_number": "POL-{0:06d}"}),
]


def _build() -> dict[str, SObjectDef]:
    objects = {}
    for name, prefix, label, fields, extra in _OBJECTS:
        definition = SObjectDef(name, prefix, label, **extra)
        for f in (*AUDIT_FIELDS, *fields):
            definition.fields[f.name] = f
        objects[name] = definition
    return objects


OBJECTS: dict[str, SObjectDef] = _build()
BY_PREFIX: dict[str, SObjectDef] = {o.key_prefix: o for o in OBJECTS.values()}
_BY_LOWER = {k.lower(): v for k, v in OBJECTS.items()}


def sobject(name: str) -> SObjectDef | None:
    """The object called ``name`` (case-insensitive, as Salesforce resolves it)."""
    return _BY_LOWER.get(name.lower())
