"""Paired verdicts in words, for a product manager reading the compare report.

A few words per verdict (:data:`VERDICT_LABELS`) and one plain sentence per paired test.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ._paired import PairedTest


VERDICT_LABELS: dict[str, str] = {
    "better": "B better",
    "worse": "B worse",
    "no_difference": "no detectable difference",
    "non_inferior": "B non-inferior",
    "inferior": "B inferior",
    "inconclusive": "inconclusive",
    "too_small": "too small to tell",
    "not_evaluated": "not evaluated",
}
"""A few words for each verdict of a paired comparison, as the reports print them.

Also ``not_evaluated``: the comparison's verdict for a scorer that has no values.
"""


def describe(t: PairedTest, alpha: float) -> str:
    """The verdict of ``t`` at ``alpha`` in one sentence, with the numbers behind it."""
    what = _what_changed(t)
    unit = " points" if t.metric == "pass_rate" else ""
    ci = f"{_pct(t.confidence)} CI {_signed(t, t.ci_low)} to {_signed(t, t.ci_high)}{unit}"
    change = f"{_level(t, t.mean_a)} → {_level(t, t.mean_b)}, {_signed(t, t.diff)}{unit}"
    v = t.verdict
    if v == "too_small":
        return _too_small(t, alpha)
    if v in ("better", "worse"):
        word = "better" if v == "better" else "worse"
        return (
            f"B is {word} than A: {what} ({change}, {ci}); chance alone rarely gives a "
            f"difference this large ({_p(t)})."
        )
    if v == "no_difference":
        if t.ties == t.n:
            return f"No difference: all {_cases(t.n)} have the same value under A and B."
        if math.isnan(t.ci_low):
            return f"No detectable difference: {what} ({change}, {_p(t)})."
        if t.ci_low > 0 or t.ci_high < 0:
            test = "exact McNemar" if t.metric == "pass_rate" else "permutation"
            why = "" if t.family_size > 1 else f" by the {test} test"
            return (
                f"No clear difference: {what} ({change}, {ci}); the interval leans one "
                f"way, but the difference is not significant{why} ({_p(t)})."
            )
        return (
            f"No detectable difference: {what} ({change}, {_p(t)}); the true change "
            f"could be anywhere from {_signed(t, t.ci_low)} to {_signed(t, t.ci_high)}{unit}."
        )
    margin = f"the {_size(t, t.margin or 0.0)} margin"
    if v == "non_inferior":
        return f"B is not worse than A by more than {margin}: {what} ({change}, {ci})."
    if v == "inferior":
        return f"B is worse than A by more than {margin}: {what} ({change}, {ci})."
    return (
        f"Inconclusive: {what} ({change}, {ci}), and the interval includes losses larger "
        f"than {margin}; more cases would tell."
    )


def _too_small(t: PairedTest, alpha: float) -> str:
    from ._paired import min_cases_for_significance

    if t.margin is not None:
        return (
            f"Too small to tell: with {_cases(t.n)}, even B winning every case could not "
            f"show that B is within the {_size(t, t.margin)} margin; add cases."
        )
    need = min_cases_for_significance(alpha)
    return (
        f"Too small to tell: with {_cases(t.n)} no result could be significant at the "
        f"{_pct(1 - alpha)} level (at least {need} are needed, and many more to detect "
        "a realistic difference; see `gonogo plan`)."
    )


def _what_changed(t: PairedTest) -> str:
    if t.metric == "pass_rate" and t.higher_is_better:
        return (
            f"of {_cases(t.n)}, B passes {t.wins} that A failed and fails {t.losses} that A passed"
        )
    return (
        f"of {_cases(t.n)}, B scores higher on {t.wins}, lower on {t.losses} "
        f"and the same on {t.ties}"
    )


def _level(t: PairedTest, value: float) -> str:
    if t.metric == "pass_rate":
        return f"{100 * value:.1f}%"
    return _num(value)


def _signed(t: PairedTest, value: float) -> str:
    if t.metric == "pass_rate":
        return f"{100 * value:+.1f}" if round(100 * value, 1) != 0 else "0"
    return ("+" if value > 0 else "") + _num(value)


def _size(t: PairedTest, value: float) -> str:
    if t.metric == "pass_rate":
        return f"{100 * value:g}-point"
    return _num(value)


def _num(value: float) -> str:
    if value == 0:
        return "0"
    if abs(value) >= 100:
        return f"{value:.4g}"
    return f"{value:.3f}"


def _p(t: PairedTest) -> str:
    text = "p < 0.001" if t.p_value < 0.001 else f"p = {t.p_value:.3f}"
    if t.family_size > 1:
        adj = "< 0.001" if t.p_adjusted < 0.001 else f"{t.p_adjusted:.3f}"
        text += f", {adj} after correcting for {t.family_size} scorers"
    return text


def _pct(confidence: float) -> str:
    return f"{100 * confidence:g}%"


def _cases(n: int) -> str:
    return f"{n} case{_s(n)}"


def _s(k: int) -> str:
    return "" if k == 1 else "s"
