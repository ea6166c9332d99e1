"""Strict checks of HubSpot JSON against hubspot-api-client's generated models.

The SDK's deserializer ignores unknown keys, so it would hide a sandbox answer HubSpot never
gives. ``check`` walks the JSON against the models' ``openapi_types``/``attribute_map``: an
unknown key or a wrong JSON type is a ``ModelMismatch``. It then deserializes through the SDK's
own ApiClient, so the SDK is known to accept it too.
"""

from __future__ import annotations

import re
from types import ModuleType

from hubspot.crm.associations.v4 import ApiClient as AssociationsClient
from hubspot.crm.associations.v4 import models as association_models
from hubspot.crm.objects import ApiClient as ObjectsClient
from hubspot.crm.objects import models as object_models
from hubspot.crm.properties import ApiClient as PropertiesClient
from hubspot.crm.properties import models as property_models

_LIST = re.compile(r"^list\[(.*)\]$")
_DICT = re.compile(r"^dict\[str, (.*)\]$")
_ISO = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$")
_PRIMITIVES = {"str": (str,), "int": (int,), "bool": (bool,), "float": (int, float), "object": (object,)}
_PACKAGES: dict[str, tuple[ModuleType, type]] = {"objects": (object_models, ObjectsClient),
                                                 "associations": (association_models, AssociationsClient),
                                                 "properties": (property_models, PropertiesClient)}


# Keys HubSpot's error answers carry that the spec's Error model leaves out: every error has
# "status": "error", and a 429 names its policy (errorType, policyName, groupName).
ERROR_ENVELOPE = frozenset({"status", "errorType", "policyName", "groupName"})


class ModelMismatch(AssertionError):
    """JSON the SDK's models do not describe; the message lists every problem by path."""


def check(model_name: str, data: object, package: str = "objects") -> object:
    """``data`` deserialized as ``model_name``; raises ``ModelMismatch`` on any deviation."""
    models, client = _PACKAGES[package]
    problems: list[str] = []
    _walk(models, model_name, data, "$", problems)
    if problems:
        raise ModelMismatch(f"{model_name}: " + "; ".join(problems[:20]))
    return client()._ApiClient__deserialize(data, model_name)


def _walk(models: ModuleType, type_name: str, data: object, path: str, problems: list[str]) -> None:
    if data is None:
        return
    if match := _LIST.match(type_name):
        if not isinstance(data, list):
            problems.append(f"{path}: expected a list")
            return
        for i, item in enumerate(data):
            _walk(models, match.group(1), item, f"{path}[{i}]", problems)
        return
    if match := _DICT.match(type_name):
        if not isinstance(data, dict):
            problems.append(f"{path}: expected an object")
            return
        for key, item in data.items():
            _walk(models, match.group(1), item, f"{path}.{key}", problems)
        return
    if type_name == "datetime":
        if not isinstance(data, str) or not _ISO.match(data):
            problems.append(f"{path}: {data!r} is not HubSpot's ISO timestamp")
        return
    if type_name in _PRIMITIVES:
        # HubSpot sends ids declared "str" as JSON numbers in places (toObjectId); the SDK casts.
        allowed = _PRIMITIVES[type_name] + ((int,) if type_name == "str" else ())
        if not isinstance(data, allowed) or (type_name == "int" and isinstance(data, bool)):
            problems.append(f"{path}: {data!r} is not {type_name}")
        return
    model = getattr(models, type_name, None)
    if model is None:
        problems.append(f"{path}: unknown model {type_name}")
        return
    if not isinstance(data, dict):
        problems.append(f"{path}: expected an object for {type_name}")
        return
    by_json = {json_name: attr for attr, json_name in model.attribute_map.items()}
    for key, value in data.items():
        attr = by_json.get(key)
        if attr is None and type_name == "Error" and key in ERROR_ENVELOPE:
            continue
        if attr is None:
            problems.append(f"{path}.{key}: not in {type_name}")
            continue
        _walk(models, model.openapi_types[attr], value, f"{path}.{key}", problems)
