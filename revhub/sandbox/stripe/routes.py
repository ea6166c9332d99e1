"""URL routes of the Stripe sandbox: each handler takes the parsed parameters."""

from __future__ import annotations

from revhub.sandbox.stripe import catalog, currencies
from revhub.sandbox.stripe import listing as filters
from revhub.sandbox.stripe import params as p
from revhub.sandbox.stripe.errors import StripeError, missing
from revhub.sandbox.stripe.store import new_id
from revhub.sandbox.stripe.webhooks import new_secret


def install(sb) -> None:
    app = sb.flask
    store = sb.store
    deleted: dict[str, dict] = {}

    def route(path: str, methods: list[str], name: str, params: str):
        """Serve ``fn`` at ``path``; its parameters are those of ``stripe.params.<params>``."""
        def register(fn):
            app.add_url_rule(path, name, sb.endpoint(fn, params), methods=methods)
            return fn
        return register

    def listing(kind: str, q: dict, extra=None, url: str | None = None):
        matches = filters.keep(kind, q)
        return store[kind].page(q, url or f"/v1/{kind}s",
                                (lambda o: matches(o) and extra(o)) if extra else matches)

    # -- customers ---------------------------------------------------------------
    @route("/v1/customers", ["POST"], "customers_create", "CustomerCreateParams")
    def customers_create(q):
        return catalog.create_customer(sb, q)

    @route("/v1/customers", ["GET"], "customers_list", "CustomerListParams")
    def customers_list(q):
        return listing("customer", q)

    @route("/v1/customers/<cid>", ["GET"], "customers_get", "CustomerRetrieveParams")
    def customers_get(q, cid):
        if cid in deleted:
            return deleted[cid]
        return store["customer"].get(cid)

    @route("/v1/customers/<cid>", ["POST"], "customers_update", "CustomerUpdateParams")
    def customers_update(q, cid):
        return catalog.update_customer(sb, store["customer"].get(cid), q)

    @route("/v1/customers/<cid>", ["DELETE"], "customers_delete", "CustomerDeleteParams")
    def customers_delete(q, cid):
        stub = catalog.delete_customer(sb, store["customer"].get(cid))
        deleted[cid] = stub
        return stub

    # -- products and prices ----------------------------------------------------
    @route("/v1/products", ["POST"], "products_create", "ProductCreateParams")
    def products_create(q):
        return catalog.create_product(sb, q)

    @route("/v1/products", ["GET"], "products_list", "ProductListParams")
    def products_list(q):
        return listing("product", q)

    @route("/v1/products/<pid>", ["GET"], "products_get", "ProductRetrieveParams")
    def products_get(q, pid):
        return store["product"].get(pid)

    @route("/v1/products/<pid>", ["POST"], "products_update", "ProductUpdateParams")
    def products_update(q, pid):
        return catalog.update_product(sb, store["product"].get(pid), q)

    @route("/v1/prices", ["POST"], "prices_create", "PriceCreateParams")
    def prices_create(q):
        return catalog.create_price(sb, q)

    @route("/v1/prices", ["GET"], "prices_list", "PriceListParams")
    def prices_list(q):
        return listing("price", q)

    @route("/v1/prices/<pid>", ["GET"], "prices_get", "PriceRetrieveParams")
    def prices_get(q, pid):
        return store["price"].get(pid)

    # -- invoices ---------------------------------------------------------------

    @route("/v1/invoices", ["POST"], "invoices_create", "InvoiceCreateParams")
    def invoices_create(q):
        return sb.invoices.create(q)

    @route("/v1/invoices", ["GET"], "invoices_list", "InvoiceListParams")
    def invoices_list(q):
        return listing("invoice", q)

    @route("/v1/invoices/<iid>", ["GET"], "invoices_get", "InvoiceRetrieveParams")
    def invoices_get(q, iid):
        return store["invoice"].get(iid)

    @route("/v1/invoices/<iid>", ["POST"], "invoices_update", "InvoiceUpdateParams")
    def invoices_update(q, iid):
        return sb.invoices.update(store["invoice"].get(iid), q)

    @route("/v1/invoices/<iid>", ["DELETE"], "invoices_delete", "InvoiceDeleteParams")
    def invoices_delete(q, iid):
        invoice = store["invoice"].get(iid)
        if invoice["status"] != "draft":
            raise StripeError(400, "You can only delete draft invoices.", code="invoice_not_editable")
        store["invoice"].remove(iid)
        sb.emit("invoice.deleted", invoice)
        return {"id": iid, "object": "invoice", "deleted": True}

    @route("/v1/invoices/<iid>/lines", ["GET"], "invoice_lines", "InvoiceListLinesParams")
    def invoice_lines(q, iid):
        invoice = store["invoice"].get(iid)
        data = invoice["lines"]["data"]
        limit = p.integer(q, "limit", minimum=1, maximum=100, default=10)
        start = 0
        if q.get("starting_after"):
            ids = [line["id"] for line in data]
            if q["starting_after"] not in ids:
                raise missing("line item", q["starting_after"], "starting_after")
            start = ids.index(q["starting_after"]) + 1
        page = data[start:start + limit]
        return {"object": "list", "data": page, "has_more": start + limit < len(data),
                "url": f"/v1/invoices/{iid}/lines"}

    @route("/v1/invoices/<iid>/add_lines", ["POST"], "invoice_add_lines", "InvoiceAddLinesParams")
    def invoice_add_lines(q, iid):
        return sb.invoices.add_lines(store["invoice"].get(iid), q.get("lines"))

    @route("/v1/invoices/<iid>/finalize", ["POST"], "invoice_finalize", "InvoiceFinalizeInvoiceParams")
    def invoice_finalize(q, iid):
        return sb.invoices.finalize(store["invoice"].get(iid))

    @route("/v1/invoices/<iid>/pay", ["POST"], "invoice_pay", "InvoicePayParams")
    def invoice_pay(q, iid):
        return sb.invoices.pay(store["invoice"].get(iid), q)

    @route("/v1/invoices/<iid>/attach_payment", ["POST"], "invoice_attach_payment", "InvoiceAttachPaymentParams")
    def invoice_attach_payment(q, iid):
        intent = store["payment_intent"].get(p.string(q, "payment_intent", required=True), "payment_intent")
        return sb.invoices.attach(store["invoice"].get(iid), intent)

    for action, method, params in (("send", sb.invoices.send, "InvoiceSendInvoiceParams"),
                                   ("void", sb.invoices.void, "InvoiceVoidInvoiceParams"),
                                   ("mark_uncollectible", sb.invoices.mark_uncollectible,
                                    "InvoiceMarkUncollectibleParams")):
        def act(q, iid, _method=method):
            return _method(store["invoice"].get(iid))
        route(f"/v1/invoices/<iid>/{action}", ["POST"], f"invoice_{action}", params)(act)

    @route("/v1/invoiceitems", ["POST"], "invoiceitems_create", "InvoiceItemCreateParams")
    def invoiceitems_create(q):
        store["customer"].get(p.string(q, "customer", required=True), "customer")
        invoice = store["invoice"].get(p.string(q, "invoice", required=True), "invoice")
        line = {k: v for k, v in q.items() if k not in ("customer", "invoice", "currency")}
        row = sb.invoices.add_line(invoice, line)
        return {"id": row["parent"]["invoice_item_details"]["invoice_item"], "object": "invoiceitem",
                "amount": row["amount"], "currency": row["currency"], "customer": invoice["customer"],
                "date": sb.now(), "description": row["description"], "invoice": invoice["id"],
                "livemode": False, "metadata": row["metadata"], "quantity": row["quantity"]}

    @route("/v1/invoice_payments", ["GET"], "invoice_payments_list", "InvoicePaymentListParams")
    def invoice_payments_list(q):
        return listing("invoice_payment", q)

    @route("/v1/invoice_payments/<pid>", ["GET"], "invoice_payments_get", "InvoicePaymentRetrieveParams")
    def invoice_payments_get(q, pid):
        return store["invoice_payment"].get(pid)

    # -- payments ---------------------------------------------------------------
    @route("/v1/payment_intents", ["POST"], "payment_intents_create", "PaymentIntentCreateParams")
    def payment_intents_create(q):
        customer = p.string(q, "customer")
        if customer:
            store["customer"].get(customer, "customer")
        amount = p.integer(q, "amount", required=True, minimum=1)
        currency = p.string(q, "currency", required=True).lower()
        currencies.check_charge(amount, currency)
        intent = sb.payments.intent(amount, currency, customer, description=p.string(q, "description"),
                                    metadata=p.metadata(q))
        intent["payment_method"] = p.string(q, "payment_method")
        if p.boolean(q, "confirm", default=False):
            sb.payments.confirm(intent, intent["payment_method"])
        return intent

    @route("/v1/payment_intents/<pid>/confirm", ["POST"], "payment_intents_confirm", "PaymentIntentConfirmParams")
    def payment_intents_confirm(q, pid):
        return sb.payments.confirm(store["payment_intent"].get(pid), p.string(q, "payment_method"))

    @route("/v1/payment_intents", ["GET"], "payment_intents_list", "PaymentIntentListParams")
    def payment_intents_list(q):
        return listing("payment_intent", q)

    @route("/v1/payment_intents/<pid>", ["GET"], "payment_intents_get", "PaymentIntentRetrieveParams")
    def payment_intents_get(q, pid):
        return store["payment_intent"].get(pid)

    @route("/v1/charges", ["GET"], "charges_list", "ChargeListParams")
    def charges_list(q):
        return listing("charge", q)

    @route("/v1/charges/<cid>", ["GET"], "charges_get", "ChargeRetrieveParams")
    def charges_get(q, cid):
        return store["charge"].get(cid)

    @route("/v1/refunds", ["POST"], "refunds_create", "RefundCreateParams")
    def refunds_create(q):
        if q.get("charge"):
            charge = store["charge"].get(p.string(q, "charge"), "charge")
        elif q.get("payment_intent"):
            intent = store["payment_intent"].get(p.string(q, "payment_intent"), "payment_intent")
            if not intent["latest_charge"]:
                raise StripeError(400, "This PaymentIntent does not have a successful charge to refund.",
                                  param="payment_intent")
            charge = store["charge"].get(intent["latest_charge"])
        else:
            raise StripeError(400, "One of the following params should be provided for this request: "
                                   "payment_intent or charge.", code="parameter_missing")
        reason = p.string(q, "reason", choices=("duplicate", "fraudulent", "requested_by_customer"))
        amount = p.integer(q, "amount", minimum=1)
        if amount is not None:
            currencies.check_charge(amount, charge["currency"], minimum=False)
        return sb.payments.refund(charge, amount, reason, p.metadata(q))

    @route("/v1/refunds", ["GET"], "refunds_list", "RefundListParams")
    def refunds_list(q):
        return listing("refund", q)

    @route("/v1/refunds/<rid>", ["GET"], "refunds_get", "RefundRetrieveParams")
    def refunds_get(q, rid):
        return store["refund"].get(rid)

    @route("/v1/balance_transactions", ["GET"], "balance_transactions_list", "BalanceTransactionListParams")
    def balance_transactions_list(q):
        return listing("balance_transaction", q)

    @route("/v1/balance_transactions/<tid>", ["GET"], "balance_transactions_get", "BalanceTransactionRetrieveParams")
    def balance_transactions_get(q, tid):
        return store["balance_transaction"].get(tid)

    # -- subscriptions ------------------------------------------------------------
    @route("/v1/subscriptions", ["POST"], "subscriptions_create", "SubscriptionCreateParams")
    def subscriptions_create(q):
        return catalog.create_subscription(sb, q)

    @route("/v1/subscriptions", ["GET"], "subscriptions_list", "SubscriptionListParams")
    def subscriptions_list(q):
        return listing("subscription", q)

    @route("/v1/subscriptions/<sid>", ["GET"], "subscriptions_get", "SubscriptionRetrieveParams")
    def subscriptions_get(q, sid):
        return store["subscription"].get(sid)

    @route("/v1/subscriptions/<sid>", ["DELETE"], "subscriptions_cancel", "SubscriptionCancelParams")
    def subscriptions_cancel(q, sid):
        return catalog.cancel_subscription(sb, store["subscription"].get(sid))

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
        endpoint = {"id": new_id("webhook_endpoint"), "object": "webhook_endpoint", "api_version": None,
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

    @app.errorhandler(404)
    def not_found(_):
        from flask import jsonify

        return jsonify(error={"message": f"Unrecognized request URL (GET: {_request_path()}). Please see "
                                         "https://stripe.com/docs or we can help at https://support.stripe.com/.",
                              "type": "invalid_request_error"}), 404


def _request_path() -> str:
    from flask import request

    return request.path
