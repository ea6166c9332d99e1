"""``/services/data/vNN.N/sobjects/...``: single-record CRUD, upsert by external id,
get-updated / get-deleted, and a minimal describe.

https://developer.salesforce.com/docs/platform/api-rest/guide/resources-list.html
"""

from __future__ import annotations

from flask import Response, request

from revhub.sandbox.salesforce import replication, schema
from revhub.sandbox.salesforce.errors import ApiError, not_found
from revhub.sandbox.salesforce.http import api_route, read_json, reject_unknown_params, respond
from revhub.sandbox.salesforce.ids import to18
from revhub.sandbox.salesforce.query import render_record

BASE = "/services/data/v<version>/sobjects"


def register(sandbox) -> None:
    app, store = sandbox.flask, sandbox.store
    api = api_route(sandbox)

    def definition(name: str) -> schema.SObjectDef:
        found = store.org.sobject(name)
        if found is None:
            raise not_found()
        return found

    @app.get(BASE, strict_slashes=False)
    @api
    def describe_global(version):
        sobjects = [_describe_basic(d, version) for d in store.org.objects.values()]
        return respond({"encoding": "UTF-8", "maxBatchSize": 200, "sobjects": sobjects})

    @app.get(BASE + "/<name>", strict_slashes=False)
    @api
    def basic_info(version, name):
        d = definition(name)
        return respond({"objectDescribe": _describe_basic(d, version), "recentItems": []})

    @app.post(BASE + "/<name>", strict_slashes=False)
    @api
    def create(version, name):
        d = definition(name)
        reject_unknown_params(set())
        body = read_json()
        record_id = store.create(d.name, body)
        return respond({"id": record_id, "success": True, "errors": []}, 201)

    @app.get(BASE + "/<name>/describe", strict_slashes=False)
    @api
    def describe(version, name):
        d = definition(name)
        info = _describe_basic(d, version)
        info["fields"] = [_describe_field(f) for f in d.fields.values()]
        return respond(info)

    @app.get(BASE + "/<name>/updated", strict_slashes=False)
    @api
    def updated(version, name):
        d = definition(name)
        reject_unknown_params({"start", "end"})
        return respond(replication.updated(store, d.name, request.args, sandbox.clock))

    @app.get(BASE + "/<name>/deleted", strict_slashes=False)
    @api
    def deleted(version, name):
        d = definition(name)
        reject_unknown_params({"start", "end"})
        return respond(replication.deleted(store, d.name, request.args, sandbox.clock,
                                           sandbox.org_created))

    @app.route(BASE + "/<name>/<record_id>", methods=["GET", "PATCH", "DELETE"],
               strict_slashes=False)
    @api
    def record(version, name, record_id):
        d = definition(name)
        if to18(record_id) is None:
            # Salesforce reads a path segment that is not an id as an external id field name.
            raise ApiError(404, "NOT_FOUND", "Provided external ID field does not exist or is "
                           f"not accessible: {record_id}")
        if request.method == "GET":
            reject_unknown_params({"fields"})
            current = store.get(d.name, to18(record_id))
            return respond(render_record(d, current, version, request.args.get("fields")))
        reject_unknown_params(set())
        if request.method == "PATCH":
            body = read_json()
            store.update(d.name, record_id, body)
        else:
            store.delete(d.name, record_id)
        return respond(None, 204)

    @app.route(BASE + "/<name>/<field_name>/<path:value>", methods=["GET", "PATCH", "DELETE"])
    @api
    def by_external_id(version, name, field_name, value):
        d = definition(name)
        blob = d.field(value)
        if request.method == "GET" and to18(field_name) and blob is not None and blob.type == "base64":
            # /sobjects/ContentVersion/{id}/VersionData: the file's raw bytes
            reject_unknown_params(set())
            data = store.get(d.name, to18(field_name)).get(blob.name)
            return Response(data or b"", 200, mimetype="application/octetstream")
        field = d.field(field_name)
        if field is None or not (field.external_id or field.name == "Id"):
            raise ApiError(404, "NOT_FOUND", "Provided external ID field does not exist or is "
                           f"not accessible: {field_name}")
        matches = _matches(store, d, field, value)
        if len(matches) > 1:
            urls = [f"/services/data/v{version}/sobjects/{d.name}/{r['Id']}" for r in matches]
            return respond(urls, 300)
        if request.method == "GET":
            reject_unknown_params({"fields"})
            if not matches:
                raise not_found()
            return respond(render_record(d, matches[0], version, request.args.get("fields")))
        if request.method == "DELETE":
            reject_unknown_params(set())
            if not matches:
                raise not_found()
            store.delete(d.name, matches[0]["Id"])
            return respond(None, 204)
        reject_unknown_params({"updateOnly"})
        body = read_json()
        return _upsert(store, d, field, value, body, matches, version)


def _matches(store, d, field, value: str) -> list[dict]:
    if field.name == "Id":
        canonical = to18(value)
        record = store.live(canonical) if canonical else None
        return [record] if record is not None and record["attributes_type"] == d.name else []
    return store.match_external(d.name, field.name, value)


def _upsert(store, d, field, value, body, matches, version):
    if isinstance(body, dict):
        for key, given in body.items():
            if key.lower() == field.name.lower() and given != value:
                raise ApiError(400, "INVALID_FIELD", f"The value of {field.name} in the request "
                               "body does not match the value in the URL")
    if matches:
        record_id = store.update(d.name, matches[0]["Id"], body)
        created = False
    else:
        if request.args.get("updateOnly", "false").lower() == "true":
            raise not_found()
        if field.name == "Id":
            raise not_found()
        fields = dict(body) if isinstance(body, dict) else body
        if isinstance(fields, dict):
            fields[field.name] = value
        record_id = store.create(d.name, fields)
        created = True
    result = {"id": record_id, "success": True, "errors": [], "created": created}
    if int(version.split(".")[0]) < 46:
        # Before API 46.0 an update by upsert answered 204 and a create had no "created".
        return respond(None, 204) if not created else respond(
            {"id": record_id, "success": True, "errors": []}, 201)
    return respond(result, 201 if created else 200)


def _describe_basic(d: schema.SObjectDef, version: str) -> dict:
    base = f"/services/data/v{version}/sobjects/{d.name}"
    return {"name": d.name, "label": d.label, "keyPrefix": d.key_prefix, "custom": d.custom,
            "createable": d.name != "User", "updateable": d.name != "User",
            "deletable": d.name != "User", "queryable": True, "replicateable": True,
            "urls": {"sobject": base, "describe": base + "/describe", "rowTemplate": base + "/{ID}"}}


def _describe_field(f: schema.FieldDef) -> dict:
    return {"name": f.name, "label": f.label, "type": f.type, "length": f.length or 0,
            "precision": f.precision or 0, "scale": f.scale or 0, "calculated": f.calculated,
            "autoNumber": f.auto_number, "cascadeDelete": f.master_detail,
            "updateable": f.updateable, "createable": f.createable,
            "nillable": not f.required and f.type != "boolean", "externalId": f.external_id,
            "unique": f.unique, "referenceTo": [f.reference_to] if f.reference_to else [],
            "relationshipName": f.relationship_name,
            "picklistValues": [{"value": v, "label": v, "active": True} for v in f.values]}

