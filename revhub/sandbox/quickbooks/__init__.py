"""A local QuickBooks Online (Accounting API v3 + Intuit OAuth) for the hub and its tests."""

from revhub.sandbox.quickbooks.sandbox import QuickBooksSandbox

__all__ = ["QuickBooksSandbox"]
