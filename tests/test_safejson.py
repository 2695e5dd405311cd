"""One JSON encoder for every writer: valid data exactly as json.dumps writes it, hostile
data repaired instead of raising; strict reading refuses what orjson refuses."""

from __future__ import annotations

import json

import orjson
import pytest

from gonogo import _redact
from gonogo._redact import REDACTED, add_secret
from gonogo._safejson import MAX_DEPTH, depth_of, dumps, json_safe, strict_loads


def _deep(n: int) -> list:
    v: list = []
    for _ in range(n):
        v = [v]
    return v


@pytest.mark.parametrize(
    "value",
    [
        {"a": 1, "b": [1.5, None, True, "é ✓ 😀"], "c": {"d": "x\ny"}},
        [],
        "plain",
        {"nested": _deep(150)},
    ],
)
def test_valid_data_is_written_exactly_as_json_dumps_writes_it(value):
    assert dumps(value) == json.dumps(value, ensure_ascii=False)
    assert dumps(value, indent=2, sort_keys=True) == json.dumps(
        value, ensure_ascii=False, indent=2, sort_keys=True
    )
    assert json_safe(value) is value  # nothing to repair: the same object back


def test_hostile_values_are_repaired_not_raised():
    value = {
        "surrogate": "x \ud800 y",
        "pair": "\ud83d\ude00",  # a valid pair written as two code points joins up
        "nan": float("nan"),
        "inf": [float("inf"), float("-inf")],
        "big": 10**5000,
        1: "int key",
        None: "null key",
        "obj": object.__new__(type("Thing", (), {"__str__": lambda self: "a thing"})),
        "deep": _deep(1500),
    }
    text = dumps(value)
    text.encode("utf-8")  # valid UTF-8
    back = json.loads(text)
    assert back["surrogate"] == "x \ufffd y" and back["pair"] == "😀"
    assert back["nan"] is None and back["inf"] == [None, None]
    assert back["big"] == "<integer of 5001 digits>"
    assert back["1"] == "int key" and back["null"] == "null key" and back["obj"] == "a thing"
    assert depth_of(back) == MAX_DEPTH  # cut, ending in a marker
    assert f"nested deeper than {MAX_DEPTH} levels" in text


def test_no_nul_and_one_line_options():
    assert "\\u0000" not in dumps({"a\x00": "b\x00"}, no_nul=True)
    line = dumps({"t": "a\u2028b\u2029c\x85d"}, one_line=True)
    assert len(line.splitlines()) == 1 and json.loads(line) == {"t": "a\u2028b\u2029c\x85d"}


def test_known_secrets_are_redacted_in_everything_written(monkeypatch):
    monkeypatch.setattr(_redact, "_secrets", ())
    add_secret("sk-test-0123456789abcdef")
    add_secret("short")  # too short to redact safely: ignored
    text = dumps({"error": "HTTP 401: invalid key sk-test-0123456789abcdef"})
    assert "sk-test" not in text and REDACTED in text
    assert dumps("short and sweet") == '"short and sweet"'


@pytest.mark.parametrize(
    "raw",
    [
        b'{"a": NaN}',
        b'{"a": -Infinity}',
        b'{"a": 1e309}',
        b'{"a": "\\ud800"}',
        b'{"\\udc00": 1}',
        b"[" * 100_000 + b"]" * 100_000,
        b'{"a": ' + b"9" * 5001 + b"}",
        b"\xff\xfe",
    ],
)
def test_strict_loads_refuses_what_orjson_refuses(raw):
    with pytest.raises(ValueError):
        strict_loads(raw)
    with pytest.raises(ValueError):
        orjson.loads(raw)


def test_strict_loads_reads_valid_json_as_json_loads_does():
    raw = '{"a": [1, 2.5, -0.0, 1e300, "\\ud83d\\ude00", null, true]}'
    assert strict_loads(raw) == json.loads(raw)
    assert strict_loads(raw.encode()) == json.loads(raw)
