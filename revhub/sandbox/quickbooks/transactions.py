"""Sales transactions: invoices, credit memos and refund receipts share their lines, tax and
totals; payments apply money (and credit memos) to invoices and move their ``Balance``.

QBO computes line amounts, ``TxnTaxDetail`` from the lines' tax codes, ``TotalAmt`` and
``Balance``; a given line ``Amount`` must equal ``UnitPrice × Qty`` (error 6070).
https://developer.intuit.com/app/developer/qbo/docs/api/accounting/all-entities/invoice
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

from revhub.sandbox.quickbooks.amounts import dec, rounded
from revhub.sandbox.quickbooks.banking import deposit_account
from revhub.sandbox.quickbooks.faults import QBOFault, business, invalid
from revhub.sandbox.quickbooks.store import Realm

# Preferences.SalesFormsPrefs.CustomField: the company's one configured string field.
PO_FIELD = {"DefinitionId": "1", "Name": "PO Number", "Type": "StringType"}
CUSTOM_FIELD_MAX = 31  # QBO cuts custom string fields at 31 characters


def _ref(realm: Realm, entity: str, body: dict, key: str, required: bool = True) -> dict | None:
    ref = body.get(key) or {}
    if not ref.get("value"):
        if required:
            raise invalid(f"Required parameter {key} is missing in the request", key)
        return None
    found = realm.get(entity, ref["value"])
    return {"value": found["Id"], "name": found.get("DisplayName") or found.get("Name")}


def _lines(realm: Realm, body: dict, currency: str, inclusive: bool) -> tuple[list, Decimal, dict]:
    lines, subtotal, taxes = [], Decimal(0), {}
    for n, line in enumerate(x for x in body.get("Line") or () if x.get("DetailType") == "SalesItemLineDetail"):
        detail = dict(line.get("SalesItemLineDetail") or {})
        item = realm.get("Item", (detail.get("ItemRef") or {}).get("value", "")) if detail.get("ItemRef") else None
        qty = dec(detail.get("Qty", 1), "Qty")
        price = dec(detail.get("UnitPrice", item["UnitPrice"] if item else 0), "UnitPrice")
        amount = rounded(price * qty, currency)
        if line.get("Amount") is not None and rounded(dec(line["Amount"], "Amount"), currency) != amount:
            raise QBOFault(400, "6070", "Amount is not equal to UnitPrice * Qty",
                           f"Amount is not equal to UnitPrice * Qty. Supplied value:{line['Amount']}")
        detail.update(Qty=qty, UnitPrice=price)
        if item:
            detail["ItemRef"] = {"value": item["Id"], "name": item["Name"]}
        code = (detail.get("TaxCodeRef") or {}).get("value")
        if code:
            taxcode = realm.get("TaxCode", code)
            detail["TaxCodeRef"] = {"value": taxcode["Id"]}
            for rate_id in _rate_ids(taxcode):
                rate = realm.get("TaxRate", rate_id)
                percent = rate["RateValue"]
                net = amount / (1 + percent / 100) if inclusive else amount
                tax = taxes.setdefault(rate_id, [Decimal(0), Decimal(0), percent])
                tax[0] += net * percent / 100
                tax[1] += net
        lines.append({"Id": str(n + 1), "LineNum": n + 1, "Description": line.get("Description", ""),
                      "Amount": amount, "DetailType": "SalesItemLineDetail", "SalesItemLineDetail": detail})
        subtotal += amount
    if not lines:
        raise invalid("Required parameter Line is missing in the request", "Line")
    return lines, subtotal, taxes


def _rate_ids(taxcode: dict) -> list[str]:
    rates = (taxcode.get("SalesTaxRateList") or {}).get("TaxRateDetail") or []
    return [r["TaxRateRef"]["value"] for r in rates]


def sales_document(realm: Realm, entity: str, body: dict, today: date, own_id: str | None = None) -> dict:
    """An Invoice, CreditMemo or RefundReceipt body checked and completed with QBO's totals."""
    customer = realm.get("Customer", (body.get("CustomerRef") or {}).get("value") or "")
    if not (body.get("CustomerRef") or {}).get("value"):
        raise invalid("Required parameter CustomerRef is missing in the request", "CustomerRef")
    currency = (body.get("CurrencyRef") or {}).get("value") or customer["CurrencyRef"]["value"]
    if currency != customer["CurrencyRef"]["value"]:
        raise business(f"The currency of the transaction ({currency}) must match the customer's "
                       f"({customer['CurrencyRef']['value']}).")
    calc = body.get("GlobalTaxCalculation", "TaxExcluded")
    lines, subtotal, taxes = _lines(realm, body, currency, calc == "TaxInclusive")
    total_tax = sum((rounded(t[0], currency) for t in taxes.values()), Decimal(0))
    total = subtotal if calc == "TaxInclusive" else subtotal + total_tax
    number = body.get("DocNumber") or realm.next_number(entity)
    for other in realm.objects[entity].values():
        if other.get("DocNumber") == number and other["Id"] != own_id:
            raise QBOFault(400, "6140", "Duplicate Document Number Error",
                           f"Duplicate Document Number Error : You must specify a different number. "
                           f"This number has already been used. DocNumber={number}")
    txn_date = body.get("TxnDate") or today.isoformat()
    out = {**{k: v for k, v in body.items() if k not in ("Id", "SyncToken", "MetaData", "sparse")},
           "DocNumber": number, "TxnDate": txn_date, "CurrencyRef": {"value": currency, "name": currency},
           "ExchangeRate": body.get("ExchangeRate", 1),
           "CustomerRef": {"value": customer["Id"], "name": customer["DisplayName"]},
           "GlobalTaxCalculation": calc, "TotalAmt": total,
           "Line": lines + [{"Amount": subtotal, "DetailType": "SubTotalLineDetail", "SubTotalLineDetail": {}}],
           "TxnTaxDetail": {"TotalTax": total_tax, "TaxLine": [
               {"Amount": rounded(t[0], currency), "DetailType": "TaxLineDetail",
                "TaxLineDetail": {"TaxRateRef": {"value": rid}, "PercentBased": True, "TaxPercent": t[2],
                                  "NetAmountTaxable": rounded(t[1], currency)}} for rid, t in taxes.items()]}}
    out["CustomField"] = _custom_fields(body.get("CustomField") or [])
    if entity == "Invoice":
        out.setdefault("DueDate", (date.fromisoformat(txn_date) + timedelta(days=30)).isoformat())
        out.setdefault("LinkedTxn", [])
        out.update(EmailStatus=body.get("EmailStatus", "NotSet"), PrintStatus=body.get("PrintStatus", "NotSet"))
    if entity == "RefundReceipt":
        deposited = deposit_account(realm, body)
        if deposited is None:
            raise invalid("Required parameter DepositToAccountRef is missing in the request", "DepositToAccountRef")
        out["DepositToAccountRef"] = deposited
        out["Balance"] = 0
    return out


def _custom_fields(given: list[dict]) -> list[dict]:
    out = []
    for field in given:
        if str(field.get("DefinitionId")) != PO_FIELD["DefinitionId"]:
            raise invalid(f"CustomField DefinitionId {field.get('DefinitionId')!r} is not defined for this "
                          "company", "CustomField")
        value = str(field.get("StringValue") or "")
        if len(value) > CUSTOM_FIELD_MAX:
            raise invalid(f"CustomField StringValue is longer than {CUSTOM_FIELD_MAX} characters", "CustomField")
        out.append({**PO_FIELD, "StringValue": value})
    return out or [dict(PO_FIELD)]


def settle(realm: Realm) -> None:
    """Recompute every invoice's and credit memo's Balance and LinkedTxn from the payments."""
    applied: dict[tuple[str, str], Decimal] = {}
    links: dict[tuple[str, str], list] = {}
    for payment in realm.objects["Payment"].values():
        for line in payment.get("Line") or ():
            for link in line.get("LinkedTxn") or ():
                key = (link["TxnType"], link["TxnId"])
                applied[key] = applied.get(key, Decimal(0)) + line["Amount"]
                links.setdefault(key, []).append({"TxnId": payment["Id"], "TxnType": "Payment"})
    for entity in ("Invoice", "CreditMemo"):
        for obj in realm.objects[entity].values():
            balance = obj["TotalAmt"] - applied.get((entity, obj["Id"]), Decimal(0))
            obj["Balance"] = balance
            if entity == "CreditMemo":
                obj["RemainingCredit"] = balance
            else:
                obj["LinkedTxn"] = links.get((entity, obj["Id"]), [])


def payment(realm: Realm, body: dict, today: date, own_id: str | None = None) -> dict:
    """A Payment body checked against the open balances it applies to."""
    customer = realm.get("Customer", (body.get("CustomerRef") or {}).get("value") or "")
    currency = customer["CurrencyRef"]["value"]
    if body.get("TotalAmt") is None:
        raise invalid("Required parameter TotalAmt is missing in the request", "TotalAmt")
    total = rounded(dec(body["TotalAmt"], "TotalAmt"), currency)
    lines, applied = [], Decimal(0)
    for line in body.get("Line") or ():
        amount = rounded(dec(line.get("Amount"), "Line.Amount"), currency)
        linked = []
        for link in line.get("LinkedTxn") or ():
            kind = link.get("TxnType")
            if kind not in ("Invoice", "CreditMemo"):
                raise invalid(f"LinkedTxn TxnType {kind!r} cannot be paid", "LinkedTxn")
            target = realm.get(kind, link.get("TxnId", ""))
            if target["CustomerRef"]["value"] != customer["Id"]:
                raise business(f"{kind} {target['Id']} belongs to another customer.")
            already = sum((ln["Amount"] for p in realm.objects["Payment"].values() if p["Id"] != own_id
                           for ln in p.get("Line") or () for lk in ln.get("LinkedTxn") or ()
                           if (lk["TxnType"], lk["TxnId"]) == (kind, target["Id"])), Decimal(0))
            if amount > target["TotalAmt"] - already:
                raise business(f"The amount applied ({amount}) is more than the open balance of "
                               f"{kind} {target.get('DocNumber')}.")
            linked.append({"TxnId": target["Id"], "TxnType": kind})
            applied += amount if kind == "Invoice" else -amount
        lines.append({"Amount": amount, "LinkedTxn": linked})
    if applied > total:
        raise business("The payment's lines apply more than its TotalAmt.")
    deposited = deposit_account(realm, body)
    return {**{k: v for k, v in body.items() if k not in ("Id", "SyncToken", "MetaData", "sparse")},
            **({"DepositToAccountRef": deposited} if deposited else {}),
            "CustomerRef": {"value": customer["Id"], "name": customer["DisplayName"]},
            "CurrencyRef": {"value": currency, "name": currency}, "TxnDate": body.get("TxnDate") or today.isoformat(),
            "TotalAmt": total, "UnappliedAmt": total - applied, "Line": lines,
            "ExchangeRate": body.get("ExchangeRate", 1)}


def void(obj: dict) -> dict:
    """A voided invoice as QBO keeps it: amounts zeroed, lines kept, a "Voided" private note."""
    lines = [{**line, "Amount": Decimal(0)} for line in obj["Line"]]
    return {**obj, "Line": lines, "TotalAmt": Decimal(0), "Balance": Decimal(0),
            "TxnTaxDetail": {"TotalTax": Decimal(0), "TaxLine": []}, "PrivateNote": "Voided"}
