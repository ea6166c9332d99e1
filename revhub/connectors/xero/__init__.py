"""Xero: contacts, items, sales invoices, payments and credit notes."""

from revhub.connectors.xero.connector import XeroConnector

__all__ = ["XeroConnector"]
