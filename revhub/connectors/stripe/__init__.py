"""Stripe: customers, products, invoices, payments (charges with fees), refunds, subscriptions."""

from revhub.connectors.stripe.connector import StripeConnector

__all__ = ["StripeConnector"]
