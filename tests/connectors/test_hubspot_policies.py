"""HubSpot, the second CRM, holds the CRM's place in the ownership policies: what the defaults
give Salesforce is HubSpot's when HubSpot is the CRM."""

from __future__ import annotations

from revhub.sync.context import SyncContext
from revhub.sync.merge import merge_fields


def _merge(provider: str, field: str, entity: str = "customer"):
    ctx = SyncContext(system=provider, provider=provider)
    return merge_fields(entity, current={field: "From Xero"}, incoming={field: f"From {provider}"},
                        base={field: "Before"}, ctx=ctx,
                        field_sources={field: {"system": "xero", "at": "2026-11-20T10:00:00+00:00"}},
                        changed_at="2026-11-20T11:00:00+00:00")


def test_a_hubspot_edit_of_a_crm_owned_field_wins_as_a_salesforce_edit_does():
    for provider in ("salesforce", "hubspot"):
        outcome = _merge(provider, "name")
        assert outcome.changed == {"name": f"From {provider}"}, provider
        assert outcome.conflicts[0]["resolution"] == f"{provider} owns customer.name: incoming value applied"


def test_a_hubspot_edit_of_a_field_the_ledger_owns_keeps_the_ledgers_value():
    outcome = _merge("hubspot", "tax_id")
    assert outcome.changed == {}
    assert outcome.conflicts[0]["resolution"] == "xero owns customer.tax_id: current value kept"


def test_a_po_status_moved_in_hubspot_does_not_override_revhubs_workflow():
    outcome = _merge("hubspot", "status", entity="purchase_order")
    assert outcome.changed == {} and "revhub owns purchase_order.status" in outcome.conflicts[0]["resolution"]
