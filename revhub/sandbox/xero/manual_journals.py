"""Manual journals: lines straight to accounts, in the organisation's base currency.

``PUT``/``POST /ManualJournals`` with ``Narration`` (required), ``Date``, ``Status`` (DRAFT or
POSTED), ``LineAmountTypes`` and ``JournalLines`` — each ``LineAmount`` (debit positive,
credit negative), ``AccountCode``, ``Description``, ``TaxType`` — as xero-python's
``ManualJournal`` / ``ManualJournalLine`` models carry them. Like Xero: at least two lines,
every account known and active, and debits equal to credits, else a validation error naming
the two totals. A posted journal can only be voided (``Status: VOIDED``); a draft deleted.
https://developer.xero.com/documentation/api/accounting/manualjournals
"""

from __future__ import annotations

from decimal import Decimal

from revhub.sandbox.xero import accounts
from revhub.sandbox.xero import documents as docs
from revhub.sandbox.xero.amounts import amount, exact_cents
from revhub.sandbox.xero.errors import ValidationFailed
from revhub.sandbox.xero.ledger import Write
from revhub.sandbox.xero.store import Record

STATUSES = ("DRAFT", "POSTED")
LINE_AMOUNT_TYPES = ("NoTax", "Exclusive", "Inclusive")
# Status moves Xero allows on an existing journal.
MOVES = {"DRAFT": {"DRAFT", "POSTED", "DELETED"}, "POSTED": {"POSTED", "VOIDED"}}


def find(w: Write, element: dict) -> Record | None:
    if element.get("ManualJournalID"):
        return w.books["ManualJournals"].get(str(element["ManualJournalID"]))
    return None


def _lines(w: Write, element: dict) -> list[dict]:
    given = element.get("JournalLines")
    if not isinstance(given, list) or len(given) < 2:
        raise ValidationFailed("A manual journal must have at least two journal lines.")
    lines = []
    for line in given:
        if not isinstance(line, dict):
            raise ValidationFailed("A journal line must be an object.")
        ref = {"AccountID": line["AccountID"]} if line.get("AccountID") else {"Code": line.get("AccountCode")}
        account = accounts.find(w, ref)
        if account is None or account.data.get("Status") != "ACTIVE":
            raise ValidationFailed(f"Account code '{line.get('AccountCode') or line.get('AccountID')}' "
                                   "is not a valid code for this document.")
        value = docs.number(line, "LineAmount")
        if value is None:
            raise ValidationFailed("The LineAmount field is mandatory for journal lines.")
        lines.append({"LineAmount": amount(exact_cents(value, "LineAmount")), "AccountCode": account.data["Code"],
                      "AccountID": account.data["AccountID"], "Description": str(line.get("Description") or ""),
                      "TaxType": str(line.get("TaxType") or account.data.get("TaxType") or "NONE"),
                      "TaxAmount": Decimal("0.00"), "IsBlank": False})
    debits = sum((ln["LineAmount"] for ln in lines if ln["LineAmount"] > 0), Decimal("0"))
    credits = -sum((ln["LineAmount"] for ln in lines if ln["LineAmount"] < 0), Decimal("0"))
    if debits != credits:
        raise ValidationFailed(f"The total debits ({debits:.2f}) must equal total credits ({credits:.2f})")
    return lines


def create(w: Write, element: dict) -> Record:
    """A new journal; raises ``ValidationFailed`` (nothing is saved)."""
    narration = str(element.get("Narration") or "").strip()
    if not narration:
        raise ValidationFailed("Narration cannot be empty.")
    status = str(element.get("Status") or "DRAFT").upper()
    if status not in STATUSES:
        raise ValidationFailed(f"Status must be one of {', '.join(STATUSES)} for a new manual journal.")
    kind = element.get("LineAmountTypes") or "NoTax"
    if kind not in LINE_AMOUNT_TYPES:
        raise ValidationFailed(f"LineAmountTypes must be one of {', '.join(LINE_AMOUNT_TYPES)}.")
    lines = _lines(w, element)
    day = docs.date_field(element, "Date", default=docs.day(w.now))
    data = {"ManualJournalID": docs.new_id(), "Narration": narration[:4000], "Date": day, "Status": status,
            "LineAmountTypes": kind, "JournalLines": lines,
            "ShowOnCashBasisReports": bool(element.get("ShowOnCashBasisReports", True)), "HasAttachments": False}
    if element.get("Url"):
        data["Url"] = str(element["Url"])
    record = Record(data["ManualJournalID"], data, w.stamp)
    w.save("ManualJournals", record, created=True)
    return record


def update(w: Write, record: Record, element: dict) -> Record:
    """A status move (post a draft, void a posted journal, delete a draft); a draft's lines
    and narration may change too."""
    now = record.data["Status"]
    wanted = str(element.get("Status") or now).upper()
    if wanted not in MOVES.get(now, {now}):
        raise ValidationFailed(f"A {now.lower()} manual journal cannot become {wanted.lower()}.")
    if now == "DRAFT":
        if "JournalLines" in element:
            record.data["JournalLines"] = _lines(w, element)
        if element.get("Narration"):
            record.data["Narration"] = str(element["Narration"])[:4000]
    elif element.get("JournalLines") or element.get("Narration", record.data["Narration"]) != record.data["Narration"]:
        raise ValidationFailed("A posted manual journal cannot be edited; void it and enter a new one.")
    record.data["Status"] = wanted
    w.save("ManualJournals", record, created=False)
    return record
