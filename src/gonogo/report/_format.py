"""Number formatting shared by the console and HTML reports (plain strings, never markup)."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from ..stats import about as about

STATUS_LABEL = {
    "pass": "pass",
    "fail": "fail",
    "undecided": "undecided",
    "not_evaluated": "not evaluated",
    "detected": "detected",
    "not_detected": "not detected",
    "no_detector": "no detector in eval",
    "flaky": "flaky",
    "error": "target error",
    "not_run": "not run",
}

METRIC_LABEL = {"pass_rate": "pass rate", "mean": "mean score"}


def num(x: Any, digits: int = 2) -> str:
    """A number with ``digits`` decimals; an em dash for unknown."""
    if x is None:
        return "—"
    return f"{float(x):.{digits}f}"


def ci(interval: Sequence[float] | None, digits: int = 2) -> str:
    """``[lo, hi]``; an em dash for no interval."""
    if not interval:
        return "—"
    return f"[{interval[0]:.{digits}f}, {interval[1]:.{digits}f}]"


def pct(x: Any) -> str:
    """A share as a percentage, ``—`` for unknown."""
    return "—" if x is None else f"{100 * float(x):.0f}%"


def usd(x: Any) -> str:
    """Dollars with enough digits for small per-call costs; ``unknown`` for None."""
    if x is None:
        return "unknown"
    x = float(x)
    return f"${x:,.2f}" if x >= 1 else f"${x:.4f}"


def seconds(x: Any) -> str:
    """Seconds, or ``—``."""
    return "—" if x is None else f"{float(x):.2f} s"


def target(t: float) -> str:
    """A threshold target, as written (0.85, 1, 4)."""
    return f"{t:g}"


def pretty(value: Any) -> str:
    """Model output or case data as text: strings verbatim, other values as indented JSON."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    return json.dumps(value, indent=2, ensure_ascii=False, default=str)


def status_label(status: Any) -> str:
    """Human label of a status code."""
    return STATUS_LABEL.get(str(status), str(status))


def gate_on(results: Mapping[str, Any]) -> str:
    """What the thresholds gate on: ``lower_bound``, ``point`` or ``mixed``.

    Each threshold may override the plan's ``gate.gate_on``; headings name what applies.
    """
    ons = {str(t["gate_on"]) for t in results["thresholds"]}
    if not ons:
        return str(results["gate"]["gate_on"])
    return ons.pop() if len(ons) == 1 else "mixed"
