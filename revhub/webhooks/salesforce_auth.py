"""Who may send a connection's Salesforce outbound messages. Pure functions.

Outbound messages carry no signature, and the organisation id in them is not a secret. So
each connection's endpoint URL carries a secret of its own (``/webhooks/salesforce/<name>/<secret>``,
the ``outbound_secret`` credential, compared in constant time); the organisation id must
match; and, where the connection's settings ask for them:

* ``outbound_require_session``: the message must include a session id of that org (its first
  15 characters are the org id, then ``!``) and its EnterpriseUrl/PartnerUrl must be on the
  connection's ``instance_url`` host (the message definition must have "Send Session ID" on);
* ``outbound_allowed_ips``: the sender's address must be in one of these networks. Keeping
  the list in step with Salesforce's published ranges is the admin's job (Salesforce
  publishes them in its help article "Salesforce IP Addresses and Domains to Allow"); behind
  a proxy, the app must see the client address (e.g. werkzeug's ProxyFix);
* ``outbound_max_notifications``: more notifications than this in one message are refused
  (default and most 100: "A single SOAP message can include up to 100 notifications",
  https://developer.salesforce.com/docs/atlas.en-us.api.meta/api/sforce_api_om_outboundmessaging_notifications.htm).
https://developer.salesforce.com/docs/platform/api/guide/sforce-api-om-outboundmessaging-wsdl.html
"""

from __future__ import annotations

import hmac
import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

from revhub.webhooks.soap import OutboundMessage

MAX_NOTIFICATIONS = 100


@dataclass(frozen=True)
class OutboundPolicy:
    """A connection's rules for accepting outbound messages (from its settings)."""

    organization_id: str | None
    require_session: bool = False
    instance_host: str | None = None
    allowed_networks: tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...] = ()
    max_notifications: int = MAX_NOTIFICATIONS


def _networks(value: Any) -> tuple:
    items = value.split(",") if isinstance(value, str) else list(value or [])
    return tuple(ipaddress.ip_network(str(item).strip(), strict=False) for item in items if str(item).strip())


def policy_from(settings: dict[str, Any]) -> OutboundPolicy:
    """The policy a connection's settings declare (a malformed allow-list raises ValueError)."""
    require = settings.get("outbound_require_session", False)
    return OutboundPolicy(
        organization_id=settings.get("organization_id"),
        require_session=require is True or str(require).lower() in ("1", "true", "yes"),
        instance_host=urlsplit(settings.get("instance_url") or "").hostname,
        allowed_networks=_networks(settings.get("outbound_allowed_ips")),
        max_notifications=_cap(settings.get("outbound_max_notifications", MAX_NOTIFICATIONS)))


def _cap(value: Any) -> int:
    # Lower is the admin's choice; higher would only let a forged message carry more, since
    # Salesforce never puts more than 100 notifications in one message.
    cap = int(value)
    if cap < 1:
        raise ValueError("outbound_max_notifications must be at least 1")
    return min(cap, MAX_NOTIFICATIONS)


def secret_valid(given: str, secrets: Iterable[str]) -> bool:
    """The URL's secret against each of the connection's, in constant time (no early exit)."""
    candidate = given.encode("utf-8", "replace")
    matched = False
    for secret in secrets:
        matched |= hmac.compare_digest(candidate, secret.encode("utf-8", "replace"))
    return matched


def address_allowed(address: str | None, policy: OutboundPolicy) -> bool:
    """True without an allow-list; otherwise the sender must be inside one of its networks."""
    if not policy.allowed_networks:
        return True
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return False
    return any(ip in network for network in policy.allowed_networks)


def same_org(a: str | None, b: str | None) -> bool:
    """15- and 18-character forms of one id share their first 15 characters."""
    return bool(a and b) and hmac.compare_digest(a[:15].encode(), b[:15].encode())


def session_valid(message: OutboundMessage, policy: OutboundPolicy) -> bool:
    """The message's SessionId and API URLs, where the connection asks for them."""
    if not policy.require_session:
        return True
    session_id = message.session_id or ""
    org, bang, _rest = session_id.partition("!")
    if not bang or not same_org(org, policy.organization_id):
        return False
    hosts = {urlsplit(url or "").hostname for url in (message.enterprise_url, message.partner_url)}
    return policy.instance_host is not None and hosts == {policy.instance_host}


def refusal(message: OutboundMessage, policy: OutboundPolicy) -> tuple[int, str] | None:
    """(status, reason) when the message must be refused, else None."""
    if len(message.notifications) > policy.max_notifications:
        return 400, f"more than {policy.max_notifications} notifications in one message"
    if not policy.organization_id or not same_org(message.organization_id, policy.organization_id):
        return 401, "organization id does not match this connection"
    if not session_valid(message, policy):
        return 401, "session id or API URL does not belong to this connection's org"
    return None
