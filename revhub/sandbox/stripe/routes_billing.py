"""Customers, products, prices, invoices, invoice items and subscriptions."""

from __future__ import annotations

from revhub.sandbox.stripe import catalog, invoice_items
from revhub.sandbox.stripe import params as p
from revhub.sandbox.stripe.errors import StripeError, missing


def install(sb, route, listing) -> None:
    """Serve the billing objects."""
    store = sb.store
    deleted: dict[str, dict] = {}

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
        data = store["invoice"].get(iid)["lines"]["data"]  # in invoice order, not newest first
        limit = p.integer(q, "limit", minimum=1, maximum=100, default=10)
        after, before = q.get("starting_after"), q.get("ending_before")
        if after and before:
            raise StripeError(400, "You may only specify one of these parameters: ending_before, starting_after.",
                              param="ending_before")
        ids = [line["id"] for line in data]
        for anchor, name in ((after, "starting_after"), (before, "ending_before")):
            if anchor and anchor not in ids:
                raise missing("line item", anchor, name)
        if before:
            end = ids.index(before)
            start = max(0, end - limit)
            page, more = data[start:end], start > 0
        else:
            start = ids.index(after) + 1 if after else 0
            page, more = data[start:start + limit], start + limit < len(data)
        return {"object": "list", "data": page, "has_more": more, "url": f"/v1/invoices/{iid}/lines"}

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
        customer = store["customer"].get(p.string(q, "customer", required=True), "customer")
        if not q.get("invoice"):  # pending: waits for the customer's next invoice
            return invoice_items.create_pending(store, q, customer, sb.balance.default_currency, sb.now())
        invoice = store["invoice"].get(p.string(q, "invoice"), "invoice")
        line = {k: v for k, v in q.items() if k not in ("customer", "invoice", "currency")}
        row = sb.invoices.add_line(invoice, line)
        return store["invoiceitem"].get(row["parent"]["invoice_item_details"]["invoice_item"])

    @route("/v1/invoiceitems", ["GET"], "invoiceitems_list", "InvoiceItemListParams")
    def invoiceitems_list(q):
        return listing("invoiceitem", q)

    @route("/v1/invoiceitems/<item_id>", ["GET"], "invoiceitems_get", "InvoiceItemRetrieveParams")
    def invoiceitems_get(q, item_id):
        return store["invoiceitem"].get(item_id)

    @route("/v1/invoice_payments", ["GET"], "invoice_payments_list", "InvoicePaymentListParams")
    def invoice_payments_list(q):
        return listing("invoice_payment", q)

    @route("/v1/invoice_payments/<pid>", ["GET"], "invoice_payments_get", "InvoicePaymentRetrieveParams")
    def invoice_payments_get(q, pid):
        return store["invoice_payment"].get(pid)

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
