"""The OpenAPI 3.1 description of revhub's JSON API, served at ``/api/openapi.json``.

Built from the same JSON schema the PO intake validates with (``revhub.orders.schema``), so
the description cannot drift from what the API takes. ``python -m revhub.openapi DIR`` writes
it, the PO schema and the example into DIR (the repository keeps them in ``docs/api/``).
"""

from __future__ import annotations

import json
import sys
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from typing import Any

from flask import Blueprint, jsonify

from revhub.orders.responses import response_schemas
from revhub.orders.schema import (
    EXAMPLE,
    action_schema,
    definitions,
    standalone_schema,
    submission_schema,
    with_ref_prefix,
)

openapi_api = Blueprint("openapi_api", __name__)
_REF = "#/components/schemas/"
_JSON = "application/json"


def _answer(description: str, schema: str) -> dict[str, Any]:
    return {"description": description, "content": {_JSON: {"schema": {"$ref": _REF + schema}}}}


def _errors(*codes: int) -> dict[str, Any]:
    said = {400: "The body is not JSON, or not a JSON object.",
            401: "No valid `Authorization: Bearer <REVHUB_API_TOKEN>` header.",
            403: "The token's holder may not decide on POs: an integration token, or a user below the approver "
                 "role.",
            404: "No such purchase order (or no such path).",
            409: "A duplicate PO number for the customer (`original` names the first), or a transition the "
                 "PO's status does not allow.",
            413: "The body is larger than REVHUB_WEBHOOK_MAX_BODY_BYTES.",
            415: "The body is not sent as JSON.",
            422: "Field errors, each with the path of its field; nothing was stored."}
    return {str(code): _answer(said[code], "Error") for code in codes}


def _po_id() -> dict[str, Any]:
    return {"name": "po_id", "in": "path", "required": True, "description": "The PO's revhub id.",
            "schema": {"type": "string"}}


def _action(verb: str, what: str, example: dict[str, Any]) -> dict[str, Any]:
    return {"post": {
        "operationId": f"{verb}PurchaseOrder", "summary": what, "tags": ["purchase orders"],
        "description": "The decider is the holder of the bearer token (a user token with the approver role "
                       "or above), never a field of the body, and never the PO's submitter.",
        "security": [{"bearer": []}], "parameters": [_po_id()],
        "requestBody": {"required": True, "content": {_JSON: {
            "schema": {"$ref": _REF + "PurchaseOrderAction"}, "example": example}}},
        "responses": {"200": _answer("The PO after the decision.", "PurchaseOrder"),
                      **_errors(400, 401, 403, 404, 409, 413, 415, 422)}}}


def _links() -> dict[str, Any]:
    """What a client does next with a stored PO (OpenAPI links: the id from the answer's body)."""
    by_id = {"po_id": "$response.body#/id"}
    return {"GetPurchaseOrder": {"operationId": "getPurchaseOrder", "parameters": by_id},
            "ApprovePurchaseOrder": {"operationId": "approvePurchaseOrder", "parameters": by_id},
            "CancelPurchaseOrder": {"operationId": "cancelPurchaseOrder", "parameters": by_id}}


def paths() -> dict[str, Any]:
    return {
        "/api/purchase-orders": {"post": {
            "operationId": "submitPurchaseOrder", "summary": "Submit a purchase order",
            "description": "Validated field by field against the PurchaseOrderSubmission schema, then for totals, "
                           "VAT and what the connected systems can hold; stored once. Amounts are exact decimal "
                           "strings in the currency's major units; a JSON number for money is a 422 naming the "
                           "field.", "tags": ["purchase orders"], "security": [{"bearer": []}],
            "requestBody": {"required": True, "content": {_JSON: {
                "schema": {"$ref": _REF + "PurchaseOrderSubmission"}, "example": EXAMPLE}}},
            "responses": {"201": {**_answer("Stored: received, or approved and invoiced under the approval "
                                            "threshold.", "PurchaseOrder"), "links": _links()},
                          **_errors(400, 401, 409, 413, 415, 422)}}},
        "/api/purchase-orders/{po_id}": {"get": {
            "operationId": "getPurchaseOrder", "summary": "A purchase order and its status",
            "tags": ["purchase orders"],
            "security": [{"bearer": []}], "parameters": [_po_id()],
            "responses": {"200": _answer("The PO.", "PurchaseOrder"), **_errors(401, 404)}}},
        "/api/purchase-orders/{po_id}/approve": _action(
            "approve", "Approve a received PO (it is invoiced once every level its thresholds require is filled)",
            {"note": "checked against the contract"}),
        "/api/purchase-orders/{po_id}/reject": _action(
            "reject", "Reject a received PO; the reason is shown to the customer",
            {"reason": "the unit price does not match the quote"}),
        "/api/purchase-orders/{po_id}/cancel": _action("cancel", "Cancel a PO", {"note": "ordered twice"}),
        "/healthz": {"get": {
            "operationId": "health", "summary": "Is the store reachable and migrated", "tags": ["operations"],
            "responses": {"200": _answer("Ready.", "Health"),
                          "503": _answer("The store is unreachable or not at the expected revision.", "Health")}}},
    }


def _version() -> str:
    try:
        return version("revhub")
    except PackageNotFoundError:  # a checkout that was not installed
        return "0.0.0"


def openapi_document() -> dict[str, Any]:
    """The OpenAPI 3.1 description of the JSON API."""
    schemas = {"PurchaseOrderSubmission": submission_schema(_REF), **with_ref_prefix(definitions(), _REF),
               "PurchaseOrderAction": action_schema(), **response_schemas()}
    return {
        "openapi": "3.1.0",
        "info": {"title": "revhub API", "version": _version(),
                 "description": "Purchase-order intake and status. Money on the wire: exact decimal strings in "
                                "the currency's major units (\"1250.00\" EUR, \"88200\" JPY), never JSON numbers."},
        "paths": paths(),
        "components": {"schemas": schemas,
                       "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                                      "description": "REVHUB_API_TOKEN"}}},
    }


@openapi_api.get("/api/openapi.json")
def serve_openapi():
    return jsonify(openapi_document())


def write_docs(folder: Path) -> list[Path]:
    """Write the description, the PO schema and the example as JSON files into ``folder``."""
    folder.mkdir(parents=True, exist_ok=True)
    files = {"openapi.json": openapi_document(), "purchase-order.schema.json": standalone_schema(),
             "purchase-order.example.json": EXAMPLE}
    written = []
    for name, document in files.items():
        path = folder / name
        path.write_text(json.dumps(document, indent=2, ensure_ascii=False) + "\n")
        written.append(path)
    return written


if __name__ == "__main__":  # python -m revhub.openapi docs/api
    for path in write_docs(Path(sys.argv[1] if len(sys.argv) > 1 else "docs/api")):
        print(path)
