"""Money movements: payment intents, charges and refunds, each with its balance transaction."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from typing import Any

from revhub.sandbox.stripe.balance import Balance
from revhub.sandbox.stripe.errors import StripeError
from revhub.sandbox.stripe.store import Store, new_id

DECLINED_METHODS = {"pm_card_chargeDeclined", "pm_card_visa_chargeDeclined"}


class Payments:
    def __init__(self, store: Store, now: Callable[[], int], emit: Callable[..., None], balance: Balance) -> None:
        self.store, self.now, self.emit, self.balance = store, now, emit, balance
        # Told of every charge made (the disputes, to open one for the disputing test card).
        self.after_charge: Callable[[dict[str, Any]], None] = lambda charge: None

    def intent(self, amount: int, currency: str, customer: str | None, *, description: str | None = None,
               metadata: dict | None = None, created: int | None = None, object_id: str | None = None
               ) -> dict[str, Any]:
        created = created or self.now()
        intent = {"id": object_id or new_id("payment_intent"), "object": "payment_intent", "amount": amount,
                  "amount_capturable": 0, "amount_details": {"tip": {}}, "amount_received": 0, "application": None,
                  "application_fee_amount": None, "automatic_payment_methods": None, "canceled_at": None,
                  "cancellation_reason": None, "capture_method": "automatic",
                  "client_secret": None, "confirmation_method": "automatic",
                  "created": created, "currency": currency, "customer": customer, "description": description,
                  "last_payment_error": None, "latest_charge": None, "livemode": False, "metadata": metadata or {},
                  "next_action": None, "on_behalf_of": None, "payment_method": None,
                  "payment_method_types": ["card"], "receipt_email": None, "setup_future_usage": None,
                  "shipping": None, "statement_descriptor": None, "status": "requires_payment_method"}
        intent["client_secret"] = f"{intent['id']}_secret_{secrets.token_hex(12)}"
        self.store["payment_intent"].add(intent)
        self.emit("payment_intent.created", intent)
        return intent

    def confirm(self, intent: dict[str, Any], payment_method: str | None, created: int | None = None) -> dict[str, Any]:
        if intent["status"] == "succeeded":
            raise StripeError(400, "This PaymentIntent's status is succeeded and it cannot be confirmed.",
                              code="payment_intent_unexpected_state", param="payment_method")
        method = payment_method or intent.get("payment_method")
        if not method:
            raise StripeError(400, "You cannot confirm this PaymentIntent because it's missing a payment method.",
                              code="payment_intent_unexpected_state")
        intent["payment_method"] = method
        created = created or self.now()
        charge = self._charge(intent, method, created)
        intent["latest_charge"] = charge["id"]
        if charge["status"] == "failed":
            intent["status"] = "requires_payment_method"
            intent["last_payment_error"] = {"code": "card_declined", "decline_code": "generic_decline",
                                            "message": "Your card was declined.", "type": "card_error"}
            self.emit("payment_intent.payment_failed", intent)
            raise StripeError(402, "Your card was declined.", code="card_declined", decline_code="generic_decline",
                              charge=charge["id"], payment_intent=intent)
        intent["status"], intent["amount_received"] = "succeeded", intent["amount"]
        self.emit("payment_intent.succeeded", intent)
        return intent

    def _charge(self, intent: dict[str, Any], method: str, created: int) -> dict[str, Any]:
        failed = method in DECLINED_METHODS
        charge = {"id": new_id("charge"), "object": "charge", "amount": intent["amount"],
                  "amount_captured": 0 if failed else intent["amount"], "amount_refunded": 0,
                  "application_fee": None, "balance_transaction": None,
                  "billing_details": {"address": None, "email": None, "name": None, "phone": None},
                  "captured": not failed, "created": created, "currency": intent["currency"],
                  "customer": intent["customer"], "description": intent["description"], "disputed": False,
                  "failure_code": "card_declined" if failed else None,
                  "failure_message": "Your card was declined." if failed else None, "livemode": False,
                  "metadata": dict(intent["metadata"]),
                  "outcome": {"network_status": "declined_by_network" if failed else "approved_by_network",
                              "reason": "generic_decline" if failed else None, "risk_level": "normal",
                              "seller_message": "The bank did not return any further details with this decline."
                              if failed else "Payment complete.",
                              "type": "issuer_declined" if failed else "authorized"},
                  "paid": not failed, "payment_intent": intent["id"], "payment_method": method,
                  "payment_method_details": {"card": {"brand": "visa", "country": "US", "exp_month": 12,
                                                      "exp_year": 2030, "funding": "credit", "last4": "4242"},
                                             "type": "card"},
                  "receipt_url": None, "refunded": False,
                  "refunds": {"object": "list", "data": [], "has_more": False, "url": "/v1/refunds"},
                  "status": "failed" if failed else "succeeded"}
        if not failed:
            txn = self.balance.record(charge["amount"], charge["currency"], charge["id"], "charge", created,
                                      charge_fee=True)
            charge["balance_transaction"] = txn["id"]
        self.store["charge"].add(charge)
        self.emit("charge.failed" if failed else "charge.succeeded", charge)
        self.after_charge(charge)
        return charge

    def refund(self, charge: dict[str, Any], amount: int | None, reason: str | None,
               metadata: dict | None = None, created: int | None = None, object_id: str | None = None
               ) -> dict[str, Any]:
        remaining = charge["amount_captured"] - charge["amount_refunded"]
        amount = remaining if amount is None else amount
        if charge["status"] != "succeeded":
            raise StripeError(400, f"Charge {charge['id']} has not succeeded and cannot be refunded.",
                              code="charge_not_refundable", param="charge")
        if charge["disputed"] and not self._refundable_in_dispute(charge):
            raise StripeError(400, f"Charge {charge['id']} has been charged back; cannot issue a refund.",
                              code="charge_disputed", param="charge")
        if amount <= 0 or amount > remaining:
            raise StripeError(400, f"Refund amount ({amount}) is greater than unrefunded amount on charge "
                                   f"({remaining})", code="amount_too_large", param="amount")
        created = created or self.now()
        refund = {"id": object_id or new_id("refund"), "object": "refund", "amount": amount,
                  "balance_transaction": None,
                  "charge": charge["id"], "created": created, "currency": charge["currency"],
                  "customer": charge["customer"], "destination_details": _card_destination(created),
                  "metadata": metadata or {}, "payment_intent": charge["payment_intent"],
                  "payment_method": charge["payment_method"],
                  "reason": reason, "receipt_number": None, "source_transfer_reversal": None,
                  "status": "succeeded", "transfer_reversal": None}
        txn = self.balance.record(-amount, charge["currency"], refund["id"], "refund", created)
        refund["balance_transaction"] = txn["id"]
        self.store["refund"].add(refund)
        before = {"amount_refunded": charge["amount_refunded"], "refunded": charge["refunded"]}
        charge["amount_refunded"] += amount
        charge["refunded"] = charge["amount_refunded"] >= charge["amount_captured"]
        charge["refunds"]["data"].insert(0, refund)
        self.emit("refund.created", refund)
        self.emit("charge.refunded", charge, before)
        return refund


    def _refundable_in_dispute(self, charge: dict[str, Any]) -> bool:
        return all(d["is_charge_refundable"] for d in self.store.all("dispute") if d["charge"] == charge["id"])


def _card_destination(created: int) -> dict[str, Any]:
    """Where a card refund goes: back to the card, traceable by the acquirer's reference number."""
    return {"type": "card", "card": {"reference": f"{created:d}{secrets.randbelow(10 ** 9):09d}"[:23],
                                     "reference_status": "available", "reference_type": "acquirer_reference_number",
                                     "type": "refund"}}
