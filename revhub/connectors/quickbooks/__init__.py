"""QuickBooks Online: python-quickbooks with Intuit's intuit-oauth."""

from revhub.connectors.quickbooks.connector import QuickBooksConnector

__all__ = ["QuickBooksConnector"]
