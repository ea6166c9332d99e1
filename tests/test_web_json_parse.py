"""parse_json reads a body exactly as the standard parser does, whichever parser it used:
integers beyond 64 bits stay exact, and every refusal is the standard path's BodyError."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from revhub.web_json import BodyError, parse_json

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4),
    max_leaves=20)


# A shared, loaded machine draws slowly: the draws are small, only the clock is lenient.
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(_JSON)
def test_any_json_value_reads_back_as_the_standard_parser_reads_it(value):
    raw = json.dumps(value, ensure_ascii=False).encode()
    assert parse_json(raw) == json.loads(raw)


@pytest.mark.parametrize("raw", [b"123456789012345678901234567890", b'{"amount": -9223372036854775809}',
                                 b'[18446744073709551616, 1]'])
def test_integers_beyond_64_bits_stay_exact(raw):
    parsed = parse_json(raw)
    assert parsed == json.loads(raw) and "." not in repr(parsed) and "e+" not in repr(parsed)


@pytest.mark.parametrize(("raw", "message"), [
    (b'"\\ud800"', "lone surrogate"), (b'{"a": NaN}', "NaN is not JSON"), (b"\xff{}", "not valid UTF-8 (byte 0)"),
    (b"[" * 65 + b"]" * 65, "nested too deeply"), (b"{} x", "body is not JSON"), (b"", "body is not JSON"),
    (b"1e400", None)])
def test_what_the_fast_parser_refuses_gets_the_standard_answer(raw, message):
    if message is None:  # the standard parser's reading (infinity) is kept
        assert parse_json(raw) == float("inf")
        return
    with pytest.raises(BodyError) as refused:
        parse_json(raw)
    assert message in refused.value.message and refused.value.status == 400


def test_deep_but_allowed_nesting_is_read():
    raw = b"[" * 64 + b"]" * 64
    assert parse_json(raw) == json.loads(raw)
