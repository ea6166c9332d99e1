"""Strict checks of Xero JSON against xero-python's generated models (Xero's OpenAPI spec).

xero-python itself ignores unknown keys and turns almost anything into a string, so it would
hide a sandbox answer real Xero never gives. ``check`` walks the JSON against the models'
``openapi_types``/``attribute_map`` instead: an unknown key, a wrong JSON type, an enum value
the spec does not list or a date not in Xero's MS-JSON form is a ``ModelMismatch``. It then
deserializes through the SDK's own ``deserialize`` so the SDK is known to accept it too.

``check_request`` maps a recorded request (method, path) onto the model its body must fit.
"""

from __future__ import annotations

import json
import re
from decimal import Decimal
from enum import Enum

from xero_python.accounting import models
from xero_python.api_client import ModelFinder
from xero_python.api_client.deserializer import deserialize

# Keys every Accounting answer carries that the spec leaves out of the collection models.
ENVELOPE = frozenset({"Id", "Status", "ProviderName", "DateTimeUTC"})
_MS_DATE = re.compile(r"^/Date\(-?\d+([+-]\d{4})?\)/$")
_LIST = re.compile(r"^list\[(.*)\]$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?$")
FINDER = ModelFinder(models)


class ModelMismatch(AssertionError):
    """JSON that Xero's models do not describe; the message lists every problem by path."""


def check(
    model_name: str, data: object, *, envelope: bool = True, request: bool = False
) -> object:
    """``data`` deserialized as ``model_name``; raises ``ModelMismatch`` on any deviation.
    ``request``: a body sent to Xero, whose dates may also be ``YYYY-MM-DD`` (Xero's docs
    write them so; answers always carry ``/Date(ms)/``)."""
    problems: list[str] = []
    _walk(model_name, data, "$", problems, envelope, request)
    if problems:
        raise ModelMismatch(f"{model_name}: " + "; ".join(problems[:20]))
    try:
        # The models' setters hold the enums declared inline (Invoice.Type, Status...);
        # a request's ISO dates are Xero's to read, not the SDK's, so they are kept aside.
        return deserialize(model_name, _ms_dates_only(data) if request else data, FINDER)
    except (ValueError, TypeError) as exc:
        raise ModelMismatch(f"{model_name}: {exc}") from None


def _ms_dates_only(value: object) -> object:
    """``value`` with ISO date strings dropped (the SDK's deserializer reads MS dates only)."""
    if isinstance(value, dict):
        return {k: _ms_dates_only(v) for k, v in value.items()
                if not (isinstance(v, str) and (_ISO_DATE.match(v) or _ISO_DATETIME.match(v)))}
    if isinstance(value, list):
        return [_ms_dates_only(v) for v in value]
    return value


def check_text(model_name: str, text: str | bytes) -> object:
    """``check`` on a response body as received (numbers kept exact)."""
    return check(model_name, json.loads(text, parse_float=Decimal))


def _walk(
    type_name: str,
    value: object,
    path: str,
    problems: list[str],
    envelope: bool,
    request: bool = False,
) -> None:
    listed = _LIST.match(type_name)
    if listed:
        if not isinstance(value, list):
            problems.append(f"{path}: expected a list, got {type(value).__name__}")
            return
        for index, item in enumerate(value):
            _walk(listed.group(1), item, f"{path}[{index}]", problems, False, request)
        return
    if value is None:
        problems.append(f"{path}: null ({type_name}); Xero leaves absent values out")
        return
    if request and type_name.endswith("[ms-format]") and isinstance(value, str):
        if not (_MS_DATE.match(value) or _ISO_DATE.match(value) or _ISO_DATETIME.match(value)):
            problems.append(f"{path}: {value!r} is not a date Xero reads")
        return
    primitive = _PRIMITIVES.get(type_name)
    if primitive is not None:
        if not primitive(value):
            problems.append(f"{path}: {value!r} is not a valid {type_name}")
        return
    model = FINDER.find_model(type_name)
    if issubclass(model, Enum):
        if value not in {member.value for member in model}:
            problems.append(f"{path}: {value!r} is not a {type_name}")
        return
    if not isinstance(value, dict):
        problems.append(f"{path}: expected a {type_name} object, got {type(value).__name__}")
        return
    by_key = {key: model.openapi_types[attr] for attr, key in model.attribute_map.items()}
    for key, item in value.items():
        if key in by_key:
            _walk(by_key[key], item, f"{path}.{key}", problems, False, request)
        elif not (envelope and key in ENVELOPE):
            problems.append(f"{path}: unknown key {key!r} for {type_name}")


def _number(value: object) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


_PRIMITIVES = {
    "str": lambda v: isinstance(v, str),
    "float": _number,
    "int": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "bool": lambda v: isinstance(v, bool),
    "date[ms-format]": lambda v: isinstance(v, str) and bool(_MS_DATE.match(v)),
    "datetime[ms-format]": lambda v: isinstance(v, str) and bool(_MS_DATE.match(v)),
    "date": lambda v: isinstance(v, str) and bool(_ISO_DATE.match(v)),
    "datetime": lambda v: isinstance(v, str) and bool(_ISO_DATETIME.match(v)),
    "object": lambda v: True,
}

# Request routes (method, path pattern) -> the model xero-python's AccountingApi sends there.
_REQUEST_MODELS: tuple[tuple[str, re.Pattern, str], ...] = tuple(
    (method, re.compile(pattern, re.IGNORECASE), model)
    for method, pattern, model in (
        ("PUT|POST", r"^/api\.xro/2\.0/(?:Invoices|Contacts|Items|CreditNotes|PurchaseOrders"
                     r"|BankTransactions|BankTransfers|TaxRates|Overpayments|Accounts|ManualJournals)(?:/[^/]+)?$", ""),
        ("PUT", r"^/api\.xro/2\.0/(?:CreditNotes|Overpayments|Prepayments)/[^/]+/Allocations$",
         "Allocations"),
        ("PUT|POST", r"^/api\.xro/2\.0/Payments$", "Payments"),
        ("POST", r"^/api\.xro/2\.0/Payments/[^/]+$", "PaymentDelete"),
        ("POST", r"^/api\.xro/2\.0/Invoices/[^/]+/Email$", "RequestEmpty"),
    )
)


def request_model(method: str, path: str, body: object) -> str | None:
    """The model a request body must fit, ``None`` for raw bodies (attachments) and GETs."""
    for methods, pattern, model in _REQUEST_MODELS:
        if method in methods.split("|") and pattern.match(path):
            if model == "Payments" and isinstance(body, dict) and "Payments" not in body:
                return "Payment"  # create_payment sends one bare Payment
            if model:
                return model
            collection = path.split("/")[3]
            canonical = next(n for n in _COLLECTIONS if n.lower() == collection.lower())
            return "Account" if canonical == "Accounts" else canonical
    return None


_COLLECTIONS = ("Invoices", "Contacts", "Items", "CreditNotes", "PurchaseOrders",
                "BankTransactions", "BankTransfers", "TaxRates", "Overpayments", "Accounts", "ManualJournals")


def check_request(method: str, path: str, body: bytes) -> None:
    """Raise ``ModelMismatch`` unless a recorded request body fits its model."""
    if not body or request_model(method, path, {}) is None:
        return  # a GET, or a raw file (attachments)
    parsed = json.loads(body, parse_float=Decimal)
    model = request_model(method, path, parsed)
    if model is not None:
        check(model, parsed, envelope=False, request=True)


def answer_model(body: object) -> str | None:
    """The collection model an answer's wrapper key names (``{"Invoices": [...]}``)."""
    if isinstance(body, dict):
        if "ErrorNumber" in body:
            return "Error"
        for key in body:
            if key not in ENVELOPE and key != "pagination" and key != "Warnings":
                return key if hasattr(models, key) else None
    return None


def check_answer(text: str | bytes, method: str = "GET", path: str = "") -> object:
    """Raise ``ModelMismatch`` unless a JSON answer fits the model of its wrapper key.

    A ``ValidationException`` echoes each refused element whole, so its ``Elements`` are
    held to the model of what was sent there (a Contact for ``PUT /Contacts``), not to the
    spec's bare ``Element``.
    """
    body = json.loads(text, parse_float=Decimal)
    model = answer_model(body)
    if model is None:
        raise ModelMismatch(f"no Xero model for an answer with keys {sorted(body)[:5]}")
    if model == "Error":
        return _check_error(body, method, path)
    return check(model, body)


def _check_error(body: dict, method: str, path: str) -> object:
    sent = request_model(method, path, body) if path else None
    element = _ELEMENT_OF.get(sent or "", "Element")
    problems: list[str] = []
    for key, item in body.items():
        if key == "Elements":
            for index, echo in enumerate(item if isinstance(item, list) else [item]):
                fields = {k: v for k, v in echo.items() if k != "ValidationErrors"}
                _walk(element, fields, f"$.Elements[{index}]", problems, False)
                _walk("list[ValidationError]", echo.get("ValidationErrors", []),
                      f"$.Elements[{index}].ValidationErrors", problems, False)
        elif key in ("ErrorNumber", "Type", "Message"):
            _walk({"ErrorNumber": "int"}.get(key, "str"), item, f"$.{key}", problems, False)
        else:
            problems.append(f"$: unknown key {key!r} for Error")
    if problems:
        raise ModelMismatch("Error: " + "; ".join(problems[:20]))
    return body


_ELEMENT_OF = {
    "Invoices": "Invoice", "Contacts": "Contact", "Items": "Item", "CreditNotes": "CreditNote",
    "PurchaseOrders": "PurchaseOrder", "BankTransactions": "BankTransaction",
    "BankTransfers": "BankTransfer", "TaxRates": "TaxRate", "Overpayments": "Overpayment",
    "Payments": "Payment", "Payment": "Payment", "Allocations": "Allocation",
    "Account": "Account", "PaymentDelete": "Payment", "ManualJournals": "ManualJournal",
}


def assert_exchanges_fit_models(sandbox) -> None:
    """Every request body a ``XeroSandbox`` received and every JSON answer it gave fits
    xero-python's models; raises ``ModelMismatch`` naming each call that does not."""
    problems = []
    for call in list(sandbox.exchanges):
        where = f"{call.method} {call.path}"
        try:
            check_request(call.method, call.path, call.request_body)
        except (ModelMismatch, ValueError) as exc:
            problems.append(f"request {where}: {exc}")
        if call.response_body and call.content_type.startswith("application/json"):
            try:
                check_answer(call.response_body, call.method, call.path)
            except (ModelMismatch, ValueError) as exc:
                problems.append(f"answer {call.status} {where}: {exc}")
    if problems:
        raise ModelMismatch("\n".join(problems[:15]))
