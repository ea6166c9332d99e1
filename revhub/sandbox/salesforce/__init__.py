"""A local emulation of the Salesforce REST API for revhub's tests, demo and benchmarks."""

from revhub.sandbox.salesforce.sandbox import SalesforceSandbox

__all__ = ["SalesforceSandbox"]
