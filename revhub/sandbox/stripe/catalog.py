"""Customers, products, prices and subscriptions."""

from __future__ import annotations

import secrets
from typing import Any

from revhub.sandbox.stripe import params as p
from revhub.sandbox.stripe.errors import StripeError
from revhub.sandbox.stripe.store import new_id

_ADDRESS = ("city", "country", "line1", "line2", "postal_code", "state")


def _address(q: dict) -> dict | None:
    given = q.get("address")
    if given in (None, ""):
        return None
    if not isinstance(given, dict):
        raise StripeError(400, "Invalid object", code="parameter_invalid_object", param="address")
    return {k: given.get(k) for k in _ADDRESS}




def create_customer(sb, q: dict, created: int | None = None) -> dict[str, Any]:
    email = p.string(q, "email", max_length=512)
    if email and "@" not in email:
        raise StripeError(400, f"Invalid email address: {email}", code="email_invalid", param="email")
    customer = {"id": new_id("customer"), "object": "customer", "address": _address(q), "balance": 0,
                "created": created or sb.now(), "currency": None,  # set by the first invoice
                "default_source": None, "delinquent": False, "description": p.string(q, "description"),
                "discount": None, "email": email,
                "invoice_prefix": p.string(q, "invoice_prefix") or secrets.token_hex(4).upper(),
                "invoice_settings": {"custom_fields": None, "default_payment_method": None, "footer": None,
                                     "rendering_options": None},
                "livemode": False, "metadata": p.metadata(q), "name": p.string(q, "name", max_length=256),
                "next_invoice_sequence": 1, "phone": p.string(q, "phone"), "preferred_locales": [],
                "shipping": None, "tax_exempt": p.string(q, "tax_exempt", choices=("none", "exempt", "reverse")) or
                "none", "test_clock": None}
    sb.store["customer"].add(customer)
    sb.emit("customer.created", customer)
    return customer


def update_customer(sb, customer: dict, q: dict) -> dict[str, Any]:
    before: dict[str, Any] = {}
    changes: dict[str, Any] = {}
    for name in ("description", "email", "name", "phone"):
        if name in q:
            changes[name] = p.string(q, name)
    if "address" in q:
        changes["address"] = _address(q)
    if "metadata" in q:
        changes["metadata"] = p.metadata(q, customer["metadata"])
    for name, value in changes.items():
        if customer.get(name) != value:
            before[name] = customer.get(name)
            customer[name] = value
    if before:
        sb.emit("customer.updated", customer, before)
    return customer


def delete_customer(sb, customer: dict) -> dict[str, Any]:
    sb.store["customer"].remove(customer["id"])
    customer["_deleted"] = True
    sb.emit("customer.deleted", customer)
    return {"id": customer["id"], "object": "customer", "deleted": True}




def create_product(sb, q: dict, created: int | None = None) -> dict[str, Any]:
    now = created or sb.now()
    product = {"id": p.string(q, "id") or new_id("product"), "object": "product",
               "active": p.boolean(q, "active", default=True), "created": now, "default_price": None,
               "description": p.string(q, "description"), "images": [], "livemode": False, "marketing_features": [],
               "metadata": p.metadata(q), "name": p.string(q, "name", required=True), "package_dimensions": None,
               "shippable": None, "statement_descriptor": None, "tax_code": None, "type": "service",
               "unit_label": p.string(q, "unit_label"), "updated": now, "url": None}
    if product["id"] in sb.store["product"].objects:
        raise StripeError(400, "Product already exists.", code="resource_already_exists", param="id")
    sb.store["product"].add(product)
    sb.emit("product.created", product)
    data = q.get("default_price_data")
    if isinstance(data, dict):
        price = create_price(sb, {**data, "product": product["id"]}, now)
        product["default_price"] = price["id"]
    return product


def update_product(sb, product: dict, q: dict) -> dict[str, Any]:
    before = {}
    for name in ("name", "description", "unit_label"):
        if name in q and product.get(name) != q[name]:
            before[name], product[name] = product.get(name), p.string(q, name)
    if "active" in q:
        before["active"], product["active"] = product["active"], p.boolean(q, "active")
    if "metadata" in q:
        before["metadata"], product["metadata"] = product["metadata"], p.metadata(q, product["metadata"])
    if "default_price" in q:
        price = sb.store["price"].get(p.string(q, "default_price", required=True), "default_price")
        before["default_price"], product["default_price"] = product["default_price"], price["id"]
    if before:
        product["updated"] = sb.now()
        sb.emit("product.updated", product, before)
    return product




def create_price(sb, q: dict, created: int | None = None) -> dict[str, Any]:
    product = sb.store["product"].get(p.string(q, "product", required=True), "product")
    unit = p.integer(q, "unit_amount", minimum=0)
    if unit is None:
        decimal = p.string(q, "unit_amount_decimal")
        if decimal is None:
            raise StripeError(400, "Missing required param: unit_amount.", code="parameter_missing",
                              param="unit_amount")
        unit = int(float(decimal))
    recurring = q.get("recurring")
    if recurring is not None:
        if not isinstance(recurring, dict):
            raise StripeError(400, "Invalid object", param="recurring")
        interval = p.string(recurring, "interval", required=True, choices=("day", "week", "month", "year"))
        recurring = {"interval": interval, "interval_count": p.integer(recurring, "interval_count", default=1),
                     "meter": None, "trial_period_days": None, "usage_type": "licensed"}
    price = {"id": new_id("price"), "object": "price", "active": p.boolean(q, "active", default=True),
             "billing_scheme": "per_unit", "created": created or sb.now(),
             "currency": p.string(q, "currency", required=True).lower(), "custom_unit_amount": None,
             "livemode": False, "lookup_key": p.string(q, "lookup_key"), "metadata": p.metadata(q),
             "nickname": p.string(q, "nickname"), "product": product["id"], "recurring": recurring,
             "tax_behavior": "unspecified", "tiers_mode": None, "transform_quantity": None,
             "type": "recurring" if recurring else "one_time", "unit_amount": unit, "unit_amount_decimal": str(unit)}
    sb.store["price"].add(price)
    sb.emit("price.created", price)
    return price


def create_subscription(sb, q: dict, created: int | None = None) -> dict[str, Any]:
    customer = sb.store["customer"].get(p.string(q, "customer", required=True), "customer")
    items = q.get("items")
    if not isinstance(items, list) or not items:
        raise StripeError(400, "Missing required param: items.", code="parameter_missing", param="items")
    now = created or sb.now()
    # Stripe takes these moments only in the future (trial_end also as "now").
    cancel_at = p.future_timestamp(q, "cancel_at", now)
    if q.get("trial_end") != "now":
        p.future_timestamp(q, "trial_end", now)
    sub_id = new_id("subscription")
    rows = []
    for i, item in enumerate(items):
        price = sb.store["price"].get(p.string(item, "price", required=True), f"items[{i}][price]")
        if not price["recurring"]:
            raise StripeError(400, "The price specified is set to `type=one_time` but this field only accepts "
                                   "prices with `type=recurring`.", param=f"items[{i}][price]")
        span = {"day": 86400, "week": 7 * 86400, "month": 30 * 86400,
                "year": 365 * 86400}[price["recurring"]["interval"]]
        rows.append({"id": new_id("subscription_item"), "object": "subscription_item", "created": now,
                     "current_period_start": now, "current_period_end": now + span, "metadata": {},
                     "price": sb.render(price), "quantity": p.integer(item, "quantity", minimum=1, default=1),
                     "subscription": sub_id})
    subscription = {"id": sub_id, "object": "subscription", "cancel_at": cancel_at, "cancel_at_period_end": False,
                    "canceled_at": None, "collection_method": p.string(q,
                                                                       "collection_method") or "charge_automatically",
                    "created": now, "currency": rows[0]["price"]["currency"], "customer": customer["id"],
                    "days_until_due": p.integer(q, "days_until_due"), "description": p.string(q, "description"),
                    "ended_at": None,
                    "items": {"object": "list", "data": rows, "has_more": False,
                              "url": f"/v1/subscription_items?subscription={sub_id}"},
                    "latest_invoice": None, "livemode": False, "metadata": p.metadata(q), "start_date": now,
                    "status": "active"}
    sb.store["subscription"].add(subscription)
    sb.emit("customer.subscription.created", subscription)
    return subscription


def cancel_subscription(sb, subscription: dict) -> dict[str, Any]:
    if subscription["status"] == "canceled":
        raise StripeError(400, "This subscription has already been canceled.", param="subscription")
    before = {"status": subscription["status"]}
    subscription.update(status="canceled", canceled_at=sb.now(), ended_at=sb.now())
    sb.emit("customer.subscription.deleted", subscription, before)
    return subscription
