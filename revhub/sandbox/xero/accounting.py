"""Accounting API operations (``/api.xro/2.0/...``) once the request has passed the gate
(token, tenant, rate limit): lists, single GETs, batch PUT/POST, updates and actions.

Each operation runs under the sandbox lock and returns the response body text.
"""

from __future__ import annotations

import copy
import uuid

from revhub.sandbox.xero import attachments, credit_notes, invoices, overpayments
from revhub.sandbox.xero import documents as docs
from revhub.sandbox.xero.errors import BadRequest, NotFound, ValidationException, ValidationFailed
from revhub.sandbox.xero.ledger import Write
from revhub.sandbox.xero.listing import list_records, parse_bool
from revhub.sandbox.xero.resources import RESOURCES, Resource
from revhub.sandbox.xero.store import Record
from revhub.sandbox.xero.xerojson import DateFormatError, RawJSON, dumps, parse_date

ALLOCATE = {"CreditNotes": credit_notes.allocate, "Overpayments": overpayments.allocate}
ATTACHABLE = frozenset({"Invoices", "CreditNotes", "BankTransactions"})


class RawFile:
    """A file answered as itself (an attachment's bytes), not as JSON."""

    def __init__(self, content: bytes, mime_type: str) -> None:
        self.content, self.mime_type = content, mime_type


_ITEM_IN_USE = "This item cannot be deleted as it has been used in transactions."
MAX_ITEMS_PER_REQUEST = 500  # PROVIDERS.md 2.6 [secondary]


class Accounting:
    """Routes an authenticated Accounting call to the resource handlers."""

    def __init__(self, provider_name: str) -> None:
        self.provider_name = provider_name

    def envelope(
        self, stamp_ms: int, wrapper: str, items: list, pagination: dict | None = None
    ) -> str:
        body = {
            "Id": str(uuid.uuid4()),
            "Status": "OK",
            "ProviderName": self.provider_name,
            "DateTimeUTC": RawJSON(f'"/Date({stamp_ms})/"'),
        }
        if pagination is not None:
            body["pagination"] = pagination
        body[wrapper] = items
        return dumps(body)

    def handle(
        self,
        w: Write,
        method: str,
        parts: list[str],
        args: dict[str, str],
        body: object,
        modified_since: float | None,
    ) -> tuple[int, str | RawFile]:
        """``(status, body text or file)`` for one call; raises ``XeroError`` subclasses.
        ``parts`` keep their case (attachment file names); routing ignores it."""
        stamp_ms = int(w.stamp * 1000)
        w.unit_dp = 4 if args.get("unitdp") == "4" else 2
        if [p.lower() for p in parts] == ["organisation"] and method == "GET":
            return 200, self.envelope(stamp_ms, "Organisations", [_organisation(w)])
        resource = RESOURCES.get(parts[0].lower()) if parts else None
        if resource is None:
            raise NotFound()
        if len(parts) == 1:
            if method == "GET":
                listing = list_records(resource, w.books[resource.name], args, modified_since)
                items = [RawJSON(r.json(listing.summary, w.unit_dp)) for r in listing.records]
                return 200, self.envelope(stamp_ms, resource.name, items, listing.pagination)
            if method in ("PUT", "POST"):
                return self._batch(w, resource, method, args, body, stamp_ms)
        record = self._find_path(w, resource, parts[1])
        if len(parts) == 2:
            if method == "GET":
                _no_params(args, {"unitdp"})
                return 200, self.envelope(
                    stamp_ms, resource.name, [RawJSON(record.json(unit_dp=w.unit_dp))]
                )
            if method == "POST" and resource.update is not None:
                _no_params(args, resource.write_params)
                element = _single(resource, body)
                try:
                    _guarded_update(resource, w, record, element)
                except ValidationFailed as exc:
                    raise ValidationException(
                        [{**_echo(element), "ValidationErrors": exc.as_list()}]
                    ) from None
                return 200, self.envelope(stamp_ms, resource.name, [_ok(resource, record, w.unit_dp)])
            if method == "DELETE" and resource.name == "Items":
                del_item(w, record)
                return 204, ""
        return self._sub_resource(w, resource, record, parts[2:], method, args, body, stamp_ms)

    def _sub_resource(
        self,
        w: Write,
        resource: Resource,
        record: Record,
        rest: list[str],
        method: str,
        args: dict[str, str],
        body: object,
        stamp_ms: int,
    ) -> tuple[int, str | RawFile]:
        """``/{Resource}/{id}/Email``, ``/Allocations`` and ``/Attachments[/{FileName}]``."""
        action = rest[0].lower()
        if action == "email" and resource.name == "Invoices" and method == "POST":
            invoices.emailable(record)
            record.data["SentToContact"] = True
            w.save("Invoices", record, created=False)
            return 204, ""
        if action == "allocations" and resource.name in ALLOCATE and method == "PUT":
            return self._allocations(w, ALLOCATE[resource.name], record, args, body, stamp_ms)
        if action == "attachments" and resource.name in ATTACHABLE:
            if len(rest) == 1 and method == "GET":
                found = attachments.listed(w, resource.name, record)
                return 200, self.envelope(stamp_ms, "Attachments", found)
            if len(rest) == 2 and method == "GET":
                return 200, RawFile(*attachments.content(w, record, rest[1]))
            if len(rest) == 2 and method in ("PUT", "POST"):
                _no_params(args, {"IncludeOnline"})
                added = attachments.upload(w, resource.name, record, rest[1], body, args)
                return 200, self.envelope(stamp_ms, "Attachments", [added])
        raise NotFound()

    def _find_path(self, w: Write, resource: Resource, key: str) -> Record:
        record = w.books[resource.name].get(key)
        if record is None and resource.key_field:
            record = w.books[resource.name].by_key(resource.key_field, key)
        if record is None:
            raise NotFound()
        return record

    def _batch(
        self,
        w: Write,
        resource: Resource,
        method: str,
        args: dict[str, str],
        body: object,
        stamp_ms: int,
    ) -> tuple[int, str]:
        _no_params(args, resource.write_params)
        summarize = (
            parse_bool("summarizeErrors", args["summarizeErrors"])
            if "summarizeErrors" in args
            else True
        )
        if resource.name == "Payments" and isinstance(body, dict) and "Payments" not in body:
            elements = [body]  # create_payment sends a bare Payment object
        else:
            elements = _elements(resource, body)
        if resource.name == "Items" and len(elements) > MAX_ITEMS_PER_REQUEST:
            raise BadRequest(
                f"No more than {MAX_ITEMS_PER_REQUEST} items can be sent in one request"
            )
        results, failed = [], []
        for element in elements:
            try:
                existing = resource.find(w, element) if method == "POST" else None
                if existing is not None and resource.update is not None:
                    _guarded_update(resource, w, existing, element)
                    record = existing
                else:
                    record = resource.create(w, element)
                results.append(_ok(resource, record, w.unit_dp))
            except ValidationFailed as exc:
                echo = {
                    **_echo(element),
                    "StatusAttributeString": "ERROR",
                    "ValidationErrors": exc.as_list(),
                }
                results.append(echo)
                failed.append({**_echo(element), "ValidationErrors": exc.as_list()})
        # Not transactional: valid elements stay saved even when the call answers 400.
        if failed and summarize:
            raise ValidationException(failed)
        return 200, self.envelope(stamp_ms, resource.name, results)

    def _allocations(
        self, w: Write, allocate, source: Record, args: dict[str, str], body: object, stamp_ms: int
    ) -> tuple[int, str]:
        _no_params(args, {"summarizeErrors"})
        if not isinstance(body, dict) or not isinstance(body.get("Allocations"), list):
            raise BadRequest('The request body must be {"Allocations": [...]}')
        done = []
        for element in body["Allocations"]:
            try:
                done.append(allocate(w, source, element))
            except ValidationFailed as exc:
                raise ValidationException(
                    [{**_echo(element), "ValidationErrors": exc.as_list()}]
                ) from None
        return 200, self.envelope(stamp_ms, "Allocations", done)


def _echo(element: object) -> object:
    """A refused element as Xero echoes it: as sent, but read into Xero's own model, so its
    dates come back as ``/Date(ms)/`` whatever form they were sent in."""
    if isinstance(element, list):
        return [_echo(item) for item in element]
    if not isinstance(element, dict):
        return element
    echoed = {}
    for key, value in element.items():
        if key.endswith(("Date", "DateUTC")) and isinstance(value, str):
            try:
                value = parse_date(value)
            except DateFormatError:
                pass  # Xero would refuse it with its own message; shown as sent
        echoed[key] = _echo(value)
    return echoed


def _guarded_update(resource: Resource, w: Write, record: Record, element: dict) -> None:
    """Run an update; a failed one leaves the record exactly as it was."""
    before = copy.deepcopy(record.data)
    try:
        resource.update(w, record, element)
    except ValidationFailed:
        record.data = before
        raise


def _ok(resource: Resource, record: Record, unit_dp: int) -> dict:
    shown = record.shown(unit_dp)
    return {**shown, "StatusAttributeString": "OK"} if resource.status_attribute else shown


def _single(resource: Resource, body: object) -> dict:
    if resource.name == "Payments" and isinstance(body, dict) and "Payments" not in body:
        return body
    elements = _elements(resource, body)
    if len(elements) != 1:
        raise BadRequest(f"Exactly one element is expected in {resource.name}")
    return elements[0]


def _elements(resource: Resource, body: object) -> list[dict]:
    if not isinstance(body, dict) or not isinstance(body.get(resource.name), list):
        raise BadRequest(f'The request body must be {{"{resource.name}": [...]}}')
    elements = body[resource.name]
    if not all(isinstance(e, dict) for e in elements):
        raise BadRequest(f"Every element of {resource.name} must be an object")
    return elements


def _no_params(args: dict[str, str], allowed: set[str] | frozenset[str]) -> None:
    unknown = sorted(set(args) - set(allowed))
    if unknown:
        raise BadRequest(f"The query parameter '{unknown[0]}' is not supported here")


def del_item(w: Write, record: Record) -> None:
    """``DELETE /Items/{id}``: Xero refuses to delete an item used on documents."""
    code = record.data["Code"].lower()
    for resource in ("Invoices", "CreditNotes", "PurchaseOrders"):
        for doc in w.books[resource].ordered():
            if any((line.get("ItemCode") or "").lower() == code for line in doc.data["LineItems"]):
                raise ValidationException(
                    [
                        {
                            "ItemID": record.id,
                            "ValidationErrors": [{"Message": _ITEM_IN_USE}],
                        }
                    ]
                )
    w.books["Items"].delete(record.id)


def _organisation(w: Write) -> dict:
    return {
        "OrganisationID": w.books.tenant_id,
        "Name": w.books.name,
        "LegalName": w.books.name,
        "BaseCurrency": docs.BASE_CURRENCY,
        "CountryCode": "NL",
        "PaysTax": True,
        "OrganisationType": "COMPANY",
        "OrganisationStatus": "ACTIVE",
        "Version": "GLOBAL",
        "IsDemoCompany": False,
        "FinancialYearEndDay": 31,
        "FinancialYearEndMonth": 12,
    }
