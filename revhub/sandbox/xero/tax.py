"""Tax rates and tax per line, as a Dutch organisation on Xero's GLOBAL version holds them.

A GLOBAL (non-UK/AU/NZ/US) organisation starts with four system rates: ``OUTPUT`` (Tax on
Sales), ``INPUT`` (Tax on Purchases), ``NONE`` (Tax Exempt) and ``GSTONIMPORTS`` (Sales Tax
on Imports), all at 0 %. Rates an organisation adds through ``PUT /TaxRates`` get the codes
``TAX001``, ``TAX002``... in order. The sandbox's organisation is set up as a Dutch company
would set it up (BTW):

| TaxType | name | rate |
|---|---|---|
| OUTPUT | Tax on Sales (BTW 21% hoog) | 21 % standard |
| TAX001 | BTW 9% laag | 9 % reduced |
| TAX002 | BTW 0% | 0 % zero-rated |
| NONE | Tax Exempt (vrijgesteld) | exempt |
| TAX003 | EU reverse charge (BTW verlegd) | 0 %, reported |
| TAX004 | Export outside the EU | 0 % |
| INPUT | Tax on Purchases (BTW 21%) | 21 % on purchases |
| GSTONIMPORTS | Sales Tax on Imports | 0 % |

Per line (developer.xero.com "Rounding in Xero"): Exclusive tax = LineAmount × rate, Inclusive
tax = LineAmount × rate / (100 + rate), NoTax none; each rounded to 2 dp on its own line.
"""

from __future__ import annotations

from decimal import Decimal

from revhub.sandbox.xero import documents as docs
from revhub.sandbox.xero.amounts import rounded_cents
from revhub.sandbox.xero.errors import ValidationFailed
from revhub.sandbox.xero.ledger import Write
from revhub.sandbox.xero.store import Record

_ALL = dict(assets=True, equity=True, expenses=True, liabilities=True, revenue=True)
_SALES = dict(assets=True, equity=True, expenses=False, liabilities=True, revenue=True)
_PURCHASES = dict(assets=True, equity=True, expenses=True, liabilities=True, revenue=False)
# (TaxType, name, rate, ReportTaxType, where it may be used); custom ones get TAX00n in order.
SEED = (
    ("OUTPUT", "Tax on Sales (BTW 21% hoog)", "21", "OUTPUT", _SALES),
    ("INPUT", "Tax on Purchases (BTW 21%)", "21", "INPUT", _PURCHASES),
    ("NONE", "Tax Exempt (vrijgesteld)", "0", "NONE", _ALL),
    ("GSTONIMPORTS", "Sales Tax on Imports", "0", "GSTONIMPORTS", dict(_PURCHASES, assets=False)),
    (None, "BTW 9% laag", "9", "OUTPUT", _SALES),
    (None, "BTW 0%", "0", "OUTPUT", _SALES),
    (None, "EU reverse charge (BTW verlegd)", "0", "OUTPUT", _SALES),
    (None, "Export outside the EU", "0", "OUTPUT", _SALES),
)
_APPLIES = {"ASSET": "CanApplyToAssets", "EQUITY": "CanApplyToEquity",
            "EXPENSE": "CanApplyToExpenses", "LIABILITY": "CanApplyToLiabilities",
            "REVENUE": "CanApplyToRevenue"}


def seed(w: Write) -> None:
    """The organisation's tax rates (system rates first, then the added ones)."""
    for tax_type, name, rate, report, applies in SEED:
        components = [{"Name": "BTW", "Rate": Decimal(rate)}]
        element = {"Name": name, "TaxComponents": components, "ReportTaxType": report}
        record = create(w, element, tax_type=tax_type)
        for target, flag in applies.items():
            record.data[f"CanApplyTo{target.capitalize()}"] = flag


def find(w: Write, element: dict) -> Record | None:
    """The rate an element names, by ``TaxType`` or ``Name``."""
    rates = w.books["TaxRates"]
    if element.get("TaxType"):
        return rates.get(str(element["TaxType"]))
    if element.get("Name"):
        return rates.by_key("Name", str(element["Name"]))
    return None


def create(w: Write, element: dict, tax_type: str | None = None) -> Record:
    """``PUT /TaxRates``: a new rate, coded ``TAX00n``; raises ``ValidationFailed``."""
    name = (element.get("Name") or "").strip()
    if not name:
        raise ValidationFailed("The tax rate name must be specified.")
    if w.books["TaxRates"].by_key("Name", name):
        raise ValidationFailed(f"The tax rate name '{name}' is already in use.")
    code = tax_type or _next_code(w)
    data = {"Name": name, "TaxType": code, "TaxComponents": [], "Status": "ACTIVE",
            "ReportTaxType": "OUTPUT", **{flag: True for flag in _APPLIES.values()}}
    record = Record(code.lower(), data, w.stamp)
    _apply(record, element, creating=True)
    w.save("TaxRates", record, created=True)
    return record


def update(w: Write, record: Record, element: dict) -> Record:
    """``POST /TaxRates``: change a rate's name, components, report type or status."""
    name = element.get("Name")
    if name and name != record.data["Name"]:
        other = w.books["TaxRates"].by_key("Name", name)
        if other is not None and other.id != record.id:
            raise ValidationFailed(f"The tax rate name '{name}' is already in use.")
        record.data["Name"] = name
    _apply(record, element, creating=False)
    w.save("TaxRates", record, created=False)
    return record


def _apply(record: Record, element: dict, creating: bool) -> None:
    data = record.data
    raw = element.get("TaxComponents")
    if raw is None and creating:
        raise ValidationFailed("At least one tax component must be specified.")
    if raw is not None:
        if not isinstance(raw, list) or not raw:
            raise ValidationFailed("At least one tax component must be specified.")
        data["TaxComponents"] = [_component(c) for c in raw]
    for name in ("ReportTaxType", "Status"):
        if element.get(name):
            data[name] = element[name]
    if data["Status"] not in ("ACTIVE", "DELETED", "ARCHIVED", "PENDING"):
        raise ValidationFailed(f"Tax rate Status '{data['Status']}' is not valid.")
    rate = effective_rate(data["TaxComponents"])
    data["DisplayTaxRate"] = data["EffectiveRate"] = rate


def _component(raw: object) -> dict:
    if not isinstance(raw, dict) or not raw.get("Name"):
        raise ValidationFailed("Each tax component must have a name.")
    rate = docs.number(raw, "Rate")
    if rate is None or rate < 0 or rate > 100:
        raise ValidationFailed("The tax component rate must be between 0 and 100.")
    return {"Name": raw["Name"], "Rate": rate.quantize(Decimal("0.0001")),
            "IsCompound": bool(raw.get("IsCompound", False)),
            "IsNonRecoverable": bool(raw.get("IsNonRecoverable", False))}


def effective_rate(components: list[dict]) -> Decimal:
    """Percent of tax on a net amount: simple components add up, a compound one also
    taxes the tax before it."""
    simple = sum((c["Rate"] for c in components if not c["IsCompound"]), Decimal(0))
    rate = simple
    for component in components:
        if component["IsCompound"]:
            rate += component["Rate"] * (100 + simple) / 100
    return rate.quantize(Decimal("0.0001"))


def _next_code(w: Write) -> str:
    taken = {r.data["TaxType"] for r in w.books["TaxRates"].ordered()}
    number = 1
    while f"TAX{number:03d}" in taken:
        number += 1
    return f"TAX{number:03d}"


def line_tax_type(w: Write, given: object, account: Record | None, default: str | None) -> Record:
    """The rate a line uses: the one it names, else the item's or the account's default
    (Xero's rule); an unknown, deleted or misplaced rate is Xero's validation error."""
    code = str(given or default or (account.data.get("TaxType") if account else None) or "NONE")
    rate = w.books["TaxRates"].get(code)
    if rate is None or rate.data["Status"] != "ACTIVE":
        raise ValidationFailed(
            f"The TaxType code '{code}' does not exist or cannot be used for this type of "
            "transaction."
        )
    if account is not None and not rate.data.get(_APPLIES.get(account.data["Class"], ""), True):
        raise ValidationFailed(
            f"The TaxType code '{code}' cannot be used with account code '{account.data['Code']}'."
        )
    return rate


def line_tax_cents(line_cents: int, rate: Record, amount_types: str) -> int:
    """Tax on one line in cents, rounded on its own as Xero does."""
    percent = rate.data["EffectiveRate"]
    if amount_types == "NoTax" or not percent:
        return 0
    net = Decimal(line_cents) / 100
    if amount_types == "Inclusive":
        return rounded_cents(net * percent / (100 + percent))
    return rounded_cents(net * percent / 100)
