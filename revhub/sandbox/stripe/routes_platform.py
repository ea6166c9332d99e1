"""Events, webhook endpoints, tax rates and the account."""

from __future__ import annotations

from revhub.sandbox.stripe import account, taxes, versions
from revhub.sandbox.stripe import params as p
from revhub.sandbox.stripe.errors import StripeError, missing
from revhub.sandbox.stripe.store import new_id
from revhub.sandbox.stripe.webhooks import new_secret


def install(sb, route, listing) -> None:
    """Serve events, webhook endpoints, tax rates and the account."""
    store = sb.store

    # -- events and webhook endpoints ------------------------------------------------
    @route("/v1/events", ["GET"], "events_list", "EventListParams")
    def events_list(q):
        kind, kinds = q.get("type"), q.get("types")
        if kind and kinds:
            raise StripeError(400, "You may only specify one of these parameters: type, types.", param="types")
        if kinds is not None and (not isinstance(kinds, list) or len(kinds) > 20):
            raise StripeError(400, "types must be a list of at most 20 event types.", param="types")
        return listing("event", q, sb.event_visible)

    @route("/v1/events/<eid>", ["GET"], "events_get", "EventRetrieveParams")
    def events_get(q, eid):
        event = store["event"].get(eid)
        if not sb.event_visible(event):
            raise missing("event", eid)
        return event

    @route("/v1/webhook_endpoints", ["POST"], "webhook_endpoints_create", "WebhookEndpointCreateParams")
    def webhook_endpoints_create(q):
        url = p.string(q, "url", required=True)
        if not url.startswith(("http://", "https://")):
            raise StripeError(400, "Invalid URL: must start with http:// or https://", code="url_invalid", param="url")
        events = q.get("enabled_events")
        if not isinstance(events, list) or not events:
            raise StripeError(400, "Missing required param: enabled_events.", code="parameter_missing",
                              param="enabled_events")
        version = versions.check(p.string(q, "api_version")) if q.get("api_version") else None
        endpoint = {"id": new_id("webhook_endpoint"), "object": "webhook_endpoint", "api_version": version,
                    "application": None, "created": sb.now(), "description": p.string(q, "description"),
                    "enabled_events": events, "livemode": False, "metadata": p.metadata(q), "status": "enabled",
                    "url": url, "_secret": new_secret()}
        store["webhook_endpoint"].add(endpoint)
        return {**endpoint, "secret": endpoint["_secret"]}  # shown once, at creation

    @route("/v1/webhook_endpoints", ["GET"], "webhook_endpoints_list", "WebhookEndpointListParams")
    def webhook_endpoints_list(q):
        return listing("webhook_endpoint", q)

    @route("/v1/webhook_endpoints/<wid>", ["GET"], "webhook_endpoints_get", "WebhookEndpointRetrieveParams")
    def webhook_endpoints_get(q, wid):
        return store["webhook_endpoint"].get(wid)

    @route("/v1/webhook_endpoints/<wid>", ["POST"], "webhook_endpoints_update", "WebhookEndpointUpdateParams")
    def webhook_endpoints_update(q, wid):
        endpoint = store["webhook_endpoint"].get(wid)
        if "url" in q:
            endpoint["url"] = p.string(q, "url")
        if isinstance(q.get("enabled_events"), list):
            endpoint["enabled_events"] = q["enabled_events"]
        if "disabled" in q:
            endpoint["status"] = "disabled" if p.boolean(q, "disabled") else "enabled"
        return endpoint

    @route("/v1/webhook_endpoints/<wid>", ["DELETE"], "webhook_endpoints_delete", "WebhookEndpointDeleteParams")
    def webhook_endpoints_delete(q, wid):
        store["webhook_endpoint"].get(wid)
        store["webhook_endpoint"].remove(wid)
        return {"id": wid, "object": "webhook_endpoint", "deleted": True}

    # -- tax rates --------------------------------------------------------------------
    @route("/v1/tax_rates", ["POST"], "tax_rates_create", "TaxRateCreateParams")
    def tax_rates_create(q):
        return taxes.create_rate(store, q, sb.now())

    @route("/v1/tax_rates", ["GET"], "tax_rates_list", "TaxRateListParams")
    def tax_rates_list(q):
        return listing("tax_rate", q)

    @route("/v1/tax_rates/<tid>", ["GET"], "tax_rates_get", "TaxRateRetrieveParams")
    def tax_rates_get(q, tid):
        return store["tax_rate"].get(tid)

    @route("/v1/tax_rates/<tid>", ["POST"], "tax_rates_update", "TaxRateUpdateParams")
    def tax_rates_update(q, tid):
        return taxes.update_rate(store["tax_rate"].get(tid), q)

    # -- the account ------------------------------------------------------------------
    @route("/v1/account", ["GET"], "account_get", "AccountRetrieveCurrentParams")
    def account_get(q):
        return account.account(sb.created_at, sb.balance.default_currency, sb.balance.settlement_currencies)
