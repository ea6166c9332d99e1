"""What the hub sends to Stripe, checked against stripe-python's generated ``*Params`` TypedDicts
(generated from Stripe's OpenAPI spec): an independent reference for the names real Stripe knows."""

from __future__ import annotations

import typing
from decimal import Decimal
from typing import Any

from typing_extensions import is_typeddict


def _hints(typed: type) -> dict[str, Any]:
    """Each declared parameter's annotation, resolved where it can be (request options such as
    ``stripe_context`` name types only imported for type checkers: those stay unresolved)."""
    module = vars(__import__(typed.__module__, fromlist=["*"]))
    hints: dict[str, Any] = {}
    for name, annotation in typed.__annotations__.items():
        try:
            hints[name] = typing.get_type_hints(type("_One", (), {"__annotations__": {name: annotation}}),
                                                globalns=module)[name]
        except NameError:
            hints[name] = Any
    return hints


def _candidates(annotation: Any) -> list[Any]:
    """The alternatives of a Union/Optional annotation, flattened."""
    if typing.get_origin(annotation) is typing.Union:
        return [c for arg in typing.get_args(annotation) for c in _candidates(arg)]
    return [annotation]


def _check_value(value: Any, annotation: Any, where: str) -> list[str]:
    options = _candidates(annotation)
    if isinstance(value, float):
        return [f"{where}: a float ({value!r}) on the wire; amounts must be exact"]
    if isinstance(value, dict):
        typed = [o for o in options if is_typeddict(o)]
        if typed:
            return unknown_params(value, typed[0], where)
        return []
    if isinstance(value, list):
        element = [typing.get_args(o)[0] for o in options if typing.get_origin(o) is list and typing.get_args(o)]
        if element:
            return [e for i, v in enumerate(value) for e in _check_value(v, element[0], f"{where}[{i}]")]
        return [f"{where}: a list where Stripe expects {annotation}"] if not any(
            o is Any or o is str for o in options) else []
    if isinstance(value, bool) and not any(o is bool for o in options):
        return [f"{where}: a boolean where Stripe expects {annotation}"]
    if isinstance(value, (int, str, Decimal)) or value is None:
        return []
    return [f"{where}: a {type(value).__name__} is not a form-encodable value"]


def unknown_params(params: dict[str, Any], typed: type, where: str = "") -> list[str]:
    """Every parameter in ``params`` that ``typed`` (a stripe.params TypedDict) does not declare."""
    hints = _hints(typed)
    problems = []
    for name, value in params.items():
        path = f"{where}[{name}]" if where else name
        if name not in hints:
            problems.append(f"{path}: unknown parameter for {typed.__name__}")
            continue
        problems += _check_value(value, hints[name], path)
    return problems
