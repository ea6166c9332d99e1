"""The sObjects the sandbox knows, declared as data: fields, types, and write rules.

Standard objects and their standard fields are Salesforce's own and declared here; every
custom object and custom field comes from revhub's metadata package (``salesforce/``, read
by ``metadata``), the same files an admin deploys to a real org. Every object also gets the
standard audit fields (see ``AUDIT_FIELDS``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

from revhub.sandbox.salesforce import activities, metadata

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
    precision: int | None = None   # numbers: total digits and digits after the point
    scale: int | None = None
    calculated: bool = False       # a formula field
    auto_number: bool = False


@dataclass
class SObjectDef:
    name: str
    key_prefix: str
    label: str
    fields: dict[str, FieldDef] = field(default_factory=dict)
    custom: bool = False
    name_auto_number: str | None = None  # format like "POL-{0}" when Name is an auto-number
    # The org's objects this one belongs to (to resolve its references); set by _build.
    objects: dict[str, SObjectDef] | None = field(default=None, repr=False, compare=False)

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
        _f("Type", "picklist", label="Account Type"), _OWNER, _CURRENCY), {}),
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
    # Salesforce Files (files.py). FirstPublishLocationId and LinkedEntityId are polymorphic:
    # reference_to None means "any record".
    ("ContentVersion", "068", "Content Version", (
        _f("Title", "string"), _f("PathOnClient", "string", label="Path On Client", required=True, updateable=False),
        _f("VersionData", "base64", label="Version Data", required=True, updateable=False),
        _f("FirstPublishLocationId", "reference", label="First Publish Location ID", updateable=False),
        _ro("ContentDocumentId", "reference", label="ContentDocument ID", reference_to="ContentDocument",
            relationship_name="ContentDocument"),
        _ro("ContentSize", "int", label="Size"), _ro("Checksum", "string"), _ro("FileExtension", "string"),
        _ro("IsLatest", "boolean", label="Is Latest")), {}),
    ("ContentDocument", "069", "Content Document", (
        _ro("Title", "string"), _ro("LatestPublishedVersionId", "reference", reference_to="ContentVersion",
                                    relationship_name="LatestPublishedVersion"),
        _ro("FileExtension", "string"), _ro("ContentSize", "int", label="Size")), {}),
    ("ContentDocumentLink", "06A", "Content Document Link", (
        _f("LinkedEntityId", "reference", label="Linked Entity ID", required=True, updateable=False),
        _ref("ContentDocumentId", "ContentDocument", "ContentDocument", label="ContentDocument ID",
             required=True, updateable=False),
        _f("ShareType", "picklist", length=40, values=("V", "C", "I"))), {}),
]


# Key prefixes of custom objects are assigned by the org at deploy time; these are the sandbox's.
CUSTOM_PREFIXES = {"Purchase_Order__c": "a01", "Purchase_Order_Line__c": "a02"}
# A multi-currency org's currency tables (Advanced Currency Management for the dated rates).
_CURRENCY_OBJECTS = [
    ("CurrencyType", "02B", "Currency Type", (
        _f("IsoCode", "picklist", label="Currency ISO Code", required=True, length=3, updateable=False),
        _f("ConversionRate", "double", label="Conversion Rate", required=True),
        _f("DecimalPlaces", "int", label="Decimal Places", required=True),
        _f("IsActive", "boolean", label="Active"), _f("IsCorporate", "boolean", label="Corporate Currency")), {}),
    ("DatedConversionRate", "04w", "Dated Conversion Rate", (
        _f("IsoCode", "picklist", label="Currency ISO Code", required=True, length=3, updateable=False),
        _f("ConversionRate", "double", label="Conversion Rate", required=True),
        _f("StartDate", "date", label="Start Date", required=True),
        _ro("NextStartDate", "date", label="Next Start Date")), {}),
]


def _custom_field(spec: metadata.FieldSpec) -> FieldDef:
    writable = spec.formula is None
    return FieldDef(spec.name, spec.type, label=spec.label, required=spec.required and writable,
                    createable=writable, updateable=writable and (not spec.master_detail or spec.reparentable),
                    external_id=spec.external_id, unique=spec.unique, reference_to=spec.reference_to,
                    relationship_name=spec.name[:-3] + "__r" if spec.reference_to else None,
                    length=spec.length, master_detail=spec.master_detail, values=spec.values,
                    precision=spec.precision, scale=spec.scale, calculated=not writable)


def _custom_object(spec: metadata.ObjectSpec, prefix: str) -> tuple:
    detail = any(f.master_detail for f in spec.fields)
    auto = spec.name_format is not None
    fields = [FieldDef("Name", "string", label=spec.name_label, required=not auto, length=80,
                       createable=not auto, updateable=not auto, auto_number=auto)]
    fields += [_custom_field(f) for f in spec.fields]
    # A detail record has no owner and takes its master's currency.
    fields += [_ro("CurrencyIsoCode", "picklist", length=3)] if detail else [_OWNER, _CURRENCY]
    return (spec.name, prefix, spec.label, tuple(fields),
            {"custom": True, "name_auto_number": spec.name_format})


def _build(package: metadata.Package, multi_currency: bool = True) -> dict[str, SObjectDef]:
    entries = list(_OBJECTS) + [activities.task_entry(package, _custom_field)] + \
        (_CURRENCY_OBJECTS if multi_currency else [])
    standard = {name: i for i, (name, *_rest) in enumerate(entries)}
    for spec in package.objects.values():
        if spec.name == activities.ACTIVITY:
            continue  # its custom fields are Task's (activities.task_entry)
        if not spec.custom:
            name, prefix, label, fields, extra = entries[standard[spec.name]]
            entries[standard[spec.name]] = (name, prefix, label,
                                            fields + tuple(_custom_field(f) for f in spec.fields), extra)
        else:
            entries.append(_custom_object(spec, CUSTOM_PREFIXES.get(spec.name) or f"a{len(entries):02d}"))
    objects = {}
    for name, prefix, label, fields, extra in entries:
        definition = SObjectDef(name, prefix, label, **extra)
        for f in (*AUDIT_FIELDS, *fields):
            # A single-currency org has no CurrencyIsoCode on any object.
            if multi_currency or f.name != "CurrencyIsoCode":
                definition.fields[f.name] = f
        objects[name] = definition
        definition.objects = objects
    return objects


class OrgSchema:
    """The objects of one org: multi-currency (revhub's prerequisite) or single-currency."""

    def __init__(self, objects: dict[str, SObjectDef], multi_currency: bool) -> None:
        self.objects, self.multi_currency = objects, multi_currency
        self.by_prefix = {o.key_prefix: o for o in objects.values()}
        self._by_lower = {k.lower(): v for k, v in objects.items()}

    def sobject(self, name: str) -> SObjectDef | None:
        """The object called ``name`` (case-insensitive, as Salesforce resolves it)."""
        return self._by_lower.get(name.lower())


PACKAGE = metadata.load()
MULTI_CURRENCY = OrgSchema(_build(PACKAGE), True)
SINGLE_CURRENCY = OrgSchema(_build(PACKAGE, multi_currency=False), False)
OBJECTS: dict[str, SObjectDef] = MULTI_CURRENCY.objects
BY_PREFIX: dict[str, SObjectDef] = MULTI_CURRENCY.by_prefix
sobject = MULTI_CURRENCY.sobject
