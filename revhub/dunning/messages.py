"""A reminder's e-mail: the template of its tone in the customer's language (nl or en),
filled with the customer's name, the PO and invoice numbers, the balance and the payment link."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from email.message import EmailMessage

from jinja2 import Environment, PackageLoader, StrictUndefined

from revhub.money import exponent, to_decimal

LANGUAGES = ("en", "nl")
_env = Environment(loader=PackageLoader("revhub.dunning", "templates"), undefined=StrictUndefined,
                   keep_trailing_newline=True, autoescape=False)  # plain text mail: nothing is HTML


@dataclass(frozen=True)
class ReminderFacts:
    customer_name: str
    recipient: str
    invoice_number: str
    po_number: str | None
    amount_due_minor: int
    currency: str
    due_date: date
    pay_url: str | None
    language: str = "en"


def language_of(customer: object) -> str:
    """The customer's language (``Customer.language`` where the portal keeps it), else English."""
    wanted = (getattr(customer, "language", None) or "en").strip().lower()[:2]
    return wanted if wanted in LANGUAGES else "en"


def format_amount(minor: int, currency: str, language: str) -> str:
    """``EUR 1,234.50`` in English, ``EUR 1.234,50`` in Dutch; the currency's own decimals."""
    places = exponent(currency)
    text = f"{to_decimal(minor, currency):,.{places}f}" if places else f"{Decimal(minor):,}"
    if language == "nl":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return f"{currency.upper()} {text}"


def format_date(day: date, language: str) -> str:
    months = {"en": ("January", "February", "March", "April", "May", "June", "July", "August", "September",
                     "October", "November", "December"),
              "nl": ("januari", "februari", "maart", "april", "mei", "juni", "juli", "augustus", "september",
                     "oktober", "november", "december")}[language]
    return f"{day.day} {months[day.month - 1]} {day.year}"


def compose(facts: ReminderFacts, tone: str, *, message_id: str | None = None) -> EmailMessage:
    """The e-mail of ``tone`` (friendly, due, reminder, escalation, final, payment_failed)."""
    language = facts.language if facts.language in LANGUAGES else "en"
    rendered = _env.get_template(f"{language}/{tone}.txt").render(
        customer=facts.customer_name, invoice=facts.invoice_number, po=facts.po_number,
        amount=format_amount(facts.amount_due_minor, facts.currency, language),
        due=format_date(facts.due_date, language), pay_url=facts.pay_url)
    subject, _, body = rendered.partition("\n\n")
    message = EmailMessage()
    message["To"] = facts.recipient
    message["Subject"] = subject.removeprefix("Subject: ").strip()
    if message_id:
        message["Message-ID"] = message_id
    message.set_content(body)
    message["Content-Language"] = language  # after set_content, which replaces the Content-* headers
    return message
