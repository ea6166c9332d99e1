"""``GET /v1/account``: the sandbox's own Stripe account (a Dutch company settling in EUR)."""

from __future__ import annotations

from typing import Any

ACCOUNT_ID = "acct_1RevhubSandbox0"


def account(created: int, default_currency: str, settlement_currencies: set[str]) -> dict[str, Any]:
    """The account object, with one bank account per settlement currency and daily payouts."""
    banks = [{"id": f"ba_sandbox_{c}", "object": "bank_account", "account": ACCOUNT_ID, "bank_name": "SANDBOX BANK",
              "country": "NL", "currency": c, "default_for_currency": True, "last4": "4300", "status": "new"}
             for c in sorted(settlement_currencies)]
    nothing_due = {"alternatives": [], "current_deadline": None, "currently_due": [], "disabled_reason": None,
                   "errors": [], "eventually_due": [], "past_due": [], "pending_verification": []}
    return {"id": ACCOUNT_ID, "object": "account",
            "business_profile": {"mcc": "5734", "name": "revhub sandbox", "support_email": None, "url": None},
            "business_type": "company", "capabilities": {"card_payments": "active", "transfers": "active"},
            "charges_enabled": True, "company": {"name": "revhub sandbox B.V.", "tax_id_provided": True},
            "controller": {"type": "account"}, "country": "NL", "created": created,
            "default_currency": default_currency, "details_submitted": True, "email": "finance@sandbox.example",
            "external_accounts": {"object": "list", "data": banks, "has_more": False, "total_count": len(banks),
                                  "url": f"/v1/accounts/{ACCOUNT_ID}/external_accounts"},
            "future_requirements": dict(nothing_due), "groups": None, "metadata": {}, "payouts_enabled": True,
            "requirements": dict(nothing_due),
            "settings": {"dashboard": {"display_name": "revhub sandbox", "timezone": "Europe/Amsterdam"},
                         "payouts": {"debit_negative_balances": True, "statement_descriptor": None,
                                     "schedule": {"delay_days": 2, "interval": "daily"}}},
            "tos_acceptance": {"date": created}, "type": "standard"}
