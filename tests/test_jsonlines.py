"""The one JSON-lines writer and reader: every string Python can hold, exactly, but a lone surrogate."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st

from otel_llmlog.records.jsonlines import REPLACEMENT, LineError, dumps_line, loads_line

HARD = {
    "nul": "a\x00b",
    "controls": "\x01\x1f\x7f\t\r\n\u2028\u2029\x85",
    "four_byte": "🦜 𝄞 \U0010ffff",
    "bmp": "naïve 日本語 \ufeff\ufffe",
    "quotes": '"\\/',
}


def test_hard_strings_round_trip_exactly() -> None:
    line = dumps_line(HARD)
    assert line.endswith(b"\n") and line.count(b"\n") == 1  # one line whatever the content
    assert b"\\u0000" in line and "🦜".encode() in line  # NUL escaped, 4-byte UTF-8 as it is
    assert loads_line(line) == HARD
    assert loads_line(line.decode("utf-8")) == HARD


def test_a_lone_surrogate_becomes_the_replacement_character() -> None:
    value = {"content": "half \ud800 pair \udfff", "\udc80key": ["x\ud83d"]}
    line = dumps_line(value)
    line.decode("utf-8")  # valid UTF-8
    assert loads_line(line) == {"content": f"half {REPLACEMENT} pair {REPLACEMENT}", f"{REPLACEMENT}key": [f"x{REPLACEMENT}"]}


def test_compact_is_the_collector_layout() -> None:
    assert dumps_line({"a": [1, 2]}, compact=True) == b'{"a":[1,2]}\n'
    assert dumps_line({"a": [1, 2]}) == b'{"a": [1, 2]}\n'


@pytest.mark.parametrize(
    ("line", "reason"),
    [
        (b'{"a": "\xff"}', "not UTF-8 text: byte 0xff at column 8"),
        (b'{"a": 1', "truncated JSON: Expecting ',' delimiter (column 8)"),
        (b'{"a": 1 x}', "invalid JSON: Expecting ',' delimiter (column 9)"),
        (b"[" * 100_000, "JSON nested too deeply"),
    ],
)
def test_bad_lines_say_why(line: bytes, reason: str) -> None:
    with pytest.raises(LineError) as info:
        loads_line(line)
    assert str(info.value) == reason


@given(st.recursive(st.none() | st.booleans() | st.integers() | st.text(),
                    lambda inner: st.lists(inner) | st.dictionaries(st.text(), inner), max_leaves=20))
def test_any_value_round_trips_with_surrogates_replaced(value: object) -> None:
    def replaced(v: object) -> object:
        if isinstance(v, str):
            return "".join(REPLACEMENT if 0xD800 <= ord(c) <= 0xDFFF else c for c in v)
        if isinstance(v, list):
            return [replaced(x) for x in v]
        if isinstance(v, dict):
            return {replaced(k): replaced(x) for k, x in v.items()}
        return v

    line = dumps_line(value)
    assert line.count(b"\n") == 1
    assert loads_line(line) == replaced(value)
    assert json.loads(line) == replaced(value)
