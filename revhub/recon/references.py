"""Reading document numbers out of payment references and remittance text.

A customer's AP team writes "PO 4471-A", "po4471a", "Inv. INV-0042 / INV-0043" or
"payment for purchase order #4471 a": the same numbers in different dress. Numbers are
compared in one normal form (upper case, no spaces, dashes, dots, slashes or hashes, a
leading "PO" or "INV" dropped), and a reference is read as every run of one to three adjacent words,
so that a number split by spaces is still found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

from rapidfuzz.distance import DamerauLevenshtein

_SEPARATORS = re.compile(r"[\s\-_./#:]+")
_WORDS = re.compile(r"[,;|()\[\]{}\s]+")
# Words that introduce a number rather than being part of one.
_NOISE = frozenset({"PO", "P.O.", "PURCHASE", "ORDER", "INV", "INVOICE", "NO", "NR", "NUMBER", "REF",
                    "PAYMENT", "FOR", "AND", "OF", "THE", "RE", "BETALING", "FACTUUR", "INKOOPORDER"})
_PREFIXES = ("INV", "PO")
MIN_EXACT_LENGTH = 3
MIN_TYPO_LENGTH = 6


def normalise_number(value: str) -> str:
    """The comparable form of a PO or invoice number: "PO-4471 a" → "4471A", "INV-0042" → "0042"."""
    text = _SEPARATORS.sub("", value.upper())
    for prefix in _PREFIXES:
        if text.startswith(prefix) and len(text) > len(prefix) and any(ch.isdigit() for ch in text):
            return text[len(prefix):]
    return text


@dataclass(frozen=True, slots=True)
class Span:
    """A candidate number and the words of the reference it was read from."""

    token: str
    start: int
    end: int  # exclusive

    def overlaps(self, other: Span) -> bool:
        return self.start < other.end and other.start < self.end


def reference_spans(text: str | None) -> list[Span]:
    """Candidate numbers in a reference, longest readings first, then in order of appearance."""
    if not text:
        return []
    words = [w for w in _WORDS.split(text.upper()) if w and w.strip(".#:") not in _NOISE]
    spans: list[Span] = []
    for size in (3, 2, 1):
        for start in range(len(words) - size + 1):
            token = normalise_number("".join(words[start:start + size]))
            if len(token) >= MIN_EXACT_LENGTH and any(ch.isdigit() for ch in token):
                spans.append(Span(token, start, start + size))
    return spans


def reference_tokens(text: str | None) -> list[str]:
    """The distinct candidate numbers of ``reference_spans``."""
    return list(dict.fromkeys(span.token for span in reference_spans(text)))


def one_edit_keys(token: str) -> Iterable[str]:
    """The token and each form with one character deleted: two strings within one edit
    (insertion, deletion, substitution or adjacent swap) share at least one key."""
    yield token
    for i in range(len(token)):
        yield token[:i] + token[i + 1:]


def within_one_edit(a: str, b: str) -> bool:
    return DamerauLevenshtein.distance(a, b, score_cutoff=1) <= 1
