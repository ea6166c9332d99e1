"""Salesforce: accounts, contacts, products and purchase orders (``Purchase_Order__c``)."""

from revhub.connectors.salesforce.connector import SalesforceConnector

__all__ = ["SalesforceConnector"]
