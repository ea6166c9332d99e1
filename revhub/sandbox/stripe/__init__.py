"""The Stripe sandbox."""

from revhub.sandbox.stripe.sandbox import API_VERSION, DEFAULT_API_KEY, StripeSandbox
from revhub.sandbox.stripe.webhooks import sign_payload

__all__ = ["API_VERSION", "DEFAULT_API_KEY", "StripeSandbox", "sign_payload"]
