"""Outbound Messages: SOAP notifications POSTed to a listener when records change.

A message definition names an sObject, the fields to send and a delivery URL. Each create
or update of a matching record queues a Notification (with its own id); a background thread
sends up to 100 per message with the fields' values at send time, and keeps a notification
until the listener answers HTTP 200 with ``<Ack>true</Ack>``, retrying on a back-off
schedule (sandbox clock) for up to 24 hours. Salesforce signs nothing.
https://developer.salesforce.com/docs/platform/api/guide/sforce-api-om-outboundmessaging-wsdl.html
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass, field
from xml.sax.saxutils import escape

import requests

from revhub.sandbox.salesforce.values import format_datetime

MAX_PER_MESSAGE = 100
MAX_AGE_SECONDS = 24 * 3600
DEFAULT_BACKOFF = (15, 30, 60, 120, 240, 480, 960, 1920, 3840, 7200)
_ACK = re.compile(rb"<(?:\w+:)?Ack>\s*true\s*</(?:\w+:)?Ack>")


@dataclass
class MessageDefinition:
    action_id: str
    sobject: str
    fields: list[str]
    url: str
    on: tuple[str, ...] = ("created", "updated")
    include_session_id: bool = False   # "Send Session ID" on the message definition


@dataclass
class Notification:
    id: str
    action_id: str
    record_id: str
    first_queued: float
    next_attempt: float
    attempts: int = 0


@dataclass
class OutboundState:
    definitions: dict[str, MessageDefinition] = field(default_factory=dict)
    queue: list[Notification] = field(default_factory=list)
    deliveries: list[dict] = field(default_factory=list)   # one entry per POST attempt


class OutboundMessenger:
    """Queues notifications from store changes and delivers them from a daemon thread."""

    def __init__(self, sandbox, backoff: tuple[float, ...] = DEFAULT_BACKOFF,
                 verify: bool | str = True, timeout: float = 10.0) -> None:
        self.sandbox, self.backoff, self.verify, self.timeout = sandbox, backoff, verify, timeout
        self.state = OutboundState()
        self._lock = threading.Condition()
        self._thread: threading.Thread | None = None
        self._stopping = False
        sandbox.store.listeners.append(self._on_change)

    def define(self, sobject: str, fields: list[str], url: str,
               include_session_id: bool = False) -> MessageDefinition:
        definition = MessageDefinition(self.sandbox.ids.new("04k"), sobject, list(fields), url,
                                       include_session_id=include_session_id)
        with self._lock:
            self.state.definitions[definition.action_id] = definition
            self._ensure_thread()
        return definition

    def reset(self) -> None:
        with self._lock:
            self.state = OutboundState()

    def stop(self) -> None:
        with self._lock:
            self._stopping = True
            self._lock.notify_all()
        if self._thread is not None:
            self._thread.join(timeout=5)

    def pending(self) -> int:
        with self._lock:
            return len(self.state.queue)

    def _on_change(self, sobject: str, record_id: str, change: str) -> None:
        now = self.sandbox.clock.time()
        with self._lock:
            for definition in self.state.definitions.values():
                if definition.sobject == sobject and change in definition.on:
                    self.state.queue.append(Notification(self.sandbox.ids.new("04l"),
                                                         definition.action_id, record_id, now, now))
            self._lock.notify_all()

    def _ensure_thread(self) -> None:
        if self._thread is None or not self._thread.is_alive():
            self._stopping = False
            self._thread = threading.Thread(target=self._run, daemon=True,
                                            name="salesforce-outbound")
            self._thread.start()

    def _run(self) -> None:
        while True:
            with self._lock:
                if self._stopping:
                    return
                batch = self._due_batch()
                if batch is None:
                    # Short real-time waits: the sandbox clock may be moved forward by tests.
                    self._lock.wait(timeout=0.05)
                    continue
            definition, notifications = batch
            self._deliver(definition, notifications)

    def _due_batch(self):
        now = self.sandbox.clock.time()
        self.state.queue = [n for n in self.state.queue if now - n.first_queued <= MAX_AGE_SECONDS]
        due = [n for n in self.state.queue if n.next_attempt <= now]
        if not due:
            return None
        action = due[0].action_id
        definition = self.state.definitions.get(action)
        picked = [n for n in due if n.action_id == action][:MAX_PER_MESSAGE]
        if definition is None:
            for n in picked:
                self.state.queue.remove(n)
            return None
        for n in picked:
            # Parked while in flight so the loop does not pick them twice.
            n.next_attempt = float("inf")
        return definition, picked

    def _deliver(self, definition: MessageDefinition, notifications: list[Notification]) -> None:
        body = self.envelope(definition, notifications)
        status, acked, error = 0, False, None
        try:
            response = requests.post(definition.url, data=body, timeout=self.timeout,
                                     verify=self.verify,
                                     headers={"Content-Type": "text/xml; charset=utf-8",
                                              "SOAPAction": '""'})
            status = response.status_code
            acked = status == 200 and bool(_ACK.search(response.content))
        except requests.RequestException as exc:
            error = type(exc).__name__
        now = self.sandbox.clock.time()
        with self._lock:
            self.state.deliveries.append({"action_id": definition.action_id, "at": now,
                                          "notification_ids": [n.id for n in notifications],
                                          "status": status, "acked": acked, "error": error})
            for n in notifications:
                if acked:
                    if n in self.state.queue:
                        self.state.queue.remove(n)
                    continue
                n.attempts += 1
                n.next_attempt = now + self.backoff[min(n.attempts, len(self.backoff)) - 1]

    def envelope(self, definition: MessageDefinition, notifications: list[Notification]) -> bytes:
        """The SOAP envelope for ``notifications``, with each record's current values."""
        sandbox = self.sandbox
        org15 = sandbox.org_id[:15]
        base = sandbox.instance_url or "https://127.0.0.1"
        version = sandbox.outbound_version
        parts = ['<?xml version="1.0" encoding="UTF-8"?>',
                 '<soapenv:Envelope xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
                 'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
                 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">',
                 "<soapenv:Body>",
                 '<notifications xmlns="http://soap.sforce.com/2005/09/outbound">',
                 f"<OrganizationId>{sandbox.org_id}</OrganizationId>",
                 f"<ActionId>{definition.action_id}</ActionId>",
                 (f"<SessionId>{escape(sandbox.sessions.static_token)}</SessionId>"
                  if definition.include_session_id else '<SessionId xsi:nil="true"/>'),
                 f"<EnterpriseUrl>{escape(base)}/services/Soap/c/{version}/{org15}</EnterpriseUrl>",
                 f"<PartnerUrl>{escape(base)}/services/Soap/u/{version}/{org15}</PartnerUrl>"]
        with sandbox.store.lock:
            for n in notifications:
                record = sandbox.store.find(n.record_id)
                if record is None:
                    continue
                parts.append(f"<Notification><Id>{n.id}</Id>")
                parts.append(f'<sObject xsi:type="sf:{definition.sobject}" '
                             'xmlns:sf="urn:sobject.enterprise.soap.sforce.com">')
                parts.append(f"<sf:Id>{record['Id']}</sf:Id>")
                for name in definition.fields:
                    value = record.get(name)
                    if name == "Id" or value is None:
                        continue  # null fields are left out of the sObject
                    parts.append(f"<sf:{name}>{escape(_soap_value(value))}</sf:{name}>")
                parts.append("</sObject></Notification>")
        parts.append("</notifications></soapenv:Body></soapenv:Envelope>")
        return "".join(parts).encode("utf-8")


def _soap_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if hasattr(value, "hour"):
        return format_datetime(value).replace("+0000", "Z")
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return format(value, "f") if hasattr(value, "as_tuple") else str(value)
