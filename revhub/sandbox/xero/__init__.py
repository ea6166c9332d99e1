"""Local Xero sandbox (Identity + Accounting API) for xero-python and plain HTTP clients."""

from revhub.sandbox.xero.sandbox import (
    DEFAULT_CLIENT_ID,
    DEFAULT_CLIENT_SECRET,
    DEFAULT_TENANT_ID,
    XeroSandbox,
)
from revhub.sandbox.xero.webhooks import sign_payload

__all__ = [
    "XeroSandbox",
    "sign_payload",
    "DEFAULT_CLIENT_ID",
    "DEFAULT_CLIENT_SECRET",
    "DEFAULT_TENANT_ID",
]
