"""The org's custom schema read from revhub's Salesforce metadata package (SFDX source format).

``salesforce/force-app/main/default`` is what an admin deploys with ``sf project deploy
start``; the sandbox builds its custom objects and fields from the same files, so the two
cannot drift. Types map as the Metadata API's CustomField types appear in describe
(Text → string, Number → double, MasterDetail and Lookup → reference, …).
https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/customfield.htm
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path
from xml.etree.ElementTree import Element

from defusedxml import ElementTree

NS = "{http://soap.sforce.com/2006/04/metadata}"
PACKAGE = Path(os.environ.get("REVHUB_SALESFORCE_PACKAGE")
               or Path(__file__).resolve().parents[3] / "salesforce")
SOURCE = "force-app/main/default"
# Describe types of the Metadata API's field types; lengths Salesforce fixes for some.
_TYPES = {"Text": "string", "TextArea": "textarea", "LongTextArea": "textarea", "Email": "email",
          "Phone": "phone", "Url": "url", "Picklist": "picklist", "Checkbox": "boolean",
          "Number": "double", "Currency": "currency", "Percent": "percent", "Date": "date",
          "DateTime": "datetime", "Lookup": "reference", "MasterDetail": "reference"}
_FIXED_LENGTH = {"Email": 80, "Phone": 40, "Url": 255, "Picklist": 255, "TextArea": 255}


@dataclass(frozen=True)
class FieldSpec:
    """One CustomField as the package declares it."""

    name: str
    label: str
    type: str                  # the describe type (string, currency, reference, …)
    required: bool = False
    length: int | None = None
    precision: int | None = None
    scale: int | None = None
    values: tuple[str, ...] = ()
    reference_to: str | None = None
    master_detail: bool = False
    reparentable: bool = False
    formula: str | None = None
    external_id: bool = False
    unique: bool = False


@dataclass(frozen=True)
class ObjectSpec:
    """A CustomObject (or a standard object extended with custom fields)."""

    name: str
    custom: bool
    label: str = ""
    name_label: str = "Name"
    name_format: str | None = None     # Python format of an AutoNumber Name, e.g. "POL-{0:06d}"
    fields: tuple[FieldSpec, ...] = ()


@dataclass(frozen=True)
class OutboundMessageSpec:
    sobject: str
    name: str
    fields: tuple[str, ...]
    include_session_id: bool
    api_version: str


@dataclass
class Package:
    objects: dict[str, ObjectSpec] = field(default_factory=dict)
    outbound_messages: list[OutboundMessageSpec] = field(default_factory=list)


def _text(node: Element | None, name: str, default: str | None = None) -> str | None:
    child = node.find(NS + name) if node is not None else None
    return child.text.strip() if child is not None and child.text else default


def _flag(node: Element, name: str) -> bool:
    return _text(node, name, "false") == "true"


def _int(node: Element, name: str) -> int | None:
    value = _text(node, name)
    return int(value) if value is not None else None


def parse_field(path: Path) -> FieldSpec:
    """A ``.field-meta.xml`` file as a FieldSpec."""
    root = ElementTree.parse(path).getroot()
    kind = _text(root, "type")
    if kind not in _TYPES:
        raise ValueError(f"{path.name}: field type {kind!r} is not one the sandbox knows")
    values = tuple(_text(v, "fullName") for v in
                   root.findall(f"{NS}valueSet/{NS}valueSetDefinition/{NS}value"))
    master = kind == "MasterDetail"
    return FieldSpec(
        name=_text(root, "fullName"), label=_text(root, "label"), type=_TYPES[kind],
        required=master or _flag(root, "required"),
        length=_int(root, "length") or _FIXED_LENGTH.get(kind), precision=_int(root, "precision"),
        scale=_int(root, "scale"), values=values, reference_to=_text(root, "referenceTo"),
        master_detail=master, reparentable=_flag(root, "reparentableMasterDetail"),
        formula=_text(root, "formula"), external_id=_flag(root, "externalId"),
        unique=_flag(root, "unique"))


def _auto_number_format(display: str) -> str:
    """Salesforce's ``POL-{000000}`` as Python's ``POL-{0:06d}``."""
    return re.sub(r"\{(0+)\}", lambda m: "{0:0%dd}" % len(m.group(1)), display.replace("{{", "{"))


def parse_object(folder: Path) -> ObjectSpec:
    """An ``objects/<Name>/`` folder: the object file (custom objects only) and its fields."""
    name = folder.name
    fields = tuple(parse_field(p) for p in sorted((folder / "fields").glob("*.field-meta.xml")))
    meta = folder / f"{name}.object-meta.xml"
    if not meta.exists():
        return ObjectSpec(name, custom=False, fields=fields)
    root = ElementTree.parse(meta).getroot()
    name_field = root.find(NS + "nameField")
    auto = _text(name_field, "type") == "AutoNumber"
    return ObjectSpec(name, custom=True, label=_text(root, "label"),
                      name_label=_text(name_field, "label", "Name"),
                      name_format=_auto_number_format(_text(name_field, "displayFormat")) if auto else None,
                      fields=fields)


def parse_workflow(path: Path) -> list[OutboundMessageSpec]:
    """The outbound messages of a ``.workflow-meta.xml`` file."""
    sobject = path.name.removesuffix(".workflow-meta.xml")
    root = ElementTree.parse(path).getroot()
    return [OutboundMessageSpec(sobject, _text(node, "fullName"),
                                tuple(f.text.strip() for f in node.findall(NS + "fields")),
                                _flag(node, "includeSessionId"), _text(node, "apiVersion"))
            for node in root.findall(NS + "outboundMessages")]


def load(package: Path = PACKAGE) -> Package:
    """Everything the package declares; a missing package is an error, not an empty org."""
    source = package / SOURCE
    if not (source / "objects").is_dir():
        raise FileNotFoundError(f"no Salesforce metadata package at {package}")
    found = Package()
    for folder in sorted(p for p in (source / "objects").iterdir() if p.is_dir()):
        found.objects[folder.name] = parse_object(folder)
    for path in sorted((source / "workflows").glob("*.workflow-meta.xml")):
        found.outbound_messages.extend(parse_workflow(path))
    return found
