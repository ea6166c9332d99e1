"""Property-based fuzzing of the JSON API against its own OpenAPI description (schemathesis):
valid and invalid requests for every described operation; no answer is a server error, every
answer (4xx included) is described and matches its schema, and a request the schema refuses
is refused. Derandomized, so a run is repeatable; a bounded number of examples per operation
keeps each engine's run well under 45 s."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from revhub.connections import Vault, save_connection
from revhub.openapi import openapi_document
from revhub.store import Customer, Product

pytestmark = pytest.mark.store
EXAMPLES = 60  # per operation and generation mode
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance,
          negative_data_rejection]


# The description as served (a test checks /api/openapi.json answers exactly this document).
schema = schemathesis.openapi.from_dict(openapi_document())
schema.config.generation.update(max_examples=EXAMPLES, deterministic=True, database="none")


@pytest.fixture
def seeded(app, db, config):
    """A store with a customer, a product and the three connections, so valid submissions can be
    stored, approved and cancelled."""
    vault = Vault(config.encryption_key)
    with db.session(write=True) as s:
        for name in ("stripe", "xero", "salesforce"):
            save_connection(s, vault, name=name, provider=name, credentials={}, settings={})
        s.add(Customer(name="Nakatomi Systems K.K.", email="ap@nakatomi.example", default_currency="JPY"))
        s.add(Product(sku="RH-PLAT", name="Platform licence (per seat)"))
    return app


@schema.parametrize()
@settings(derandomize=True, deadline=None, suppress_health_check=list(HealthCheck), max_examples=EXAMPLES)
def test_the_api_keeps_its_description(case, seeded, config):
    case.call_and_validate(app=seeded, headers={"Authorization": f"Bearer {config.api_token}"}, checks=CHECKS)

