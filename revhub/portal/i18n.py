"""The portal's words in English and Dutch. A missing Dutch text falls back to English, so a new
label never shows as a key."""

from __future__ import annotations

import re

LANGUAGES = {"en": "English", "nl": "Nederlands"}
DEFAULT = "en"

TEXTS: dict[str, dict[str, str]] = {
    "title": {"en": "Submit a purchase order", "nl": "Inkooporder indienen"},
    "supplier": {"en": "Supplier", "nl": "Leverancier"},
    "buyer": {"en": "Your company", "nl": "Uw bedrijf"},
    "company": {"en": "Company", "nl": "Bedrijf"},
    "ap_email": {"en": "Accounts payable e-mail", "nl": "E-mail crediteurenadministratie"},
    "billing_address": {"en": "Billing address", "nl": "Factuuradres"},
    "vat_number": {"en": "VAT number", "nl": "Btw-nummer"},
    "postal_code": {"en": "Postal code", "nl": "Postcode"},
    "city": {"en": "City", "nl": "Plaats"},
    "country": {"en": "Country (two letters, e.g. NL)", "nl": "Land (twee letters, bijv. NL)"},
    "none": {"en": "none on file", "nl": "niet bekend"},
    "order": {"en": "Purchase order", "nl": "Inkooporder"},
    "po_number": {"en": "Your PO number", "nl": "Uw inkoopordernummer"},
    "issue_date": {"en": "Issue date", "nl": "Datum"},
    "currency": {"en": "Currency", "nl": "Valuta"},
    "payment_terms": {"en": "Payment terms", "nl": "Betalingstermijn"},
    "subscription_start": {"en": "Subscription start", "nl": "Begin abonnement"},
    "subscription_end": {"en": "Subscription end", "nl": "Einde abonnement"},
    "lines": {"en": "Lines", "nl": "Regels"},
    "line": {"en": "Line", "nl": "Regel"},
    "product": {"en": "Product", "nl": "Product"},
    "choose": {"en": "— choose —", "nl": "— kies —"},
    "description": {"en": "Description", "nl": "Omschrijving"},
    "quantity": {"en": "Licences", "nl": "Licenties"},
    "unit_price": {"en": "Unit price", "nl": "Prijs per stuk"},
    "tax_code": {"en": "Tax code", "nl": "Btw-code"},
    "no_tax": {"en": "no VAT", "nl": "geen btw"},
    "add_line": {"en": "Add a line", "nl": "Regel toevoegen"},
    "total": {"en": "Total (VAT included)", "nl": "Totaal (incl. btw)"},
    "document": {"en": "PO document (PDF, PNG or JPEG)", "nl": "Inkooporder-document (PDF, PNG of JPEG)"},
    "document_again": {"en": "Please choose the file again: browsers do not keep it after an error.",
                       "nl": "Kies het bestand opnieuw: browsers bewaren het niet na een fout."},
    "submit": {"en": "Submit purchase order", "nl": "Inkooporder indienen"},
    "errors_intro": {"en": "The purchase order was not submitted. Please correct the fields marked below.",
                     "nl": "De inkooporder is niet ingediend. Verbeter de gemarkeerde velden."},
    "thanks": {"en": "Thank you — we received your purchase order.",
               "nl": "Dank u — wij hebben uw inkooporder ontvangen."},
    "internal_number": {"en": "Our reference", "nl": "Ons kenmerk"},
    "status": {"en": "Status", "nl": "Status"},
    "your_orders": {"en": "Your purchase orders", "nl": "Uw inkooporders"},
    "new_order": {"en": "Submit another purchase order", "nl": "Nog een inkooporder indienen"},
    "documents": {"en": "Documents", "nl": "Documenten"},
    "language": {"en": "Language", "nl": "Taal"},
    "switch": {"en": "Switch", "nl": "Wijzigen"},
    "step_received": {"en": "Received", "nl": "Ontvangen"},
    "step_approved": {"en": "Approved", "nl": "Goedgekeurd"},
    "step_invoiced": {"en": "Invoiced", "nl": "Gefactureerd"},
    "step_partially_paid": {"en": "Partially paid", "nl": "Deels betaald"},
    "step_paid": {"en": "Paid", "nl": "Betaald"},
    "step_cancelled": {"en": "Cancelled", "nl": "Geannuleerd"},
    "step_invoice_voided": {"en": "Invoice withdrawn; a new invoice follows",
                            "nl": "Factuur ingetrokken; een nieuwe factuur volgt"},
    "reason": {"en": "Reason", "nl": "Reden"},
    "done": {"en": "done", "nl": "gereed"},
    "current": {"en": "current", "nl": "huidig"},
    "refresh_note": {"en": "The status updates itself every 30 seconds.",
                     "nl": "De status wordt elke 30 seconden bijgewerkt."},
    "reload": {"en": "Reload now", "nl": "Nu verversen"},
    "link_problem": {"en": "This invitation link cannot be used", "nl": "Deze uitnodigingslink werkt niet"},
    "link_unknown": {"en": "The link is not valid. Please check that you copied all of it.",
                     "nl": "De link is ongeldig. Controleer of u de hele link hebt gekopieerd."},
    "link_expired": {"en": "The link has expired. Ask us for a new one.",
                     "nl": "De link is verlopen. Vraag ons om een nieuwe."},
    "link_revoked": {"en": "The link was withdrawn. Ask us for a new one.",
                     "nl": "De link is ingetrokken. Vraag ons om een nieuwe."},
    "link_too_large": {"en": "The upload was larger than we accept (at most {limit}). Please go back and "
                             "choose a smaller file.",
                       "nl": "Het bestand was groter dan wij accepteren (maximaal {limit}). Ga terug en kies "
                             "een kleiner bestand."},
    "back": {"en": "Back to the form", "nl": "Terug naar het formulier"},
    "doc_empty": {"en": "the file is empty", "nl": "het bestand is leeg"},
    "doc_too_large": {"en": "the file is too large (at most {limit})",
                      "nl": "het bestand is te groot (maximaal {limit})"},
    "doc_truncated": {"en": "the file is incomplete; please upload it again",
                      "nl": "het bestand is onvolledig; upload het opnieuw"},
    "doc_type": {"en": "only PDF documents and PNG or JPEG scans are accepted",
                 "nl": "alleen PDF-documenten en PNG- of JPEG-scans worden geaccepteerd"},
}

# Validation messages (revhub.orders.validation, in English) that have a Dutch wording.
_NL_MESSAGES = [
    (re.compile(r"^is required$"), "is verplicht"),
    (re.compile(r"^must be an e-mail address$"), "moet een e-mailadres zijn"),
    (re.compile(r"^must be a VAT number: .*$"),
     "moet een btw-nummer zijn: twee landletters, dan 2 tot 13 letters of cijfers"),
    (re.compile(r"^must be a date as YYYY-MM-DD$"), "moet een datum zijn (JJJJ-MM-DD)"),
    (re.compile(r"^must not be before subscription_start$"), "mag niet vóór het begin van het abonnement liggen"),
    (re.compile(r"^must be a whole number of licences, at least 1$"),
     "moet een heel aantal licenties zijn, minstens 1"),
    (re.compile(r"^(\S+) does not equal (the sum of the lines.*), (\S+)$"),
     r"\1 is niet gelijk aan het totaal van de regels, \3"),
    (re.compile(r"^PO number (.+) was already received for this customer as internal PO (\d+)$"),
     r"inkoopordernummer \1 is al ontvangen (ons kenmerk \2)"),
    (re.compile(r"^(\S+) needs the buyer's VAT number; customer (.+) has no tax id$"),
     r"\1 (verlegde btw) vereist uw btw-nummer; wij hebben er geen voor \2"),
]


def language_of(wanted: str | None) -> str:
    """A supported language code for ``wanted`` (the default otherwise)."""
    return wanted if wanted in LANGUAGES else DEFAULT


def text(key: str, language: str, **values: object) -> str:
    """The text ``key`` in ``language``."""
    entry = TEXTS[key]
    return (entry.get(language) or entry[DEFAULT]).format(**values)


def message(english: str, language: str) -> str:
    """A validation message in ``language`` (as given when no translation is known)."""
    if language == "nl":
        for pattern, dutch in _NL_MESSAGES:
            if pattern.match(english):
                return pattern.sub(dutch, english)
    return english
