"""Payment intents, charges, refunds, balance transactions and payouts."""

from __future__ import annotations

from revhub.sandbox.stripe import currencies
from revhub.sandbox.stripe import params as p
from revhub.sandbox.stripe.errors import StripeError


def install(sb, route, listing) -> None:
    """Serve the money movements."""
    store = sb.store

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
        among = sb.balance.transactions_of(q["payout"]) if isinstance(q.get("payout"), str) else None
        return listing("balance_transaction", q, among=among)

    @route("/v1/balance_transactions/<tid>", ["GET"], "balance_transactions_get", "BalanceTransactionRetrieveParams")
    def balance_transactions_get(q, tid):
        return store["balance_transaction"].get(tid)

    @route("/v1/balance", ["GET"], "balance_get", "BalanceRetrieveParams")
    def balance_get(q):
        return sb.balance.summary()

    @route("/v1/payouts", ["GET"], "payouts_list", "PayoutListParams")
    def payouts_list(q):
        return listing("payout", q)

    @route("/v1/payouts/<pid>", ["GET"], "payouts_get", "PayoutRetrieveParams")
    def payouts_get(q, pid):
        return store["payout"].get(pid)
