"""Disputes (chargebacks) on card charges, as Stripe runs them for a standard account.

A dispute opens with the funds already withdrawn: one balance transaction of type
``adjustment`` (reporting category ``dispute``) for minus the disputed amount, carrying the
dispute fee, both in the settlement currency of the charge. The merchant may stage and
submit evidence (``POST /v1/disputes/:id``) or accept the loss (``/close``). A won dispute
gives the funds and the fee back in a second adjustment (``dispute_reversal``); a lost one
moves nothing more. Evidence not submitted by ``evidence_details.due_by`` loses the dispute.
https://docs.stripe.com/disputes/how-disputes-work, https://docs.stripe.com/api/disputes

Test mode as Stripe has it: a charge paid with ``pm_card_createDispute`` is disputed as
fraudulent at once, and submitted evidence whose ``uncategorized_text`` is
``winning_evidence`` or ``losing_evidence`` decides it (https://docs.stripe.com/testing#disputes).
The sandbox's own control (``/__sandbox/disputes``) opens one on any charge and decides it
at a moment on the sandbox clock.

Assumed, not read from Stripe: the fee is €20 (converted at the sandbox's fixed rates when the
charge settles in another currency) and is given back when the dispute is won.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from revhub.sandbox.stripe.balance import DAY, EUR_RATES, Balance, _round
from revhub.sandbox.stripe.currencies import exponent
from revhub.sandbox.stripe.errors import StripeError
from revhub.sandbox.stripe.store import Store, new_id

DISPUTE_FEE_EUR = Decimal("20.00")
RESPONSE_DAYS = 7
TEST_DISPUTE_METHOD = "pm_card_createDispute"
REASONS = ("bank_cannot_process", "check_returned", "credit_not_processed", "customer_initiated",
           "debit_not_authorized", "duplicate", "fraudulent", "general", "incorrect_account_details",
           "insufficient_funds", "noncompliant", "product_not_received", "product_unacceptable",
           "subscription_canceled", "unrecognized")
# Visa's reason codes for the reasons a card dispute most often carries.
_VISA_CODES = {"fraudulent": "10.4", "product_not_received": "13.1", "subscription_canceled": "13.2",
               "product_unacceptable": "13.3", "duplicate": "12.6.1", "credit_not_processed": "13.6",
               "general": "13.7"}
OPEN = ("needs_response", "warning_needs_response")
CLOSED = ("won", "lost", "warning_closed", "prevented")
EVIDENCE_FIELDS = (
    "access_activity_log", "billing_address", "cancellation_policy", "cancellation_policy_disclosure",
    "cancellation_rebuttal", "customer_communication", "customer_email_address", "customer_name",
    "customer_purchase_ip", "customer_signature", "duplicate_charge_documentation", "duplicate_charge_explanation",
    "duplicate_charge_id", "product_description", "receipt", "refund_policy", "refund_policy_disclosure",
    "refund_refusal_explanation", "service_date", "service_documentation", "shipping_address", "shipping_carrier",
    "shipping_date", "shipping_documentation", "shipping_tracking_number", "uncategorized_file",
    "uncategorized_text")
# Evidence fields that take the id of a file upload (the sandbox has no Files API).
FILE_FIELDS = ("cancellation_policy", "customer_communication", "customer_signature",
               "duplicate_charge_documentation", "receipt", "refund_policy", "service_documentation",
               "shipping_documentation", "uncategorized_file")


class Disputes:
    """The disputes of one account, their money movements and their clock."""

    def __init__(self, store: Store, now: Callable[[], int], emit: Callable[..., Any], balance: Balance) -> None:
        self.store, self.now, self.emit, self.balance = store, now, emit, balance
        self._decisions: dict[str, tuple[int, str]] = {}   # dispute id -> (when, outcome)
        self._to_open: list[str] = []                       # charges paid with the disputing test card

    def clear(self) -> None:
        self._decisions, self._to_open = {}, []

    def after_charge(self, charge: dict[str, Any]) -> None:
        """A charge paid with ``pm_card_createDispute`` is disputed right after (at the next tick)."""
        if charge["status"] == "succeeded" and charge.get("payment_method") == TEST_DISPUTE_METHOD:
            self._to_open.append(charge["id"])

    def open(self, charge: dict[str, Any], reason: str = "fraudulent", amount: int | None = None) -> dict[str, Any]:
        """A chargeback on ``charge``: the funds and the fee leave the balance at once."""
        if charge["status"] != "succeeded":
            raise StripeError(400, f"Charge {charge['id']} has not succeeded and cannot be disputed.", param="charge")
        if charge["disputed"]:
            raise StripeError(400, f"Charge {charge['id']} already has a dispute.", param="charge")
        if reason not in REASONS:
            raise StripeError(400, f"Invalid reason: must be one of {', '.join(REASONS)}", param="reason")
        amount = charge["amount_captured"] - charge["amount_refunded"] if amount is None else amount
        if amount <= 0 or amount > charge["amount_captured"] - charge["amount_refunded"]:
            raise StripeError(400, f"Dispute amount ({amount}) must be positive and at most what the charge "
                                   "kept.", param="amount")
        created = self.now()
        code = _VISA_CODES.get(reason)
        dispute = {"id": new_id("dispute"), "object": "dispute", "amount": amount, "balance_transactions": [],
                   "charge": charge["id"], "created": created, "currency": charge["currency"],
                   "enhanced_eligibility_types": [], "evidence": _empty_evidence(),
                   "evidence_details": {"due_by": (created // DAY + 1 + RESPONSE_DAYS) * DAY - 1,
                                        "enhanced_eligibility": {}, "has_evidence": False, "past_due": False,
                                        "submission_count": 0, "submission_method": "not_submitted"},
                   "intended_submission_method": None, "is_charge_refundable": False, "livemode": False,
                   "metadata": {}, "network_reason_code": code, "payment_intent": charge["payment_intent"],
                   "payment_method_details": {"card": {"brand": "visa", "case_type": "chargeback",
                                                       "network": "visa", "network_reason_code": code},
                                              "type": "card"},
                   "reason": reason, "status": "needs_response"}
        self.store["dispute"].add(dispute)
        charge["disputed"] = True
        self.emit("charge.dispute.created", dispute)
        self._move(dispute, -amount, "dispute", f"Chargeback withdrawal for {charge['id']}", created)
        self.emit("charge.dispute.funds_withdrawn", dispute)
        return dispute

    def update(self, dispute: dict[str, Any], evidence: dict[str, Any] | None, metadata: dict[str, str] | None,
               submit: bool) -> dict[str, Any]:
        """Stage evidence (and submit it, Stripe's default); metadata may change at any time."""
        if (evidence is not None or submit) and dispute["status"] not in OPEN:
            state = "closed" if dispute["status"] in CLOSED else "under review: its evidence was submitted"
            raise StripeError(400, f"This dispute is already {state} and its evidence can no longer be changed.",
                              param="evidence")
        before: dict[str, Any] = {}
        if metadata is not None and metadata != dispute["metadata"]:
            before["metadata"] = dict(dispute["metadata"])
            dispute["metadata"] = metadata
        if evidence is not None:
            _check_evidence(evidence)
            before["evidence"] = copy.deepcopy(dispute["evidence"])
            before.setdefault("evidence_details", copy.deepcopy(dispute["evidence_details"]))
            dispute["evidence"].update(evidence)
            dispute["evidence_details"]["has_evidence"] = True
        if submit:
            before.setdefault("evidence_details", copy.deepcopy(dispute["evidence_details"]))
            before["status"] = dispute["status"]
            details = dispute["evidence_details"]
            details["submission_count"] += 1
            details["submission_method"] = "manual"
            details["past_due"] = self.now() > details["due_by"]
            dispute["status"] = "under_review" if dispute["status"] == "needs_response" else "warning_under_review"
        if before:
            self.emit("charge.dispute.updated", dispute, before)
        text = dispute["evidence"].get("uncategorized_text") or ""
        if submit and text in ("winning_evidence", "losing_evidence"):
            self.decide(dispute, "won" if text == "winning_evidence" else "lost", self.now())
        return dispute

    def close(self, dispute: dict[str, Any]) -> dict[str, Any]:
        """Accept the dispute: it is lost (the funds withdrawn at its opening stay withdrawn)."""
        if dispute["status"] in CLOSED:
            raise StripeError(400, "This dispute is already closed.")
        if dispute["status"] not in OPEN:
            raise StripeError(400, "This dispute is under review: its evidence was submitted, so it can no "
                                   "longer be accepted.")
        self._finish(dispute, "warning_closed" if dispute["status"] == "warning_needs_response" else "lost")
        return dispute

    def decide(self, dispute: dict[str, Any], outcome: str, at: int) -> dict[str, Any]:
        """The network's decision, ``won`` or ``lost``, taking effect at ``at`` on the sandbox clock."""
        if dispute["status"] in CLOSED:
            raise StripeError(400, "This dispute is already closed.")
        if outcome not in ("won", "lost"):
            raise StripeError(400, "outcome must be won or lost", param="outcome")
        if at > self.now():
            self._decisions[dispute["id"]] = (at, outcome)
        else:
            self._finish(dispute, outcome)
        return dispute

    def settle(self, now: int) -> None:
        """The clock's work: test-card disputes to open, decisions that have come due, and
        responses past their due date."""
        opening, self._to_open = self._to_open, []
        for charge_id in opening:
            self.open(self.store["charge"].get(charge_id))
        for dispute_id, (at, outcome) in sorted(self._decisions.items(), key=lambda item: item[1][0]):
            if at <= now:
                del self._decisions[dispute_id]
                dispute = self.store["dispute"].get(dispute_id)
                if dispute["status"] not in CLOSED:
                    self._finish(dispute, outcome, at)
        for dispute in self.store.all("dispute"):
            if dispute["status"] == "needs_response" and dispute["evidence_details"]["due_by"] < now:
                self._finish(dispute, "lost", dispute["evidence_details"]["due_by"] + 1)

    def _finish(self, dispute: dict[str, Any], status: str, at: int | None = None) -> None:
        at = self.now() if at is None else at
        before = {"status": dispute["status"]}
        dispute["status"] = status
        self._decisions.pop(dispute["id"], None)
        self.emit("charge.dispute.closed", dispute, before, created=at)
        if status == "won":
            self._move(dispute, dispute["amount"], "dispute_reversal",
                       f"Chargeback reversal for {dispute['charge']}", at)
            self.emit("charge.dispute.funds_reinstated", dispute, created=at)

    def _move(self, dispute: dict[str, Any], amount: int, category: str, description: str, at: int) -> None:
        target, _ = self.balance.settlement(dispute["currency"])
        fee = self.fee(target)
        txn = self.balance.record(amount, dispute["currency"], dispute["id"], "adjustment", at,
                                  fixed_fee=fee if amount < 0 else -fee, category=category, description=description)
        dispute["balance_transactions"].append(txn)

    @staticmethod
    def fee(currency: str) -> int:
        """The dispute fee in ``currency`` minor units (€20 at the sandbox's fixed rates)."""
        rate = EUR_RATES.get(currency, Decimal(1))
        return _round(DISPUTE_FEE_EUR / rate * 10 ** exponent(currency))


def _empty_evidence() -> dict[str, Any]:
    evidence: dict[str, Any] = {name: None for name in EVIDENCE_FIELDS}
    evidence.update({"appeal": None, "enhanced_evidence": {}})
    return evidence


def _check_evidence(evidence: dict[str, Any]) -> None:
    for name in FILE_FIELDS:
        if evidence.get(name):
            raise StripeError(400, f"No such file upload: '{evidence[name]}'", code="resource_missing",
                              param=f"evidence[{name}]")
    if sum(len(str(v)) for v in evidence.values() if isinstance(v, str)) > 150_000:
        raise StripeError(400, "The combined character count of all evidence fields is limited to 150,000.",
                          param="evidence")
