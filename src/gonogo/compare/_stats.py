"""Per-scorer paired tests, Holm across the family, the overall verdict and its power.

Values are paired by case and sample index: sample ``s`` of case ``c`` under A against
sample ``s`` of the same case under B. One sample per case and a pass/fail metric gives
exact McNemar; repeats (per-case pass shares) and mean scores give the paired
permutation test (:func:`gonogo.stats.paired_test`). The same rules as results.json
apply to each sample: a target error fails every scorer (at the bottom of the scale
for means), a score that was not evaluated is left out with its pair.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..data import Case
from ..results._records import known_float, passed_of, score_of
from ..results._scorers import value_floor
from ..stats import PairedTest, cases_needed_paired, holm, paired_test, power_paired

Record = Mapping[str, Any]
ByCase = dict[str, dict[int, Record]]  # case key -> sample -> record


@dataclass(frozen=True)
class Settings:
    """The decision rule of a comparison (from the PRD's ``compare`` and the command line)."""

    mode: str = "superiority"
    margin: float | None = None
    min_effect: float = 0.1
    alpha: float = 0.05
    power: float = 0.8
    n_resamples: int = 10_000
    seed: int = 0

    @property
    def confidence(self) -> float:
        return 1 - self.alpha


@dataclass
class ScorerComparison:
    """One row of the comparison: a scorer (or the judge's preference) and its test."""

    id: str
    metric: str
    binary: bool
    primary: bool
    test: PairedTest | None = None
    n_excluded: int = 0
    not_evaluated: str | None = None
    power: float | None = None
    cases_needed: int | None = None
    underpowered: bool = False

    def to_dict(self) -> dict[str, Any]:
        t = self.test
        base: dict[str, Any] = {
            "id": self.id,
            "metric": self.metric,
            "primary": self.primary,
            "n_excluded": self.n_excluded,
            "not_evaluated": self.not_evaluated,
            "power": self.power,
            "cases_needed": self.cases_needed,
            "underpowered": self.underpowered,
        }
        if t is None:
            return {**base, "n": 0, "verdict": "not_evaluated", "test": None}
        test = {
            "method": t.method,
            "mean_a": t.mean_a,
            "mean_b": t.mean_b,
            "diff": t.diff,
            "ci": [t.ci_low, t.ci_high],
            "p_value": t.p_value,
            "p_adjusted": t.p_adjusted,
            "wins": t.wins,
            "ties": t.ties,
            "losses": t.losses,
            "discordance": getattr(t, "discordance", None),
            "confidence": t.confidence,
            "margin": t.margin,
            "reason": t.reason,
        }
        return {**base, "n": t.n, "verdict": t.verdict, "test": test}


def by_case(records: Sequence[Record]) -> ByCase:
    """Records indexed by case key and sample index."""
    out: ByCase = {}
    for rec in records:
        out.setdefault(str(rec["case_key"]), {})[int(rec.get("sample") or 0)] = rec
    return out


def _sample_value(rec: Record, scorer_id: str, metric: str, floor: float) -> float | None:
    if metric == "pass_rate":
        passed = passed_of(rec, scorer_id)
        return None if passed is None else float(passed)
    if rec.get("error"):
        return floor
    score = score_of(rec, scorer_id) or {}
    if score.get("passed") is None:
        return None
    return known_float(score.get("value"))


def paired_values(
    scorer_id: str, metric: str, floor: float, cases: Sequence[Case], a: ByCase, b: ByCase
) -> tuple[list[float], list[float], list[str], int]:
    """Per-case values of A and B over the samples both evaluated; keys; cases left out."""
    xs: list[float] = []
    ys: list[float] = []
    keys: list[str] = []
    excluded = 0
    for case in cases:
        sa, sb = a.get(case.key, {}), b.get(case.key, {})
        pa: list[float] = []
        pb: list[float] = []
        for s in sorted(set(sa) & set(sb)):
            va = _sample_value(sa[s], scorer_id, metric, floor)
            vb = _sample_value(sb[s], scorer_id, metric, floor)
            if va is not None and vb is not None:
                pa.append(va)
                pb.append(vb)
        if not pa:
            excluded += 1
            continue
        xs.append(sum(pa) / len(pa))
        ys.append(sum(pb) / len(pb))
        keys.append(case.key)
    return xs, ys, keys, excluded


def metric_of(prd: Any, scorer_id: str) -> str:
    """``mean`` for a scorer gated on its mean score, else ``pass_rate``."""
    for t in prd.eval_plan.thresholds:
        if t.scorer == scorer_id and t.min_mean is not None and t.min_pass_rate is None:
            return "mean"
    return "pass_rate"


def compare_scorer(
    scorer_id: str,
    spec: Any,
    metric: str,
    *,
    primary: bool,
    cases: Sequence[Case],
    a: ByCase,
    b: ByCase,
    repeats: int,
    settings: Settings,
) -> ScorerComparison:
    """The paired test of one scorer (not evaluated when no case has a pair of values)."""
    floor = value_floor(spec) if spec is not None else 0.0
    xs, ys, _, excluded = paired_values(scorer_id, metric, floor, cases, a, b)
    binary = repeats == 1 and metric == "pass_rate"
    row = ScorerComparison(scorer_id, metric, binary, primary, n_excluded=excluded)
    if not xs:
        row.not_evaluated = "no case has a score under both variants"
        return row
    row.test = run_test(scorer_id, xs, ys, binary=binary, settings=settings)
    return row


def run_test(
    name: str, xs: Sequence[float], ys: Sequence[float], *, binary: bool, settings: Settings
) -> PairedTest:
    """:func:`gonogo.stats.paired_test` with the comparison's settings."""
    return paired_test(
        xs,
        ys,
        name=name,
        binary=binary,
        confidence=settings.confidence,
        margin=settings.margin if settings.mode == "non_inferiority" else None,
        n_resamples=settings.n_resamples,
        seed=settings.seed,
    )


def adjust(rows: list[ScorerComparison], settings: Settings) -> None:
    """Holm–Bonferroni within the primary family and within the secondary one."""
    for primary in (True, False):
        family = [r for r in rows if r.primary is primary and r.test is not None]
        if len(family) < 1:
            continue
        adjusted = holm([r.test for r in family if r.test is not None], settings.alpha)
        for row, test in zip(family, adjusted, strict=True):
            row.test = test


def add_power(row: ScorerComparison, settings: Settings) -> None:
    """Power to detect ``min_effect`` (or to show non-inferiority) with this many cases."""
    t = row.test
    if t is None or row.metric != "pass_rate" or t.n < 1:
        return
    effect = settings.min_effect
    margin = settings.margin if settings.mode == "non_inferiority" else None
    if margin is not None:
        effect = 0.0  # sized for a B that is truly as good as A
    # the planning functions need both pass rates strictly inside (0, 1): a change at the top
    # of the scale is looked at downwards (the two-sided test's power is symmetric)
    edge = 1e-6
    baseline = min(max(t.mean_a, edge), 1.0 - effect - edge)
    disc = (t.wins + t.losses) / t.n if row.binary else None
    if disc is not None and (disc <= 0 or disc < effect):
        disc = None  # the observed discordance cannot carry the effect: use the model's
    try:
        row.power = power_paired(
            n=t.n,
            baseline=baseline,
            effect=effect,
            alpha=settings.alpha,
            discordance=disc,
            margin=margin,
        )
        row.cases_needed = cases_needed_paired(
            baseline=baseline,
            effect=effect,
            power=settings.power,
            alpha=settings.alpha,
            discordance=disc,
            margin=margin,
        )
    except (ValueError, ZeroDivisionError, OverflowError):
        row.power = row.cases_needed = None
    row.underpowered = row.power is not None and row.power < settings.power


def overall(rows: Sequence[ScorerComparison], settings: Settings) -> tuple[str, list[str]]:
    """The overall verdict from the primary rows, and the reasons behind it."""
    primary = [r for r in rows if r.primary and r.test is not None]
    if not primary:
        return "not_evaluated", [
            "no primary scorer has scores under both variants, so nothing can be compared"
        ]
    verdicts = {r.id: r.test.verdict for r in primary if r.test is not None}
    # a scorer too small to test is said once, in the words of _too_small_lines
    reasons = [f"{r.id}: {r.test.reason}" for r in primary
               if r.test is not None and r.test.verdict != "too_small"]  # fmt: skip
    values = set(verdicts.values())
    if settings.mode == "non_inferiority":
        if "inferior" in values:
            verdict = "inferior"
        elif values == {"non_inferior"}:
            verdict = "non_inferior"
        else:
            verdict = "inconclusive"
    elif "worse" in values:
        verdict = "worse"
    elif "better" in values:
        verdict = "better"
    elif values == {"too_small"}:
        verdict = "too_small"
    else:
        verdict = "no_difference"
    undecided = verdict in ("no_difference", "inconclusive", "too_small")
    reasons += _too_small_lines(primary, settings, underpowered=undecided)
    return verdict, reasons


def _too_small_lines(
    rows: Sequence[ScorerComparison], settings: Settings, *, underpowered: bool = True
) -> list[str]:
    out = []
    for r in rows:
        if r.test is None:
            continue
        if r.test.verdict == "too_small":
            out.append(
                f"{r.id}: {r.test.n} paired case{'s' if r.test.n != 1 else ''} are too few "
                "for any test at this significance level to tell A and B apart"
            )
        elif underpowered and r.underpowered and r.power is not None:
            what = (
                f"show non-inferiority within {settings.margin:g}"
                if settings.mode == "non_inferiority" and settings.margin is not None
                else f"detect a change of {settings.min_effect:g} in pass rate"
            )
            need = f"; about {r.cases_needed} are needed" if r.cases_needed else ""
            out.append(
                f"{r.id}: the golden set is too small to {what} "
                f"(power {r.power:.0%} with {r.test.n} cases{need}) — no detected difference "
                "is not evidence of no difference"
            )
    return out
