"""The HubSpot sandbox's batch upsert, associations v4 and property definitions routes."""

from __future__ import annotations

from typing import TYPE_CHECKING

from flask import jsonify, request

from revhub.sandbox.hubspot import errors
from revhub.sandbox.hubspot.properties import PROPERTIES, UNIQUE, definition
from revhub.sandbox.hubspot.store import ASSOCIATION_TYPES, NotFoundError, ReadOnlyPropertyError, iso_ms

if TYPE_CHECKING:
    from revhub.sandbox.hubspot.sandbox import HubSpotSandbox

BATCH_MAX = 100


def install_batch_and_association_routes(sb: HubSpotSandbox) -> None:
    """Register the routes on ``sb``'s Flask app."""
    app = sb.flask

    @app.post("/crm/v3/objects/<object_type>/batch/upsert")
    def batch_upsert(object_type: str):
        """Create or update by a unique property: a retried create finds the record it made.
        https://developers.hubspot.com/docs/api/crm/objects#upsert-records"""
        sb.check_type(object_type)
        inputs = (request.get_json(silent=True) or {}).get("inputs") or []
        if not isinstance(inputs, list) or len(inputs) > BATCH_MAX:
            return errors.error(400, "VALIDATION_ERROR", f"inputs must be a list of at most {BATCH_MAX}")
        for item in inputs:
            if item.get("idProperty") not in UNIQUE[object_type]:
                return errors.error(400, "VALIDATION_ERROR",
                                    f"idProperty {item.get('idProperty')!r} is not a unique-value property")
            refused = sb.refuse_unknown_properties(object_type, item.get("properties") or {})
            if refused:
                return refused
        started, results = iso_ms(sb.clock.now()), []
        with sb.store.lock:
            for item in inputs:
                key, value = item["idProperty"], str(item.get("id"))
                properties = {**(item.get("properties") or {}), key: value}
                have = next((r for r in sb.store.live(object_type) if r.properties.get(key) == value), None)
                try:
                    record = (sb.store.update(object_type, have.id, properties) if have
                              else sb.store.create(object_type, properties))
                except ReadOnlyPropertyError as exc:
                    return errors.error(400, "READ_ONLY_VALUE", f"{exc} is read-only")
                results.append({**record.as_json(list(properties)), "new": have is None})
        return jsonify(status="COMPLETE", results=results, startedAt=started,
                       completedAt=iso_ms(sb.clock.now()))

    @app.post("/crm/v4/associations/<from_type>/<to_type>/batch/read")
    def read_associations(from_type: str, to_type: str):
        sb.check_type(from_type), sb.check_type(to_type)
        inputs = (request.get_json(silent=True) or {}).get("inputs") or []
        started = iso_ms(sb.clock.now())
        type_id = ASSOCIATION_TYPES.get((from_type, to_type))
        results = []
        with sb.store.lock:
            for item in inputs:
                ids = sb.store.associated(from_type, str(item.get("id")), to_type)
                if ids:
                    results.append({"from": {"id": str(item.get("id"))}, "to": [
                        {"toObjectId": int(i), "associationTypes": [
                            {"category": "HUBSPOT_DEFINED", "typeId": type_id, "label": None}]} for i in ids]})
        return jsonify(status="COMPLETE", results=results, startedAt=started, completedAt=iso_ms(sb.clock.now()))

    @app.put("/crm/v4/objects/<from_type>/<from_id>/associations/default/<to_type>/<to_id>")
    def associate_default(from_type: str, from_id: str, to_type: str, to_id: str):
        sb.check_type(from_type), sb.check_type(to_type)
        try:
            sb.store.associate(from_type, from_id, to_type, to_id)
        except NotFoundError:
            return _not_found()
        now = iso_ms(sb.clock.now())
        return jsonify(status="COMPLETE", startedAt=now, completedAt=now, results=[
            {"from": {"id": from_id}, "to": {"id": to_id},
             "associationSpec": {"associationCategory": "HUBSPOT_DEFINED",
                                 "associationTypeId": ASSOCIATION_TYPES.get((from_type, to_type))}}])

    @app.get("/crm/v3/properties/<object_type>")
    def list_properties(object_type: str):
        """https://developers.hubspot.com/docs/api/crm/properties#retrieve-properties"""
        sb.check_type(object_type)
        stamp = iso_ms(sb.clock.now())
        return jsonify(results=[definition(object_type, n, stamp) for n in sorted(PROPERTIES[object_type])])


def _not_found():
    return errors.error(404, "OBJECT_NOT_FOUND", "resource not found")
