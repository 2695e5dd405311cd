"""What the hardening of issue #11 costs per call, on valid data (the common case).

Each row times the code path before and after, in this process, as µs per call (best of
``--repeats`` rounds of ``--number`` calls): encoding a gateway trace row, a run-store
sample record and a gateway response with the standard library; parsing a chat request
body with the standard library (``json.loads`` vs the strict reader that refuses NaN,
``1e309``, lone surrogates and runaway nesting); the early 413 header check; and the
redaction of known secrets (none registered, then two).

    python benchmarks/bench_json_safety.py [--number 20000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import json
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "store_gateway"))
from helpers_store import trace  # noqa: E402

from gonogo import _redact  # noqa: E402
from gonogo._safejson import dumps, strict_loads  # noqa: E402
from gonogo.gateway._http import header  # noqa: E402
from gonogo.store.gateway._rows import _JSON_TRACE, TRACE_COLUMNS, trace_row  # noqa: E402

TRACE = trace(
    inputs={"messages": [{"role": "user", "content": "Can I return shoes I wore once? " * 8}]},
    output="Yes, within 30 days of delivery if they are unworn. " * 4,
)
RECORD = {
    "case_key": "golden/refund-window",
    "case_id": "refund-window",
    "dataset": "golden",
    "sample": 0,
    "output": "You can get a refund within 30 days of delivery. " * 6,
    "contexts": ["Refunds: 30 days from delivery.", "Shoes must be unworn."],
    "latency_s": 0.412345,
    "cost_usd": 0.000123,
    "input_tokens": 412,
    "output_tokens": 58,
    "cached": False,
    "error": None,
    "error_kind": None,
    "scores": {"says_30": {"value": 1.0, "passed": True, "reason": "found '30 days'"}},
    "judge_cost_usd": None,
    "completed_at": "2026-12-07T10:00:00.000+00:00",
}
BODY = json.dumps(
    {
        "model": "any",
        "temperature": 0.2,
        "messages": [
            {"role": "system", "content": "You answer from the refund policy only."},
            {"role": "user", "content": "Can I return shoes I wore once? Order 1234. " * 6},
        ],
    }
).encode()
RESPONSE = json.loads(
    '{"id":"c1","object":"chat.completion","model":"m","choices":[{"index":0,'
    '"message":{"role":"assistant","content":"Yes, within 30 days."},"finish_reason":"stop"}],'
    '"usage":{"prompt_tokens":40,"completion_tokens":8,"total_tokens":48}}'
)
SCOPE = {
    "headers": [
        (b"host", b"127.0.0.1:8787"),
        (b"user-agent", b"python-httpx/0.27"),
        (b"authorization", b"Bearer gng_0123abcd_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"),
        (b"content-type", b"application/json"),
        (b"content-length", b"512"),
    ]
}


def old_trace_row(t):  # before #11: json.dumps with default=str, text columns as they are
    return tuple(
        json.dumps(getattr(t, c), ensure_ascii=False, separators=(",", ":"), default=str)
        if c in _JSON_TRACE
        else getattr(t, c)
        for c in TRACE_COLUMNS
    )


def stdlib_response(value):  # the stdlib gateway's response encoder, before and after
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), allow_nan=False).encode()


CASES = [
    ("gateway trace row", lambda: old_trace_row(TRACE), lambda: trace_row(TRACE)),
    (
        "run-store sample record",
        lambda: json.dumps(RECORD, ensure_ascii=False, default=str),
        lambda: dumps(RECORD),
    ),
    (
        "gateway response (stdlib json)",
        lambda: json.dumps(RESPONSE, ensure_ascii=False, separators=(",", ":")).encode(),
        lambda: stdlib_response(RESPONSE),
    ),
    ("chat request parse (stdlib json)", lambda: json.loads(BODY), lambda: strict_loads(BODY)),
    ("early-413 header check", lambda: None, lambda: header(SCOPE, b"content-length")),
]


def best_us(fn, number: int, repeats: int) -> float:
    return min(timeit.repeat(fn, number=number, repeat=repeats)) / number * 1e6


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--number", type=int, default=20_000)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args()
    print("| path | before µs | after µs | after, 2 secrets registered µs |")
    print("|---|---:|---:|---:|")
    rows = []
    for name, before, after in CASES:
        rows.append([name, best_us(before, args.number, args.repeats),
                     best_us(after, args.number, args.repeats)])  # fmt: skip
    _redact.add_secret("sk-live-0123456789abcdefghijklmnop")
    _redact.add_secret("sk-ant-0123456789abcdefghijklmnop")
    for row, (_, _, after) in zip(rows, CASES, strict=True):
        row.append(best_us(after, args.number, args.repeats))
        print(f"| {row[0]} | {row[1]:.2f} | {row[2]:.2f} | {row[3]:.2f} |")


if __name__ == "__main__":
    main()
