"""``revhub connections check`` for HubSpot: an OAuth token holds every scope revhub needs, the
token reads each object revhub syncs, and the portal defines the properties revhub reads and
writes (the unique ones as unique)."""

from __future__ import annotations

from typing import Any

from revhub.connectors.errors import ConfigError
from revhub.connectors.hubspot.mapping import COMPANY, DEAL, DEAL_INVOICE
from revhub.connectors.hubspot.oauth import missing_scopes, token_info

REQUIRED: dict[str, tuple[str, ...]] = {
    "companies": tuple(m.path for m in COMPANY),
    "contacts": ("firstname", "lastname", "email", "jobtitle"),
    "deals": tuple(m.path for m in DEAL + DEAL_INVOICE) + ("revhub_id",),
    "line_items": ("quantity", "price", "amount", "description", "tax_code", "tax_amount", "revhub_line_id"),
}
UNIQUE = {"deals": "revhub_id", "line_items": "revhub_line_id"}


def check_hubspot(connector: Any, probe: Any, finding: Any) -> list:
    """Findings: one read per object (its scope), then its property definitions.
    https://developers.hubspot.com/docs/api/crm/properties"""
    findings: list = []
    api = connector.api
    if api.oauth:
        _scopes(api, probe, finding, findings)
    for object_type, needed in REQUIRED.items():
        probe(findings, f"read {object_type}",
              lambda t=object_type: api.search(t, {"limit": 1}, t), "answers (scope granted)")
        defined = probe(findings, f"{object_type} properties", lambda t=object_type: api.request(
            lambda c: c.crm.properties.core_api.get_all(t, _request_timeout=api.timeout), t).results)
        if not isinstance(defined, list):
            continue
        names = {p.name: p for p in defined}
        missing = [n for n in needed if n not in names]
        if missing:
            findings.append(finding(False, f"{object_type} properties",
                                    f"missing: {', '.join(missing)} (see docs/setup/hubspot.md)"))
        unique = UNIQUE.get(object_type)
        if unique in names and not names[unique].has_unique_value:
            findings.append(finding(False, f"{object_type}.{unique}", "must require unique values (upsert key)"))
    return findings


def _scopes(api: Any, probe: Any, finding: Any, findings: list) -> None:
    """An OAuth token's granted scopes (a private app's are listed in its settings page, and a
    read it lacks shows below as a refused read).
    https://developers.hubspot.com/docs/api-reference/legacy/authentication/oauth-tokens/v1/get-oauth-token-metadata"""

    def read() -> dict:
        api.client  # noqa: B018 - takes a fresh access token when the stored one has expired
        try:
            return token_info(api.credentials["access_token"], api.base_url, api.timeout)
        except LookupError as exc:
            raise ConfigError(str(exc), provider="hubspot") from None

    info = probe(findings, "access token", read, "valid (OAuth)")
    if isinstance(info, dict):
        missing = missing_scopes(info.get("scopes") or [])
        findings.append(finding(not missing, "scopes", "all granted" if not missing else
                                f"missing: {', '.join(missing)} (authorize again: revhub connections authorize)"))
