"""SOQL tokens: identifiers (with dotted paths), literals, operators and punctuation."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from revhub.sandbox.salesforce.soql.errors import SoqlError
from revhub.sandbox.salesforce.values import parse_datetime

_ESCAPES = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", '"': '"', "'": "'",
            "\\": "\\", "%": "\\%", "_": "\\_"}  # \% and \_ stay escaped for LIKE patterns
_TOKEN = re.compile(r"""
    (?P<ws>\s+)
  | (?P<datetime>\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,3})?(?:Z|[+-]\d{2}:?\d{2}))
  | (?P<date>\d{4}-\d{2}-\d{2}(?![\dT]))
  | (?P<number>[+-]?(?:\d+\.?\d*|\.\d+)(?![\w.]))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*(?:\.[A-Za-z_][A-Za-z0-9_]*)*)
  | (?P<op><=|>=|!=|<>|=|<|>)
  | (?P<punct>[(),])
  | (?P<string>')
""", re.VERBOSE)


@dataclass(frozen=True)
class Token:
    kind: str       # ident, string, number, date, datetime, op, punct, eof
    value: object
    text: str
    pos: int

    def is_keyword(self, *words: str) -> bool:
        return self.kind == "ident" and str(self.value).upper() in words


def tokenize(query: str) -> list[Token]:
    """All tokens of ``query`` followed by an ``eof`` token; SoqlError on a bad character."""
    tokens: list[Token] = []
    pos = 0
    while pos < len(query):
        match = _TOKEN.match(query, pos)
        if match is None:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{query[pos]}'", pos)
        kind = match.lastgroup
        text = match.group()
        if kind == "string":
            value, end = _read_string(query, pos)
            tokens.append(Token("string", value, query[pos:end], pos))
            pos = end
            continue
        if kind != "ws":
            tokens.append(Token(kind, _value(kind, text, pos), text, pos))
        pos = match.end()
    tokens.append(Token("eof", None, "<EOF>", len(query)))
    return tokens


def _value(kind: str, text: str, pos: int) -> object:
    if kind == "number":
        return Decimal(text)
    if kind == "date":
        try:
            return date.fromisoformat(text)
        except ValueError:
            raise SoqlError("MALFORMED_QUERY", f"line 1:{pos} no viable alternative at character "
                            f"'{text}'", pos) from None
    if kind == "datetime":
        value = parse_datetime(text)
        if value is None:
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{text}'", pos)
        return value
    return text


def _read_string(query: str, start: int) -> tuple[str, int]:
    out = []
    pos = start + 1
    while pos < len(query):
        char = query[pos]
        if char == "'":
            return "".join(out), pos + 1
        if char == "\\":
            if pos + 1 >= len(query) or query[pos + 1] not in _ESCAPES:
                shown = query[pos:pos + 2]
                raise SoqlError("MALFORMED_QUERY", f"Invalid string literal '{shown}'. Illegal "
                                "character sequence '" + shown + "' in string literal.", pos)
            out.append(_ESCAPES[query[pos + 1]])
            pos += 2
            continue
        out.append(char)
        pos += 1
    raise SoqlError("MALFORMED_QUERY", "line 1:%d mismatched character '<EOF>' expecting '''" % start,
                    start)

