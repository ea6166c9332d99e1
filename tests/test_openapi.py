"""The OpenAPI 3.1 description, the PO JSON schema and its example: one source of truth with the
intake, kept in docs/api/, and money refused unless it is an exact decimal string."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from jsonschema import Draft202012Validator, FormatChecker

from revhub.connections import Vault, save_connection
from revhub.openapi import openapi_document
from revhub.orders.schema import EXAMPLE, standalone_schema
from revhub.store import Customer, Product
from tests.approvals.holders import bearer_of

DOCS = Path(__file__).resolve().parent.parent / "docs" / "api"


def test_the_files_in_docs_api_are_the_generated_ones():
    """Regenerate with `python -m revhub.openapi docs/api` after changing the schema."""
    assert json.loads((DOCS / "purchase-order.schema.json").read_text()) == standalone_schema()
    assert json.loads((DOCS / "purchase-order.example.json").read_text()) == EXAMPLE
    assert json.loads((DOCS / "openapi.json").read_text()) == json.loads(json.dumps(openapi_document()))


def test_the_schema_is_a_valid_2020_12_schema_and_the_example_fits_it():
    Draft202012Validator.check_schema(standalone_schema())
    example = json.loads((DOCS / "purchase-order.example.json").read_text())
    Draft202012Validator(standalone_schema(), format_checker=FormatChecker()).validate(example)


def test_the_description_embeds_the_intake_schema():
    document = openapi_document()
    assert document["openapi"].startswith("3.1")
    body = document["paths"]["/api/purchase-orders"]["post"]["requestBody"]["content"]["application/json"]
    assert body["schema"] == {"$ref": "#/components/schemas/PurchaseOrderSubmission"}
    submitted = document["components"]["schemas"]["PurchaseOrderSubmission"]
    assert set(submitted["properties"]) == set(standalone_schema()["properties"])
    assert submitted["properties"]["total"] == {"$ref": "#/components/schemas/Amount", "description": "The PO total, "
                                                                                                        "VAT included."}
    assert {"/api/purchase-orders", "/api/purchase-orders/{po_id}", "/api/purchase-orders/{po_id}/approve",
            "/healthz"} <= set(document["paths"])


@pytest.fixture
def api(app, db, config):
    vault = Vault(config.encryption_key)
    with db.session(write=True) as s:
        for name in ("stripe", "xero", "salesforce"):
            save_connection(s, vault, name=name, provider=name, credentials={}, settings={})
        s.add(Customer(name="Nakatomi Systems K.K.", email="ap@nakatomi.example", default_currency="JPY"))
        s.add(Product(sku="RH-PLAT", name="Platform licence (per seat)"))
    client = app.test_client()
    headers = {"Authorization": f"Bearer {config.api_token}"}
    return lambda method, path, body=None: getattr(client, method)(path, json=body, headers=headers)


@pytest.mark.store
def test_the_description_is_served_and_the_example_is_accepted(api, app):
    served = app.test_client().get("/api/openapi.json")
    assert served.status_code == 200 and served.json == json.loads(json.dumps(openapi_document()))
    example = json.loads((DOCS / "purchase-order.example.json").read_text())
    created = api("post", "/api/purchase-orders", example)
    assert created.status_code == 201, created.json
    assert (created.json["total"], created.json["tax"], created.json["currency"]) == ("2668050", "463050", "JPY")
    assert created.json["lines"][0]["unit_price"] == "88200"
    assert api("get", f"/api/purchase-orders/{created.json['id']}").json == created.json
    approved = app.test_client().post(f"/api/purchase-orders/{created.json['id']}/approve", json={},
                                      headers=bearer_of(app.extensions["revhub.db"], "erin"))
    assert approved.status_code == 200 and approved.json["status"] == "invoiced"
    for answer in (created.json, approved.json):
        described("PurchaseOrder").validate(answer)


def described(name: str) -> Draft202012Validator:
    """A validator of the description's component ``name`` (its references resolved in the document)."""
    document = json.loads(json.dumps(openapi_document()))
    return Draft202012Validator({"$ref": f"#/components/schemas/{name}", "components": document["components"]},
                                format_checker=FormatChecker())


@pytest.mark.store
@pytest.mark.parametrize("field, value", [("total", 2668050), ("total", 2668050.0), ("tax", 463050)])
def test_a_json_number_for_money_is_a_422_naming_the_field(api, field, value):
    refused = api("post", "/api/purchase-orders", {**EXAMPLE, field: value})
    assert refused.status_code == 422
    errors = {e["field"]: e["message"] for e in refused.json["errors"]}
    assert list(errors) == [field] and "major units" in errors[field]


@pytest.mark.store
def test_a_json_number_for_a_unit_price_is_a_422_naming_the_line(api):
    lines = [{**EXAMPLE["lines"][0], "unit_price": 88200}]
    refused = api("post", "/api/purchase-orders", {**EXAMPLE, "lines": lines})
    assert refused.status_code == 422
    assert [e["field"] for e in refused.json["errors"]] == ["lines[0].unit_price"]


@pytest.mark.store
def test_more_decimals_than_the_currency_has_are_refused(api):
    body = {**EXAMPLE, "currency": "EUR", "lines": [{"quantity": 1, "unit_price": "10.005"}], "total": "10.005"}
    body.pop("tax")
    refused = api("post", "/api/purchase-orders", body)
    assert refused.status_code == 422
    assert {e["field"] for e in refused.json["errors"]} == {"lines[0].unit_price", "total"}


@pytest.mark.store
# A body that is not an object at all is malformed: a 400 (tests/test_malformed_json.py).
@pytest.mark.parametrize("body", [{"approver": 5}, {"approver": "dana"}, {"note": 5},
                                  {"note": "x", "extra": 1}])
def test_an_action_body_outside_its_schema_is_a_422(api, body):
    created = api("post", "/api/purchase-orders", EXAMPLE).json
    refused = api("post", f"/api/purchase-orders/{created['id']}/approve", body)
    assert refused.status_code == 422, refused.json
    assert refused.json["errors"][0]["field"] in ("approver", "note", "extra")
