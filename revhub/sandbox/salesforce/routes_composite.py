"""sObject Collections: create, update, delete, upsert and retrieve up to 200 records.

Per-record results come back in request order with HTTP 200; with ``allOrNone`` one failure
rolls every write back and the other records report ALL_OR_NONE_OPERATION_ROLLED_BACK.
https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-sobjects-collections-create.html
"""

from __future__ import annotations

from flask import request

from revhub.sandbox.salesforce import schema
from revhub.sandbox.salesforce.errors import ApiError, dml, not_found
from revhub.sandbox.salesforce.http import api_route, read_json, reject_unknown_params, respond
from revhub.sandbox.salesforce.ids import to18
from revhub.sandbox.salesforce.query import render_record

MAX_RECORDS = 200
_ROLLED_BACK = {"statusCode": "ALL_OR_NONE_OPERATION_ROLLED_BACK",
                "message": "Record rolled back because not all records were valid and the "
                           "request was using AllOrNone header", "fields": []}
BASE = "/services/data/v<version>/composite/sobjects"


def register(sandbox) -> None:
    app, store = sandbox.flask, sandbox.store
    api = api_route(sandbox)

    @app.route(BASE, methods=["POST", "PATCH", "DELETE"], strict_slashes=False)
    @api
    def collection(version):
        _require_version(version, 42)
        if request.method == "DELETE":
            reject_unknown_params({"ids", "allOrNone"})
            ids = [i for i in request.args.get("ids", "").split(",") if i]
            if not ids:
                raise ApiError(400, "MISSING_ARGUMENT", "ids parameter is required")
            all_or_none = _flag(request.args.get("allOrNone", "false"))
            return respond(_apply(store, ids, all_or_none, lambda i: _delete_one(store, i)))
        reject_unknown_params(set())
        records, all_or_none = _body(read_json())
        if request.method == "POST":
            op = lambda r: _create_one(store, r)  # noqa: E731
        else:
            op = lambda r: _update_one(store, r)  # noqa: E731
        return respond(_apply(store, records, all_or_none, op))

    @app.route(BASE + "/<name>/<field_name>", methods=["PATCH"], strict_slashes=False)
    @api
    def upsert(version, name, field_name):
        _require_version(version, 46)
        reject_unknown_params(set())
        d = store.org.sobject(name)
        if d is None:
            raise not_found()
        field = d.field(field_name)
        if field is None or not field.external_id:
            raise ApiError(400, "INVALID_FIELD", f"Field name provided, {field_name} is not an "
                           f"External ID or indexed field for {d.name}")
        records, all_or_none = _body(read_json())
        return respond(_apply(store, records, all_or_none,
                              lambda r: _upsert_one(store, d, field.name, r)))

    @app.route(BASE + "/<name>", methods=["GET"], strict_slashes=False)
    @api
    def retrieve(version, name):
        reject_unknown_params({"ids", "fields"})
        d = store.org.sobject(name)
        if d is None:
            raise not_found()
        ids = [i for i in request.args.get("ids", "").split(",") if i]
        fields = request.args.get("fields")
        if not ids or not fields:
            raise ApiError(400, "MISSING_ARGUMENT", "ids and fields parameters are required")
        if len(ids) > 2000:
            raise ApiError(400, "EXCEEDED_ID_LIMIT", "Maximum number of ids is 2000")
        out = []
        for raw in ids:
            canonical = to18(raw)
            record = store.live(canonical) if canonical else None
            ok = record is not None and record["attributes_type"] == d.name
            out.append(render_record(d, record, version, fields) if ok else "null")
        return respond("[" + ",".join(out) + "]")


def _require_version(version: str, minimum: int) -> None:
    if int(version.split(".")[0]) < minimum:
        raise not_found()


def _flag(text) -> bool:
    if isinstance(text, bool):
        return text
    if str(text).lower() not in ("true", "false"):
        raise ApiError(400, "JSON_PARSER_ERROR", f"Cannot deserialize value of type boolean from {text}")
    return str(text).lower() == "true"


def _body(body) -> tuple[list, bool]:
    if not isinstance(body, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "Cannot deserialize instance of collection "
                       "request from a non-object value")
    unknown = set(body) - {"allOrNone", "records"}
    if unknown:
        raise ApiError(400, "JSON_PARSER_ERROR", f"Unrecognized field \"{sorted(unknown)[0]}\"")
    records = body.get("records")
    if not isinstance(records, list) or not records:
        raise ApiError(400, "INVALID_FIELD", "records is required and must be a non-empty array")
    return records, _flag(body.get("allOrNone", False))


def _apply(store, items: list, all_or_none: bool, op) -> list[dict]:
    if len(items) > MAX_RECORDS:
        raise ApiError(400, "EXCEEDED_ID_LIMIT", "record limit reached. cannot submit more than "
                       f"{MAX_RECORDS} records into this call")
    results: list[dict] = []
    with store.atomic() as tx:
        for item in items:
            try:
                results.append(op(item))
            except ApiError as exc:
                results.append(_with_id(item, {"success": False,
                                               "errors": [exc.collection_element()]}))
        if all_or_none and any(not r["success"] for r in results):
            tx.rollback()
            results = [r if not r["success"] else
                       _with_id(item, {"success": False, "errors": [dict(_ROLLED_BACK)]})
                       for item, r in zip(items, results, strict=False)]
    return results


def _with_id(item, result: dict) -> dict:
    """Results name the record only when the request did (updates and deletes)."""
    known = item if isinstance(item, str) else (
        next((v for k, v in item.items() if k.lower() == "id"), None)
        if isinstance(item, dict) else None)
    if not known:
        return result
    return {"id": to18(known) or known, **result}


def _record_type(store, record) -> schema.SObjectDef:
    if not isinstance(record, dict):
        raise ApiError(400, "JSON_PARSER_ERROR", "each record must be a JSON object")
    attributes = record.get("attributes")
    kind = attributes.get("type") if isinstance(attributes, dict) else None
    d = store.org.sobject(kind) if isinstance(kind, str) else None
    if d is None:
        raise dml("INVALID_TYPE", "Must send a concrete entity type.")
    return d


def _create_one(store, record) -> dict:
    d = _record_type(store, record)
    if any(k.lower() == "id" for k in record):
        raise dml("INVALID_FIELD", "cannot specify Id in an insert call", ["Id"])
    return {"id": store.create(d.name, record), "success": True, "errors": []}


def _update_one(store, record) -> dict:
    d = _record_type(store, record)
    fields = {k: v for k, v in record.items() if k.lower() != "id"}
    record_id = next((v for k, v in record.items() if k.lower() == "id"), None)
    if not record_id:
        raise dml("MISSING_ARGUMENT", "Id not specified in an update call", ["Id"])
    _existing(store, d, record_id)
    return {"id": store.update(d.name, to18(record_id), fields), "success": True, "errors": []}


def _delete_one(store, record_id: str) -> dict:
    d = store.org.by_prefix.get(record_id[:3]) if to18(record_id) else None
    if d is None:
        raise dml("MALFORMED_ID", f"malformed id {record_id}")
    _existing(store, d, record_id)
    store.delete(d.name, to18(record_id))
    return {"id": to18(record_id), "success": True, "errors": []}


def _existing(store, d, record_id: str) -> None:
    canonical = to18(record_id)
    if canonical is None:
        raise dml("MALFORMED_ID", f"{d.label} ID: id value of incorrect type: {record_id}", ["Id"])
    record = store.find(canonical)
    if record is None or record["attributes_type"] != d.name:
        raise dml("INVALID_CROSS_REFERENCE_KEY", "invalid cross reference id")
    if record["IsDeleted"]:
        raise dml("ENTITY_IS_DELETED", "entity is deleted")


def _upsert_one(store, d, field_name: str, record) -> dict:
    kind = _record_type(store, record)
    if kind.name != d.name:
        raise dml("INVALID_TYPE", f"Records must all be of type {d.name}")
    value = next((v for k, v in record.items() if k.lower() == field_name.lower()), None)
    if not isinstance(value, str) or not value:
        raise dml("MISSING_ARGUMENT", f"{field_name} not specified", [field_name])
    matches = store.match_external(d.name, field_name, value)
    if len(matches) > 1:
        ids = ", ".join(r["Id"] for r in matches)
        raise dml("DUPLICATE_EXTERNAL_ID", f"{field_name}: more than one record found for "
                  f"external id field: [{ids}]", [field_name])
    if matches:
        record_id = store.update(d.name, matches[0]["Id"], record)
        return {"id": record_id, "success": True, "errors": [], "created": False}
    return {"id": store.create(d.name, record), "success": True, "errors": [], "created": True}
