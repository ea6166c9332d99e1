"""SOQL syntax for the subset the hub uses, as a small recursive-descent parser.

    SELECT field[, field...] | COUNT()
    FROM object
    [WHERE condition]            -- = != <> < <= > >= IN NOT IN LIKE, AND / OR / NOT, ( )
    [ORDER BY field [ASC|DESC] [NULLS FIRST|LAST], ...]
    [LIMIT n] [OFFSET n]

Anything else (sub-queries, functions, GROUP BY, FOR UPDATE, date literals like TODAY...)
is an error, never skipped. Like Salesforce, AND and OR may not be mixed without
parentheses.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from revhub.sandbox.salesforce.soql.errors import SoqlError
from revhub.sandbox.salesforce.soql.lexer import Token, tokenize

_UNSUPPORTED_CLAUSES = ("GROUP", "HAVING", "FOR", "WITH", "USING", "TYPEOF", "UPDATE", "ALL")


@dataclass(frozen=True)
class FieldRef:
    path: str   # as written: "Name", "Account.Name"
    pos: int


@dataclass(frozen=True)
class Comparison:
    field: FieldRef
    op: str                 # = != < <= > >= IN NOT IN LIKE
    value: object           # a literal, or a tuple of literals for IN
    value_pos: int
    quoted: bool | tuple    # whether the literal(s) were strings


@dataclass(frozen=True)
class Junction:
    op: str                 # AND | OR
    parts: tuple


@dataclass(frozen=True)
class Not:
    part: object


@dataclass(frozen=True)
class OrderItem:
    field: FieldRef
    descending: bool
    nulls_first: bool


@dataclass
class Query:
    fields: list[FieldRef] = field(default_factory=list)
    count: bool = False
    sobject: str = ""
    sobject_pos: int = 0
    where: object = None
    order: list[OrderItem] = field(default_factory=list)
    limit: int | None = None
    offset: int | None = None


def parse(text: str) -> Query:
    """The parsed query; SoqlError (with position) for anything outside the subset."""
    return _Parser(tokenize(text)).query()


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.tokens, self.i = tokens, 0

    @property
    def tok(self) -> Token:
        return self.tokens[self.i]

    def advance(self) -> Token:
        token = self.tokens[self.i]
        self.i += 1
        return token

    def fail(self, token: Token | None = None) -> SoqlError:
        token = token or self.tok
        return SoqlError("MALFORMED_QUERY", f"unexpected token: '{token.text}'", token.pos)

    def expect_keyword(self, word: str) -> Token:
        if not self.tok.is_keyword(word):
            raise self.fail()
        return self.advance()

    def expect_punct(self, char: str) -> Token:
        if self.tok.kind != "punct" or self.tok.value != char:
            raise self.fail()
        return self.advance()

    def query(self) -> Query:
        q = Query()
        self.expect_keyword("SELECT")
        self.select_list(q)
        self.expect_keyword("FROM")
        if self.tok.kind != "ident" or "." in self.tok.text:
            raise self.fail()
        q.sobject, q.sobject_pos = self.tok.text, self.tok.pos
        self.advance()
        if self.tok.is_keyword("WHERE"):
            self.advance()
            q.where = self.condition()
        if self.tok.is_keyword("ORDER"):
            self.advance()
            self.expect_keyword("BY")
            q.order = self.order_list()
        if self.tok.is_keyword("LIMIT"):
            self.advance()
            q.limit = self.integer()
        if self.tok.is_keyword("OFFSET"):
            self.advance()
            q.offset = self.integer()
            if q.offset > 2000:
                raise SoqlError("NUMBER_OUTSIDE_VALID_RANGE", "Maximum SOQL offset allowed is 2000",
                                self.tokens[self.i - 1].pos)
        if self.tok.kind != "eof":
            raise self.fail()
        return q

    def select_list(self, q: Query) -> None:
        while True:
            token = self.tok
            if token.kind == "punct" and token.value == "(":
                raise self.fail()  # sub-queries are not part of the subset
            if token.kind != "ident" or token.is_keyword("FROM"):
                raise self.fail()
            self.advance()
            if self.tok.kind == "punct" and self.tok.value == "(":
                if token.is_keyword("COUNT") and not q.fields and not q.count:
                    self.advance()
                    self.expect_punct(")")
                    q.count = True
                else:
                    raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{token.text}('", token.pos)
            elif q.count:
                raise self.fail(token)
            else:
                q.fields.append(FieldRef(token.text, token.pos))
            if self.tok.kind == "punct" and self.tok.value == ",":
                if q.count:
                    raise self.fail()
                self.advance()
                continue
            return

    def condition(self):
        parts = [self.term()]
        connector = None
        while self.tok.is_keyword("AND", "OR"):
            word = self.tok.text.upper()
            if connector and word != connector:
                raise self.fail()  # mixing AND/OR needs parentheses in SOQL
            connector = word
            self.advance()
            parts.append(self.term())
        return parts[0] if connector is None else Junction(connector, tuple(parts))

    def term(self):
        if self.tok.is_keyword("NOT"):
            self.advance()
            return Not(self.term())
        if self.tok.kind == "punct" and self.tok.value == "(":
            self.advance()
            inner = self.condition()
            self.expect_punct(")")
            return inner
        return self.comparison()

    def comparison(self) -> Comparison:
        token = self.tok
        if token.kind != "ident" or token.is_keyword(*_UNSUPPORTED_CLAUSES, "AND", "OR"):
            raise self.fail()
        self.advance()
        if self.tok.kind == "punct" and self.tok.value == "(":
            raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{token.text}('", token.pos)
        ref = FieldRef(token.text, token.pos)
        if self.tok.kind == "op":
            op = self.advance().value
            op = "!=" if op == "<>" else op
            value_token = self.tok
            value, quoted = self.literal()
            return Comparison(ref, op, value, value_token.pos, quoted)
        negate = False
        if self.tok.is_keyword("NOT"):
            self.advance()
            negate = True
            if not self.tok.is_keyword("IN"):
                raise self.fail()
        if self.tok.is_keyword("IN"):
            self.advance()
            self.expect_punct("(")
            start = self.tok.pos
            items, quoted = [], []
            while True:
                value, was_quoted = self.literal()
                items.append(value)
                quoted.append(was_quoted)
                if self.tok.kind == "punct" and self.tok.value == ",":
                    self.advance()
                    continue
                self.expect_punct(")")
                break
            return Comparison(ref, "NOT IN" if negate else "IN", tuple(items), start, tuple(quoted))
        if self.tok.is_keyword("LIKE"):
            self.advance()
            value_token = self.tok
            value, quoted = self.literal()
            return Comparison(ref, "LIKE", value, value_token.pos, quoted)
        raise self.fail()

    def literal(self) -> tuple[object, bool]:
        token = self.tok
        if token.kind in ("string", "number", "date", "datetime"):
            self.advance()
            return token.value, token.kind == "string"
        if token.is_keyword("TRUE", "FALSE"):
            self.advance()
            return token.text.upper() == "TRUE", False
        if token.is_keyword("NULL"):
            self.advance()
            return None, False
        raise self.fail()

    def order_list(self) -> list[OrderItem]:
        items = []
        while True:
            token = self.tok
            if token.kind != "ident" or token.is_keyword("LIMIT", "OFFSET", "ASC", "DESC", "NULLS"):
                raise self.fail()
            self.advance()
            if self.tok.kind == "punct" and self.tok.value == "(":
                raise SoqlError("MALFORMED_QUERY", f"unexpected token: '{token.text}('", token.pos)
            descending = False
            if self.tok.is_keyword("ASC", "DESC"):
                descending = self.advance().text.upper() == "DESC"
            nulls_first = not descending
            if self.tok.is_keyword("NULLS"):
                self.advance()
                if not self.tok.is_keyword("FIRST", "LAST"):
                    raise self.fail()
                nulls_first = self.advance().text.upper() == "FIRST"
            items.append(OrderItem(FieldRef(token.text, token.pos), descending, nulls_first))
            if self.tok.kind == "punct" and self.tok.value == ",":
                self.advance()
                continue
            return items

    def integer(self) -> int:
        token = self.tok
        if token.kind != "number" or token.value != token.value.to_integral_value() or token.value < 0:
            raise self.fail()
        self.advance()
        return int(token.value)
