"""Salesforce outbound messages: parse the SOAP notification, build the acknowledgement.

defusedxml refuses entity expansion and external references: the body comes from the network.
"""

from __future__ import annotations

from dataclasses import dataclass
from xml.etree.ElementTree import Element

from defusedxml import ElementTree
from defusedxml.common import DefusedXmlException

SOAP = "http://schemas.xmlsoap.org/soap/envelope/"
OUTBOUND = "http://soap.sforce.com/2005/09/outbound"
XSI = "http://www.w3.org/2001/XMLSchema-instance"

ACK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    f'<soapenv:Envelope xmlns:soapenv="{SOAP}"><soapenv:Body>'
    f'<notificationsResponse xmlns="{OUTBOUND}"><Ack>true</Ack></notificationsResponse>'
    "</soapenv:Body></soapenv:Envelope>"
)


class SoapError(ValueError):
    """The body is not a Salesforce outbound message."""


@dataclass(frozen=True)
class Notification:
    notification_id: str
    sobject: str
    record_id: str
    fields: dict[str, str]


@dataclass(frozen=True)
class OutboundMessage:
    organization_id: str
    action_id: str | None
    notifications: list[Notification]
    session_id: str | None = None        # sent when the message definition includes it
    enterprise_url: str | None = None
    partner_url: str | None = None


def fault(message: str, code: str = "soapenv:Client") -> str:
    """A SOAP fault envelope (Salesforce retries on anything but an Ack)."""
    safe = message.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    return (f'<?xml version="1.0" encoding="UTF-8"?><soapenv:Envelope xmlns:soapenv="{SOAP}">'
            f"<soapenv:Body><soapenv:Fault><faultcode>{code}</faultcode><faultstring>{safe}</faultstring>"
            "</soapenv:Fault></soapenv:Body></soapenv:Envelope>")


def _text(parent: Element, name: str) -> str | None:
    node = parent.find(f"{{{OUTBOUND}}}{name}")
    return node.text.strip() if node is not None and node.text else None


def parse(raw: bytes, max_notifications: int | None = None) -> OutboundMessage:
    """The notifications of an outbound message; ``SoapError`` for anything else, and for more
    than ``max_notifications`` of them (refused before any is read)."""
    try:
        root = ElementTree.fromstring(raw)
    except (ElementTree.ParseError, DefusedXmlException, ValueError) as exc:
        raise SoapError(f"not well-formed XML: {exc}") from None
    body = root.find(f"{{{SOAP}}}Body")
    notifications = body.find(f"{{{OUTBOUND}}}notifications") if body is not None else None
    if notifications is None:
        raise SoapError("no soapenv:Body/notifications element")
    organization = _text(notifications, "OrganizationId")
    if not organization:
        raise SoapError("OrganizationId is missing")
    nodes = notifications.findall(f"{{{OUTBOUND}}}Notification")
    if max_notifications is not None and len(nodes) > max_notifications:
        raise SoapError(f"more than {max_notifications} notifications in one message")
    items = []
    for node in nodes:
        notification_id = _text(node, "Id")
        sobject = node.find(f"{{{OUTBOUND}}}sObject")
        if not notification_id or sobject is None:
            raise SoapError("a Notification lacks its Id or sObject")
        kind = (sobject.get(f"{{{XSI}}}type") or "").split(":")[-1]
        fields = {child.tag.split("}")[-1]: (child.text or "") for child in sobject}
        if not kind or not fields.get("Id"):
            raise SoapError("an sObject lacks its xsi:type or Id")
        items.append(Notification(notification_id, kind, fields["Id"], fields))
    if not items:
        raise SoapError("the message holds no Notification")
    return OutboundMessage(organization, _text(notifications, "ActionId"), items,
                           _text(notifications, "SessionId"), _text(notifications, "EnterpriseUrl"),
                           _text(notifications, "PartnerUrl"))
