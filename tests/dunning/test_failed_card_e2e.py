"""A declined card on a Stripe invoice: the sandbox's signed `invoice.payment_failed` delivery
reaches the hub's inbox over real HTTP, and the "update your payment method" mail goes out once,
with the hosted invoice link."""

from __future__ import annotations

from datetime import timedelta

import pytest
import stripe
from sqlalchemy import select

from revhub.dunning import payment_failed
from revhub.dunning.sender import send_planned
from revhub.mail import send
from revhub.store import Invoice, Link, utcnow
from revhub.webhooks.worker import InboxWorker
from tests.integration.clients import wait_for
from tests.integration.conftest import sandboxes, vault  # noqa: F401  (fixtures)
from tests.integration.test_webhooks_e2e import first_sync, hub, inbox, register_stripe_endpoint, stripe_client  # noqa: F401

pytestmark = pytest.mark.store


def test_a_declined_card_asks_for_a_new_payment_method_once(db, vault, sandboxes, hub, smtp_server):  # noqa: F811
    running = sandboxes("stripe", companies=4)
    first_sync(db, vault, "stripe")
    register_stripe_endpoint(db, vault, running["stripe"], hub)
    with db.session() as s:
        stripe_id, number = s.execute(
            select(Link.external_id, Invoice.number).join(Invoice, Invoice.id == Link.canonical_id)
            .where(Link.entity == "invoice", Link.system == "stripe", Invoice.status == "open",
                   Invoice.hosted_invoice_url.is_not(None)).limit(1)).one()
    with pytest.raises(stripe.CardError):
        stripe_client(running["stripe"]).v1.invoices.pay(stripe_id, params={"payment_method": "pm_card_chargeDeclined"})
    wait_for(lambda: [e for e in inbox(db, "stripe") if e.event_type == "invoice.payment_failed"],
             "the invoice.payment_failed delivery")
    InboxWorker(db, vault, "e2e").drain()  # not a canonical change: the event stays in the inbox as received
    now = utcnow() + timedelta(seconds=1)
    with db.session() as s:
        [item] = payment_failed.plan(s, now)
    assert (item.action, item.step) == ("send", "payment_failed:1"), item.reason
    send_planned(db, [item], send)
    with db.session() as s:
        assert payment_failed.plan(s, now) == []
    [mail] = smtp_server.received()
    assert mail.subject == f"Payment of invoice {number} failed: please update your payment method"
    assert f"test_{stripe_id}" in mail.body_text()
