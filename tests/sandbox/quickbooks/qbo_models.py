"""Hold the sandbox's JSON to python-quickbooks' object classes: every field the sandbox
answers must be one the SDK's class declares (in ``__init__``, ``class_dict``, ``list_dict``
or a line's ``detail_dict``), recursively, so a misspelt or invented field fails a test.

python-quickbooks has no generated models; its hand-written classes name the fields of
Intuit's schema, and ``from_json`` accepts anything, so this check is what catches drift.
"""

from __future__ import annotations

from typing import Any

# Fields every entity carries that the SDK keeps on its base classes or drops.
_COMMON = {"Id", "SyncToken", "domain", "sparse", "MetaData", "status"}
# Where the SDK's spelling differs from Intuit's wire: QBO answers ``SubTotalLineDetail``
# (as the SDK's own DetailType value says); the SDK's attribute is ``SubtotalLineDetail``.
_WIRE_SPELLINGS = {"SubTotalLineDetail"}


def unknown_fields(cls: type, data: dict[str, Any], path: str = "") -> list[str]:
    """Dotted paths of fields in ``data`` that ``cls`` does not declare."""
    obj = cls()
    declared = set(vars(obj)) | set(obj.class_dict) | set(obj.list_dict) | _COMMON | _WIRE_SPELLINGS
    out = []
    for key, value in data.items():
        where = f"{path}{key}"
        if key not in declared:
            out.append(where)
        elif key in obj.class_dict and isinstance(value, dict):
            out += unknown_fields(obj.class_dict[key], value, where + ".")
        elif key in obj.list_dict and isinstance(value, list):
            # Some classes leave detail_dict empty (RefundReceipt): the SDK's line classes still name
            # each DetailType's fields.
            details = {**_line_classes(), **getattr(obj, "detail_dict", {})}
            for n, item in enumerate(value):
                sub = details.get(item.get("DetailType"), obj.list_dict[key]) if isinstance(item, dict) else None
                if sub is not None:
                    out += unknown_fields(sub, item, f"{where}[{n}].")
    return out


def _line_classes() -> dict[str, type]:
    from quickbooks.objects import detailline

    out = {}
    for value in vars(detailline).values():
        if isinstance(value, type) and issubclass(value, detailline.DetailLine) and value is not detailline.DetailLine:
            detail_type = getattr(value(), "DetailType", None)
            if detail_type:
                out[detail_type] = value
    return out


def realm_misfits(sandbox) -> dict[str, list[str]]:
    """Every object a sandbox realm holds, as the API would answer it, against the SDK's classes."""
    from quickbooks.objects.creditmemo import CreditMemo
    from quickbooks.objects.customer import Customer
    from quickbooks.objects.invoice import Invoice
    from quickbooks.objects.item import Item
    from quickbooks.objects.payment import Payment
    from quickbooks.objects.purchase import Purchase
    from quickbooks.objects.refundreceipt import RefundReceipt
    from quickbooks.objects.transfer import Transfer

    from revhub.sandbox.quickbooks.amounts import wire

    out: dict[str, list[str]] = {}
    for cls in (Customer, Item, Invoice, Payment, CreditMemo, RefundReceipt, Purchase, Transfer):
        for realm in sandbox.realms.values():
            for obj in realm.objects[cls.qbo_object_name].values():
                bad = unknown_fields(cls, wire(obj))
                if bad:
                    out[f"{cls.qbo_object_name} {obj['Id']}"] = bad
    return out
