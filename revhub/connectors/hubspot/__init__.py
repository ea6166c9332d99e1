"""HubSpot: companies, contacts, and deals carrying the purchase order (with their line items)."""

from revhub.connectors.hubspot.connector import HubSpotConnector

__all__ = ["HubSpotConnector"]
