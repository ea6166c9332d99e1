"""URL routes of the Stripe sandbox: each handler takes the parsed parameters."""

from __future__ import annotations

from typing import Any

from revhub.sandbox.stripe import catalog
from revhub.sandbox.stripe import params as p
from revhub.sandbox.stripe.errors import StripeError, missing
from revhub.sandbox.stripe.store import new_id
from revhub.sandbox.stripe.webhooks import new_secret

LIST = ("limit", "starting_after", "ending_before", "created")


def install(sb) -> None:
    app = sb.flask
    store = sb.store
    deleted: dict[str, dict] = {}

    def route(path: str, methods: list[str], name: str):
        def register(fn):
            app.add_url_rule(path, name, sb.endpoint(fn), methods=methods)
            return fn
        return register

    def listing(kind: str, q: dict, allowed: tuple[str, ...], keep=None, url: str | None = None):
        p.check_known(q, LIST + allowed)
        return store[kind].page(q, url or f"/v1/{kind}s", keep)

    def equal(q: dict, pairs: dict[str, Any]):
        wanted = {k: q[k] for k in pairs if q.get(k) not in (None, "")}
        return lambda obj: all(pairs[k](obj) == v for k, v in wanted.items())

    # -- customers ---------------------------------------------------------------
    @route("/v1/customers", ["POST"], "customers_create")
    def customers_create(q):
        return catalog.create_customer(sb, q)

    @route("/v1/customers", ["GET"], "customers_list")
    def customers_list(q):
        return listing("customer", q, ("email", "test_clock"), equal(q, {"email": lambda o: o["email"]}))

    @route("/v1/customers/<cid>", ["GET"], "customers_get")
    def customers_get(q, cid):
        p.check_known(q, ())
        if cid in deleted:
            return deleted[cid]
        return store["customer"].get(cid)

    @route("/v1/customers/<cid>", ["POST"], "customers_update")
    def customers_update(q, cid):
        return catalog.update_customer(sb, store["customer"].get(cid), q)

    @route("/v1/customers/<cid>", ["DELETE"], "customers_delete")
    def customers_delete(q, cid):
        stub = catalog.delete_customer(sb, store["customer"].get(cid))
        deleted[cid] = stub
        return stub

    # -- products and prices ----------------------------------------------------
    @route("/v1/products", ["POST"], "products_create")
    def products_create(q):
        return catalog.create_product(sb, q)

    @route("/v1/products", ["GET"], "products_list")
    def products_list(q):
        active = p.boolean(q, "active")
        return listing("product", q, ("active", "ids", "shippable", "url"),
                       (lambda o: o["active"] == active) if active is not None else None)

    @route("/v1/products/<pid>", ["GET"], "products_get")
    def products_get(q, pid):
        p.check_known(q, ())
        return store["product"].get(pid)

    @route("/v1/products/<pid>", ["POST"], "products_update")
    def products_update(q, pid):
        return catalog.update_product(sb, store["product"].get(pid), q)

    @route("/v1/prices", ["POST"], "prices_create")
    def prices_create(q):
        return catalog.create_price(sb, q)

    @route("/v1/prices", ["GET"], "prices_list")
    def prices_list(q):
        return listing("price", q, ("product", "active", "currency", "type", "lookup_keys"),
                       equal(q, {"product": lambda o: o["product"], "currency": lambda o: o["currency"],
                                 "type": lambda o: o["type"]}))

    @route("/v1/prices/<pid>", ["GET"], "prices_get")
    def prices_get(q, pid):
        p.check_known(q, ())
        return store["price"].get(pid)

    # -- invoices ---------------------------------------------------------------
    invoice_params = ("customer", "collection_method", "days_until_due", "due_date", "custom_fields", "metadata",
                      "description", "footer", "auto_advance", "currency", "number",
                      "pending_invoice_items_behavior", "default_payment_method")

    @route("/v1/invoices", ["POST"], "invoices_create")
    def invoices_create(q):
        p.check_known(q, invoice_params)
        return sb.invoices.create(q)

    @route("/v1/invoices", ["GET"], "invoices_list")
    def invoices_list(q):
        status = p.string(q, "status", choices=("draft", "open", "paid", "uncollectible", "void"))
        return listing("invoice", q, ("customer", "status", "collection_method", "subscription", "due_date"),
                       equal({**q, "status": status}, {"customer": lambda o: o["customer"],
                                                       "status": lambda o: o["status"],
                                                       "collection_method": lambda o: o["collection_method"]}))

    @route("/v1/invoices/<iid>", ["GET"], "invoices_get")
    def invoices_get(q, iid):
        p.check_known(q, ())
        return store["invoice"].get(iid)

    @route("/v1/invoices/<iid>", ["POST"], "invoices_update")
    def invoices_update(q, iid):
        invoice = store["invoice"].get(iid)
        p.check_known(q, ("metadata", "description", "footer", "custom_fields", "days_until_due", "due_date",
                          "auto_advance"))
        if invoice["status"] != "draft" and set(q) - {"metadata", "description", "footer", "expand"}:
            raise StripeError(400, "You can only update metadata, description and footer of a finalized invoice.",
                              code="invoice_not_editable")
        before = {}
        if "metadata" in q:
            before["metadata"], invoice["metadata"] = invoice["metadata"], p.metadata(q, invoice["metadata"])
        for name in ("description", "footer"):
            if name in q:
                before[name], invoice[name] = invoice[name], p.string(q, name)
        if before:
            sb.emit("invoice.updated", invoice, before)
        return invoice

    @route("/v1/invoices/<iid>", ["DELETE"], "invoices_delete")
    def invoices_delete(q, iid):
        invoice = store["invoice"].get(iid)
        if invoice["status"] != "draft":
            raise StripeError(400, "You can only delete draft invoices.", code="invoice_not_editable")
        store["invoice"].remove(iid)
        sb.emit("invoice.deleted", invoice)
        return {"id": iid, "object": "invoice", "deleted": True}

    @route("/v1/invoices/<iid>/lines", ["GET"], "invoice_lines")
    def invoice_lines(q, iid):
        p.check_known(q, LIST)
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

    @route("/v1/invoices/<iid>/add_lines", ["POST"], "invoice_add_lines")
    def invoice_add_lines(q, iid):
        p.check_known(q, ("lines", "invoice_metadata"))
        return sb.invoices.add_lines(store["invoice"].get(iid), q.get("lines"))

    @route("/v1/invoices/<iid>/finalize", ["POST"], "invoice_finalize")
    def invoice_finalize(q, iid):
        p.check_known(q, ("auto_advance",))
        return sb.invoices.finalize(store["invoice"].get(iid))

    @route("/v1/invoices/<iid>/pay", ["POST"], "invoice_pay")
    def invoice_pay(q, iid):
        p.check_known(q, ("paid_out_of_band", "payment_method", "off_session", "forgive", "source", "mandate"))
        return sb.invoices.pay(store["invoice"].get(iid), q)

    @route("/v1/invoices/<iid>/attach_payment", ["POST"], "invoice_attach_payment")
    def invoice_attach_payment(q, iid):
        p.check_known(q, ("payment_intent",))
        intent = store["payment_intent"].get(p.string(q, "payment_intent", required=True), "payment_intent")
        return sb.invoices.attach(store["invoice"].get(iid), intent)

    for action, method in (("send", sb.invoices.send), ("void", sb.invoices.void),
                           ("mark_uncollectible", sb.invoices.mark_uncollectible)):
        def act(q, iid, _method=method):
            p.check_known(q, ())
            return _method(store["invoice"].get(iid))
        route(f"/v1/invoices/<iid>/{action}", ["POST"], f"invoice_{action}")(act)

    @route("/v1/invoiceitems", ["POST"], "invoiceitems_create")
    def invoiceitems_create(q):
        p.check_known(q, ("customer", "invoice", "amount", "currency", "description", "price_data", "pricing",
                          "quantity", "metadata", "period", "discountable"))
        store["customer"].get(p.string(q, "customer", required=True), "customer")
        invoice = store["invoice"].get(p.string(q, "invoice", required=True), "invoice")
        line = {k: v for k, v in q.items() if k not in ("customer", "invoice", "currency")}
        row = sb.invoices.add_line(invoice, line)
        return {"id": row["parent"]["invoice_item_details"]["invoice_item"], "object": "invoiceitem",
                "amount": row["amount"], "currency": row["currency"], "customer": invoice["customer"],
                "date": sb.now(), "description": row["description"], "invoice": invoice["id"],
                "livemode": False, "metadata": row["metadata"], "quantity": row["quantity"]}

    @route("/v1/invoice_payments", ["GET"], "invoice_payments_list")
    def invoice_payments_list(q):
        payment = q.get("payment") if isinstance(q.get("payment"), dict) else {}
        intent = payment.get("payment_intent")
        invoice = q.get("invoice")
        return listing("invoice_payment", {k: v for k,
                                           v in q.items() if k != "payment"} | ({"payment": ""} if payment else {}),
                       ("invoice", "payment", "status"),
                       lambda o: (not invoice or o["invoice"] == invoice)
                       and (not intent or o["payment"]["payment_intent"] == intent))

    @route("/v1/invoice_payments/<pid>", ["GET"], "invoice_payments_get")
    def invoice_payments_get(q, pid):
        return store["invoice_payment"].get(pid)

    # -- payments ---------------------------------------------------------------
    @route("/v1/payment_intents", ["POST"], "payment_intents_create")
    def payment_intents_create(q):
        p.check_known(q, ("amount", "currency", "customer", "description", "metadata", "payment_method",
                          "confirm", "payment_method_types", "automatic_payment_methods", "receipt_email"))
        customer = p.string(q, "customer")
        if customer:
            store["customer"].get(customer, "customer")
        intent = sb.payments.intent(p.integer(q, "amount", required=True, minimum=1),
                                    p.string(q, "currency", required=True).lower(), customer,
                                    description=p.string(q, "description"), metadata=p.metadata(q))
        intent["payment_method"] = p.string(q, "payment_method")
        if p.boolean(q, "confirm", default=False):
            sb.payments.confirm(intent, intent["payment_method"])
        return intent

    @route("/v1/payment_intents/<pid>/confirm", ["POST"], "payment_intents_confirm")
    def payment_intents_confirm(q, pid):
        p.check_known(q, ("payment_method", "return_url", "off_session"))
        return sb.payments.confirm(store["payment_intent"].get(pid), p.string(q, "payment_method"))

    @route("/v1/payment_intents", ["GET"], "payment_intents_list")
    def payment_intents_list(q):
        return listing("payment_intent", q, ("customer",), equal(q, {"customer": lambda o: o["customer"]}))

    @route("/v1/payment_intents/<pid>", ["GET"], "payment_intents_get")
    def payment_intents_get(q, pid):
        p.check_known(q, ("client_secret",))
        return store["payment_intent"].get(pid)

    @route("/v1/charges", ["GET"], "charges_list")
    def charges_list(q):
        return listing("charge", q, ("customer", "payment_intent", "transfer_group"),
                       equal(q, {"customer": lambda o: o["customer"], "payment_intent": lambda o: o["payment_intent"]}))

    @route("/v1/charges/<cid>", ["GET"], "charges_get")
    def charges_get(q, cid):
        p.check_known(q, ())
        return store["charge"].get(cid)

    @route("/v1/refunds", ["POST"], "refunds_create")
    def refunds_create(q):
        p.check_known(q, ("charge", "payment_intent", "amount", "reason", "metadata"))
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
        return sb.payments.refund(charge, p.integer(q, "amount", minimum=1), reason, p.metadata(q))

    @route("/v1/refunds", ["GET"], "refunds_list")
    def refunds_list(q):
        return listing("refund", q, ("charge", "payment_intent"),
                       equal(q, {"charge": lambda o: o["charge"], "payment_intent": lambda o: o["payment_intent"]}))

    @route("/v1/refunds/<rid>", ["GET"], "refunds_get")
    def refunds_get(q, rid):
        p.check_known(q, ())
        return store["refund"].get(rid)

    @route("/v1/balance_transactions", ["GET"], "balance_transactions_list")
    def balance_transactions_list(q):
        return listing("balance_transaction", q, ("source", "type", "currency", "payout"),
                       equal(q, {"source": lambda o: o["source"], "type": lambda o: o["type"],
                                 "currency": lambda o: o["currency"]}))

    @route("/v1/balance_transactions/<tid>", ["GET"], "balance_transactions_get")
    def balance_transactions_get(q, tid):
        p.check_known(q, ())
        return store["balance_transaction"].get(tid)

    # -- subscriptions ------------------------------------------------------------
    @route("/v1/subscriptions", ["POST"], "subscriptions_create")
    def subscriptions_create(q):
        return catalog.create_subscription(sb, q)

    @route("/v1/subscriptions", ["GET"], "subscriptions_list")
    def subscriptions_list(q):
        status = q.get("status")
        return listing("subscription", q, ("customer", "status", "price"),
                       lambda o: (not q.get("customer") or o["customer"] == q["customer"])
                       and (status in (None, "all") or o["status"] == status)
                       and (status is not None or o["status"] != "canceled"))

    @route("/v1/subscriptions/<sid>", ["GET"], "subscriptions_get")
    def subscriptions_get(q, sid):
        return store["subscription"].get(sid)

    @route("/v1/subscriptions/<sid>", ["DELETE"], "subscriptions_cancel")
    def subscriptions_cancel(q, sid):
        p.check_known(q, ("invoice_now", "prorate"))
        return catalog.cancel_subscription(sb, store["subscription"].get(sid))

    # -- events and webhook endpoints ------------------------------------------------
    @route("/v1/events", ["GET"], "events_list")
    def events_list(q):
        kind, kinds = q.get("type"), q.get("types")
        if kind and kinds:
            raise StripeError(400, "You may only specify one of these parameters: type, types.", param="types")
        if kinds is not None and (not isinstance(kinds, list) or len(kinds) > 20):
            raise StripeError(400, "types must be a list of at most 20 event types.", param="types")

        def keep(event):
            if not sb.event_visible(event):
                return False
            if kind:
                return event["type"] == kind or (kind.endswith("*") and event["type"].startswith(kind[:-1]))
            return not kinds or event["type"] in kinds

        return listing("event", q, ("type", "types", "delivery_success"), keep)

    @route("/v1/events/<eid>", ["GET"], "events_get")
    def events_get(q, eid):
        event = store["event"].get(eid)
        if not sb.event_visible(event):
            raise missing("event", eid)
        return event

    @route("/v1/webhook_endpoints", ["POST"], "webhook_endpoints_create")
    def webhook_endpoints_create(q):
        p.check_known(q, ("url", "enabled_events", "description", "metadata", "api_version", "connect"))
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

    @route("/v1/webhook_endpoints", ["GET"], "webhook_endpoints_list")
    def webhook_endpoints_list(q):
        return listing("webhook_endpoint", q, ())

    @route("/v1/webhook_endpoints/<wid>", ["GET"], "webhook_endpoints_get")
    def webhook_endpoints_get(q, wid):
        return store["webhook_endpoint"].get(wid)

    @route("/v1/webhook_endpoints/<wid>", ["POST"], "webhook_endpoints_update")
    def webhook_endpoints_update(q, wid):
        p.check_known(q, ("url", "enabled_events", "description", "metadata", "disabled"))
        endpoint = store["webhook_endpoint"].get(wid)
        if "url" in q:
            endpoint["url"] = p.string(q, "url")
        if isinstance(q.get("enabled_events"), list):
            endpoint["enabled_events"] = q["enabled_events"]
        if "disabled" in q:
            endpoint["status"] = "disabled" if p.boolean(q, "disabled") else "enabled"
        return endpoint

    @route("/v1/webhook_endpoints/<wid>", ["DELETE"], "webhook_endpoints_delete")
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
