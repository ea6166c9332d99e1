"""What a Salesforce org must have before revhub syncs with it, checked when it is connected.

revhub needs multiple currencies (every amount carries ``CurrencyIsoCode``) and its metadata
package (``salesforce/``, deployed with ``sf project deploy start``). Without them the first
sync would fail on INVALID_FIELD; this check says what is missing instead.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from revhub.connectors.errors import ConfigError
from revhub.connectors.salesforce.client import NotFound, SalesforceAPI
from revhub.connectors.salesforce.connector import LINE_FIELDS, STREAMS, SalesforceConnector

MULTI_CURRENCY_NEEDED = (
    "the Salesforce org is single-currency, and revhub needs multiple currencies: enable them "
    "in Setup > Company Settings > Company Information > Currencies (Activate Multiple "
    "Currencies), then add the currencies you invoice in")
PACKAGE_NEEDED = ("the Salesforce org lacks {what}: deploy revhub's metadata package "
                  "(salesforce/, `sf project deploy start`) before connecting")


def _fields(api: SalesforceAPI, sobject: str) -> set[str]:
    """https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/resources_sobject_describe.htm"""
    try:
        described = api.request(lambda sf: getattr(sf, sobject).describe(), entity=sobject)
    except NotFound:
        raise ConfigError(PACKAGE_NEEDED.format(what=sobject), provider="salesforce") from None
    return {f["name"] for f in described["fields"]}


def check_org(api: SalesforceAPI) -> list[str]:
    """The org's active currency codes; ConfigError naming the missing prerequisite otherwise."""
    if "CurrencyIsoCode" not in _fields(api, "Account"):
        raise ConfigError(MULTI_CURRENCY_NEEDED, provider="salesforce")
    wanted = {s.remote: set(s.fields) for s in STREAMS.values()}
    wanted["Purchase_Order_Line__c"] = set(LINE_FIELDS.split())
    for sobject, fields in wanted.items():
        missing = sorted(fields - _fields(api, sobject))
        if missing:
            raise ConfigError(PACKAGE_NEEDED.format(what=f"{sobject} fields {', '.join(missing)}"),
                              provider="salesforce")
    rows = api.query_page("SELECT IsoCode FROM CurrencyType WHERE IsActive = true ORDER BY IsoCode")
    return [r["IsoCode"] for r in rows.get("records") or []]


def check_connection(name: str, credentials: dict[str, Any], settings: dict[str, Any],
                     save: Callable[[dict[str, Any]], None]) -> list[str]:
    """``check_org`` for connection settings not stored yet (a rotated token goes to ``save``)."""
    return check_org(SalesforceConnector.from_connection(name, credentials, settings, save).api)
