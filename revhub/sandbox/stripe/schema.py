"""Request parameters checked against stripe-python's generated ``*Params`` TypedDicts.

stripe-python generates those TypedDicts from Stripe's OpenAPI description, so they are an
installed, exact statement of what each endpoint takes: the parameter tree is derived from them
by introspection (annotations, ``get_origin``/``get_args``), never from a hand-kept list.
Two readings of the generated types matter: ``Literal['']`` in a union marks a field that may
be unset with an empty value, and ``Literal['a', 'b'] | str`` is the SDK's forward-compatible
widening of an enum, while the API itself accepts only the listed values.
"""

from __future__ import annotations

import sys
import types
import typing
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

import stripe.params
import typing_extensions
from stripe._request_options import RequestOptions

from revhub.sandbox.stripe.errors import StripeError

_OPTIONS = frozenset(RequestOptions.__annotations__)  # request options, never sent as parameters


@dataclass
class Node:
    """One parameter's type: ``kind`` is object, map, list, enum, str, int, bool, decimal or any."""

    kind: str
    fields: dict[str, Node] = field(default_factory=dict)
    required: frozenset[str] = frozenset()
    item: Node | None = None
    values: tuple[str, ...] = ()
    emptyable: bool = False
    options: list[Node] = field(default_factory=list)   # a union's alternatives


def schema(name: str) -> Node:
    """The parameter tree of ``stripe.params.<name>`` (e.g. ``CustomerCreateParams``)."""
    return _typed_dict(getattr(stripe.params, name))


_TYPED: dict[type, Node] = {}


def _typed_dict(cls: type) -> Node:
    if cls in _TYPED:  # cached before its fields are read, so a type that nests itself ends
        return _TYPED[cls]
    node = _TYPED[cls] = Node("object", required=frozenset(cls.__required_keys__) - _OPTIONS)
    module = sys.modules[cls.__module__].__dict__
    for name, annotation in cls.__annotations__.items():
        if name not in _OPTIONS:
            node.fields[name] = _node(annotation, module)
    return node


def _node(annotation: Any, module: dict) -> Node:
    if isinstance(annotation, typing.ForwardRef):
        annotation = annotation.__forward_arg__
    if isinstance(annotation, str):
        annotation = eval(annotation, module)  # noqa: S307 - the SDK's own generated type text
    origin, args = typing.get_origin(annotation), typing.get_args(annotation)
    if origin in (typing.NotRequired, typing.Required):
        return _node(args[0], module)
    if origin in (typing.Union, types.UnionType):
        return _union([_node(a, module) for a in args])
    if origin is typing.Literal:
        return Node("enum", values=tuple(args))
    if origin in (list, typing.List):  # noqa: UP006 - the SDK's spelling
        return Node("list", item=_node(args[0], module))
    if origin in (dict, typing.Dict):  # noqa: UP006
        return Node("map", item=_node(args[1], module))
    if typing_extensions.is_typeddict(annotation):
        return _typed_dict(annotation)
    if origin is not None and getattr(origin, "__name__", "") == "UntypedStripeObject":
        return Node("map", item=Node("str"))
    return Node({str: "str", int: "int", bool: "bool", float: "decimal", Decimal: "decimal"}.get(annotation, "any"))


def _union(options: list[Node]) -> Node:
    emptyable = any(o.kind == "enum" and o.values == ("",) for o in options)
    options = [o for o in options if not (o.kind == "enum" and o.values == ("",))]
    enums = [o for o in options if o.kind == "enum"]
    if enums:  # ``Literal[...] | str``: the str is the SDK's widening, the API takes the enum
        options = [o for o in options if o.kind != "str"]
    # Two spellings of one map (Dict | UntypedStripeObject) are one option.
    kinds = {o.kind for o in options}
    if kinds == {"map"}:
        options = options[:1]
    if len(options) == 1:
        only = options[0]
        return Node(only.kind, only.fields, only.required, only.item, only.values, emptyable, only.options)
    return Node("union", emptyable=emptyable, options=options)


# -- checking a request --------------------------------------------------------------------
def check(node: Node, params: dict[str, Any]) -> None:
    """Raise Stripe's own 400 for the first parameter the endpoint does not take as sent."""
    _object(node, params, "")


def _name(prefix: str, key: str | int) -> str:
    return f"{prefix}[{key}]" if prefix else str(key)


def _object(node: Node, value: dict[str, Any], path: str) -> None:
    for key in value:
        if key not in node.fields:
            name = _name(path, key)
            raise StripeError(400, f"Received unknown parameter: {name}", code="parameter_unknown", param=name)
    for key in sorted(node.required):
        if key not in value:
            name = _name(path, key)
            raise StripeError(400, f"Missing required param: {name}.", code="parameter_missing", param=name)
    for key, item in value.items():
        _value(node.fields[key], item, _name(path, key))


def _value(node: Node, value: Any, path: str) -> None:
    if value == "":
        if node.emptyable or node.kind == "any":
            return
        raise StripeError(400, f"You passed an empty string for '{path}'. We assume empty values are an attempt to "
                               f"unset a parameter; however '{path}' cannot be unset. You should remove '{path}' from "
                               "your request or supply a non-empty value.", code="parameter_invalid_empty", param=path)
    if node.kind == "union":
        _union_value(node, value, path)
    elif node.kind == "object":
        if not isinstance(value, dict):
            raise StripeError(400, "Invalid object", param=path)
        _object(node, value, path)
    elif node.kind == "map":
        if not isinstance(value, dict):
            raise StripeError(400, "Invalid object", param=path)
        for key, item in value.items():
            _value(node.item, item, _name(path, key))
    elif node.kind == "list":
        _list(node, value, path)
    else:
        _scalar(node, value, path)


def _list(node: Node, value: Any, path: str) -> None:
    if isinstance(value, dict) and all(str(k).isdigit() for k in value):
        value = list(value.values())
    if not isinstance(value, list):
        raise StripeError(400, "Invalid array", param=path)
    for i, item in enumerate(value):
        _value(node.item, item, f"{path}[{i}]")


def _union_value(node: Node, value: Any, path: str) -> None:
    shaped = {"object": dict, "map": dict, "list": list}
    fitting = [o for o in node.options if isinstance(value, shaped.get(o.kind, str))]
    first: StripeError | None = None
    for option in fitting or node.options:
        try:
            _value(option, value, path)
            return
        except StripeError as error:
            first = first or error
    raise first  # type: ignore[misc]


def _scalar(node: Node, value: Any, path: str) -> None:
    if node.kind == "any":
        return
    if isinstance(value, (dict, list)):
        raise StripeError(400, f"Invalid {'array' if isinstance(value, list) else 'object'}", param=path)
    if node.kind == "enum" and value not in node.values:
        raise StripeError(400, f"Invalid {path}: must be one of {_one_of(node.values)}", param=path)
    if node.kind == "int":
        try:
            int(value)
        except ValueError:
            raise StripeError(400, f"Invalid integer: {value}", code="parameter_invalid_integer",
                              param=path) from None
    elif node.kind == "bool" and value not in ("true", "false"):
        raise StripeError(400, f"Invalid boolean: {value}", param=path)
    elif node.kind == "decimal":
        try:
            Decimal(value)
        except InvalidOperation:
            raise StripeError(400, f"Invalid decimal: {value}", param=path) from None


def _one_of(values: tuple[str, ...]) -> str:
    if len(values) <= 2:
        return " or ".join(values)
    return ", ".join(values[:-1]) + f", or {values[-1]}"
