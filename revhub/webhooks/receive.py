"""Webhook endpoints: verify on the raw bytes, store in the inbox, acknowledge. Nothing else.

Bad signatures are 401 for every provider (Stripe only needs a non-2xx; Xero's
intent-to-receive requires exactly 401). Malformed bodies are 400, oversized ones 413,
unknown connections 404 — each with a short JSON body (a SOAP fault for Salesforce), and
none of them stores anything.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request
from flask.typing import ResponseReturnValue

from revhub.web_json import BodyError, parse_json
from revhub.webhooks import salesforce_auth, soap
from revhub.webhooks.endpoints import Endpoint, EndpointDirectory
from revhub.webhooks.hubspot_events import hubspot_incoming
from revhub.webhooks.inbox import InboxUnavailable, IncomingEvent, store
from revhub.webhooks.verify import (
    hubspot_signature_valid,
    intuit_signature_valid,
    stripe_signature_valid,
    xero_signature_valid,
)

webhooks = Blueprint("webhooks", __name__, url_prefix="/webhooks")
RETRY_AFTER_SECONDS = "30"


def _directory() -> EndpointDirectory:
    return current_app.extensions["revhub.webhook_endpoints"]


def _engine():
    return current_app.extensions["revhub.db"].inbox_engine


# The two Stripe acknowledgements, serialized once (this is every delivery's answer).
_STRIPE_ACK = {duplicate: json.dumps({"received": True, "duplicate": duplicate}).encode() for duplicate in (False,
                                                                                                            True)}


def _problem(status: int, message: str) -> tuple[Response, int]:
    return jsonify(error=message), status


def _not_stored(exc: InboxUnavailable) -> None:
    # One line per refused delivery: a full or read-only store refuses thousands of them, and
    # the cause is the same each time (no traceback: this is the store's state, not our bug).
    current_app.logger.error("webhook %s not stored, answered 503: %s", path_without_secret(), exc)


def path_without_secret() -> str:
    # A Salesforce endpoint's last segment is its secret: it stays out of the logs.
    args = request.view_args or {}
    return request.path.removesuffix(f"/{args['secret']}") if args.get("secret") else request.path


def _unavailable(exc: InboxUnavailable) -> tuple[Response, int]:
    # Not acknowledged, so the provider delivers the event again; a 500 would say "our bug".
    _not_stored(exc)
    response, status = _problem(503, "the event could not be stored; deliver it again")
    response.headers["Retry-After"] = RETRY_AFTER_SECONDS
    return response, status


def _endpoint(provider: str, name: str) -> Endpoint | None:
    return _directory().get(provider, name)


# What a payload converter raises on a body of the wrong shape (a BodyError is answered before).
_NOT_A_PAYLOAD = (ValueError, KeyError, TypeError, AttributeError)
_LABELS = {"stripe": "Stripe", "xero": "Xero", "hubspot": "HubSpot", "quickbooks": "QuickBooks"}


def _verify_parse_store(provider: str, name: str, *, signed: Callable[[bytes, Endpoint], bool],
                        refused: Callable[[], ResponseReturnValue],
                        to_events: Callable[[bytes, Any, Endpoint], list[IncomingEvent]], not_a_payload: str,
                        answer: Callable[[int], ResponseReturnValue]) -> ResponseReturnValue:
    """The shape every JSON webhook shares: 404 for an unknown connection, ``refused()`` for a bad
    signature, 400/413 for a body that is not JSON or not the provider's payload, 503 when the
    inbox cannot store it, else ``answer(how many events were new)``. Nothing is stored on a refusal.
    """
    endpoint = _endpoint(provider, name)
    if endpoint is None:
        return _problem(404, f"no {_LABELS[provider]} connection named {name!r}")
    raw = request.get_data(cache=False)
    if not signed(raw, endpoint):
        return refused()
    try:
        payload = parse_json(raw)
    except BodyError as exc:
        return _problem(exc.status, exc.message)
    try:
        incoming = to_events(raw, payload, endpoint)
    except _NOT_A_PAYLOAD:
        return _problem(400, not_a_payload)
    try:
        new = store(_engine(), provider, endpoint.connection_id, incoming)
    except InboxUnavailable as exc:
        return _unavailable(exc)
    return answer(new)


@webhooks.post("/stripe/<name>")
def stripe_event(name: str):
    return _verify_parse_store(
        "stripe", name,
        signed=lambda raw, endpoint: stripe_signature_valid(raw, request.headers.get("Stripe-Signature"),
                                                            endpoint.secrets),
        refused=lambda: _problem(401, "invalid or missing Stripe-Signature"),
        to_events=_stripe_incoming, not_a_payload="body is not a Stripe event (id and type required)",
        answer=lambda new: Response(_STRIPE_ACK[not new], status=200, mimetype="application/json"))


def _stripe_incoming(raw: bytes, event: Any, _endpoint: Endpoint) -> list[IncomingEvent]:
    if not isinstance(event, dict) or not isinstance(event.get("id"), str) or not isinstance(event.get("type"), str):
        raise TypeError("a Stripe event has a string id and type")
    return [IncomingEvent(event["id"], event["type"], raw)]  # stored as signed


@webhooks.post("/xero/<name>")
def xero_event(name: str):
    return _verify_parse_store(
        "xero", name,
        signed=lambda raw, endpoint: xero_signature_valid(raw, request.headers.get("x-xero-signature"),
                                                          endpoint.secrets[0] if endpoint.secrets else ""),
        refused=lambda: Response(status=401),  # Xero's intent-to-receive expects an empty 401
        to_events=_xero_events, not_a_payload="body is not a Xero webhook payload",
        answer=lambda _new: Response(status=200))  # Xero wants an empty body


def _xero_events(_raw: bytes, payload: Any, _endpoint: Endpoint) -> list[IncomingEvent]:
    events = payload["events"]
    if not isinstance(events, list):
        raise TypeError("Xero's events are a list")
    return [_xero_incoming(e) for e in events]


def _xero_incoming(event: dict) -> IncomingEvent:
    parts = [str(event[k]) for k in ("tenantId", "eventCategory", "resourceId", "eventDateUtc", "eventType")]
    # Xero events carry no id of their own; this tuple is what a redelivery repeats.
    event_id = hashlib.sha256("|".join(parts).encode()).hexdigest()
    body = json.dumps(event, sort_keys=True).encode()
    return IncomingEvent(event_id, f"{event['eventCategory']}.{event['eventType']}", body)


@webhooks.post("/hubspot/<name>")
def hubspot_events(name: str):
    return _verify_parse_store(
        "hubspot", name, signed=_hubspot_signed,
        refused=lambda: _problem(401, "invalid, missing or expired X-HubSpot-Signature-v3"),
        to_events=lambda _raw, payload, _endpoint: hubspot_incoming(payload),
        not_a_payload="body is not a HubSpot webhook payload (a list of events)",
        answer=lambda _new: Response(status=204))


def _hubspot_signed(raw: bytes, endpoint: Endpoint) -> bool:
    # HubSpot signs the URL it called; behind a proxy that is the connection's public webhook_url.
    uri = endpoint.settings.get("webhook_url") or request.url
    return any(hubspot_signature_valid(request.method, uri, raw, request.headers.get("X-HubSpot-Signature-v3"),
                                       request.headers.get("X-HubSpot-Request-Timestamp"), secret)
               for secret in endpoint.secrets)


@webhooks.post("/quickbooks/<name>")
def quickbooks_event(name: str):
    return _verify_parse_store(
        "quickbooks", name,
        signed=lambda raw, endpoint: intuit_signature_valid(raw, request.headers.get("intuit-signature"),
                                                            endpoint.secrets[0] if endpoint.secrets else ""),
        refused=lambda: _problem(401, "invalid or missing intuit-signature"),
        to_events=lambda _raw, payload, endpoint: _quickbooks_incoming(
            payload, str(endpoint.settings.get("realm_id", ""))),
        not_a_payload="body is not a QuickBooks webhook payload (eventNotifications)",
        answer=lambda _new: Response(status=200))


# CloudEvents ``type`` verbs → the operations of the legacy envelope.
_QBO_OPERATIONS = {"created": "Create", "updated": "Update", "deleted": "Delete", "voided": "Void",
                   "merged": "Merge", "emailed": "Emailed"}
_QBO_NAMES = {"creditmemo": "CreditMemo", "refundreceipt": "RefundReceipt", "salesreceipt": "SalesReceipt",
              "journalentry": "JournalEntry"}


def _quickbooks_incoming(payload: dict | list, realm_id: str) -> list[IncomingEvent]:
    """One inbox event per changed entity of this connection's realm (others are not ours).

    Intuit sends CloudEvents (a JSON array, ``type`` like ``qbo.invoice.updated.v1``; mandatory
    since mid-2026) or, from apps not yet switched, the legacy ``eventNotifications`` envelope;
    both are stored in one shape. https://blogs.intuit.com/2025/11/12/upcoming-change-to-webhooks-payload-structure
    """
    if isinstance(payload, list):
        return [_quickbooks_cloudevent(event) for event in payload if str(event["intuitaccountid"]) == realm_id]
    incoming = []
    for notification in payload["eventNotifications"]:
        realm = str(notification["realmId"])
        if realm != realm_id:
            continue
        for entity in notification["dataChangeEvent"]["entities"]:
            event = {"realmId": realm, **{k: str(entity[k]) for k in ("name", "id", "operation", "lastUpdated")}}
            # QBO notifications carry no id; this tuple is what a redelivery repeats.
            event_id = hashlib.sha256("|".join(event.values()).encode()).hexdigest()
            incoming.append(IncomingEvent(event_id, f"{event['name']}.{event['operation']}",
                                          json.dumps(event, sort_keys=True).encode()))
    return incoming


def _quickbooks_cloudevent(event: dict) -> IncomingEvent:
    _, entity, verb, _ = str(event["type"]).split(".", 3)
    name = _QBO_NAMES.get(entity, entity[:1].upper() + entity[1:])
    body = {"realmId": str(event["intuitaccountid"]), "name": name, "id": str(event["intuitentityid"]),
            "operation": _QBO_OPERATIONS.get(verb, verb.title()), "lastUpdated": str(event["time"])}
    return IncomingEvent(str(event["id"]), f"{name}.{body['operation']}", json.dumps(body, sort_keys=True).encode())


@webhooks.post("/salesforce/<name>")
def salesforce_without_secret(name: str):
    # The organisation id alone is no proof: the URL must carry the connection's secret.
    return _soap(soap.fault("this endpoint needs the connection's secret: /webhooks/salesforce/<name>/<secret>"),
                 401)


@webhooks.post("/salesforce/<name>/<secret>")
def salesforce_message(name: str, secret: str):
    endpoint = _endpoint("salesforce", name)
    if endpoint is None:
        return _soap(soap.fault(f"no Salesforce connection named {name}"), 404)
    if not salesforce_auth.secret_valid(secret, endpoint.secrets):
        return _soap(soap.fault("the URL's secret does not match this connection"), 401)
    try:
        policy = salesforce_auth.policy_from(endpoint.settings)
    except ValueError as exc:
        current_app.logger.error("Salesforce connection %s has malformed outbound settings: %s", name, exc)
        return _soap(soap.fault("this connection's settings are malformed"), 403)
    if not salesforce_auth.address_allowed(request.remote_addr, policy):
        return _soap(soap.fault("sender address not allowed for this connection"), 403)
    raw = request.get_data(cache=False)
    try:
        message = soap.parse(raw, max_notifications=policy.max_notifications)
    except soap.SoapError as exc:
        return _soap(soap.fault(str(exc)), 400)
    refused = salesforce_auth.refusal(message, policy)
    if refused:
        return _soap(soap.fault(refused[1]), refused[0])
    incoming = [IncomingEvent(n.notification_id, n.sobject,
                              json.dumps({"sobject": n.sobject, "id": n.record_id, "fields": n.fields,
                                          "organization_id": message.organization_id}).encode())
                for n in message.notifications]
    try:
        store(_engine(), "salesforce", endpoint.connection_id, incoming)
    except InboxUnavailable as exc:
        _not_stored(exc)
        response = _soap(soap.fault("events could not be stored; send them again", "soapenv:Server"), 503)
        response.headers["Retry-After"] = RETRY_AFTER_SECONDS
        return response
    return _soap(soap.ACK, 200)


def _soap(body: str, status: int) -> Response:
    return Response(body, status=status, content_type="text/xml; charset=utf-8")
