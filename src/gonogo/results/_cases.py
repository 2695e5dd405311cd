"""Per-case entries: the drill-down of the report and the JUnit test cases."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from typing import Any

from ._records import CaseGroup, Record, is_target_error, score_of

_SAMPLE_FIELDS = (
    "output",
    "contexts",
    "latency_s",
    "cost_usd",
    "input_tokens",
    "output_tokens",
    "cached",
    "error",
    "error_kind",
    "judge_cost_usd",
)


def _sample_entry(
    rec: Record, scorer_ids: Sequence[str], gated: Collection[str] | None
) -> dict[str, Any]:
    entry: dict[str, Any] = {"sample": int(rec.get("sample") or 0), "status": "not_evaluated"}
    entry.update({name: rec.get(name) for name in _SAMPLE_FIELDS})
    entry["cached"] = bool(entry["cached"])
    target_error = is_target_error(rec)
    scores: dict[str, Any] = {}
    for sid in scorer_ids:
        score = score_of(rec, sid)
        if score is None:
            continue
        meta = score.get("metadata") or {}
        reasoning = None
        if "reasoning" in meta:  # shown on its own, so not repeated in metadata
            meta = dict(meta)
            reasoning = meta.pop("reasoning")
        passed = score.get("passed")
        scores[sid] = {
            "value": score.get("value"),
            "passed": False if target_error else (None if passed is None else bool(passed)),
            "reason": str(score.get("reason") or ""),
            "error": score.get("error"),
            "reasoning": None if reasoning is None else str(reasoning),
            "metadata": meta,
        }
    entry["scores"] = scores
    verdicts = [
        s["passed"]
        for sid, s in scores.items()
        if s["passed"] is not None and (gated is None or sid in gated)
    ]
    if target_error:
        entry["status"] = "error"
    elif verdicts:
        entry["status"] = "pass" if all(verdicts) else "fail"
    return entry


def _case_status(statuses: list[str], pass_share: float | None) -> str:
    if not statuses:
        return "not_run"
    if pass_share is None:
        return "not_evaluated"
    if pass_share >= 1:
        return "pass"
    if pass_share > 0:
        return "flaky"
    scored = [s for s in statuses if s != "not_evaluated"]
    return "error" if all(s == "error" for s in scored) else "fail"


def case_entry(
    group: CaseGroup,
    scorer_ids: Sequence[str],
    not_evaluated: Collection[str] = (),
    gated: Collection[str] | None = None,
) -> dict[str, Any]:
    """The ``cases[]`` entry of results.json for one case.

    ``not_evaluated`` are scorers that evaluated nothing in the run: their per-case
    share is null even where a target error failed them. ``gated`` are the scorers a
    threshold uses: only they decide whether a sample (and so the case) passed; None
    (no thresholds) lets every scorer decide. ``failed_scorers`` lists every scorer.
    """
    samples = [_sample_entry(rec, scorer_ids, gated) for rec in group.records]
    statuses = [s["status"] for s in samples]
    scored = [s for s in statuses if s != "not_evaluated"]
    pass_share = statuses.count("pass") / len(scored) if scored else None
    per_scorer: dict[str, float | None] = {}
    failed: list[str] = []
    for sid in scorer_ids:
        n = passes = 0
        failed_here = False
        for sample in samples:
            score = sample["scores"].get(sid)
            if score is None or score["passed"] is None:
                continue
            n += 1
            if score["passed"]:
                passes += 1
            elif sample["status"] != "error":  # target errors are reported on their own
                failed_here = True
        per_scorer[sid] = passes / n if n and sid not in not_evaluated else None
        if failed_here:
            failed.append(sid)
    case = group.case
    return {
        "key": group.key,
        "id": group.id,
        "dataset": group.dataset,
        "inputs": case.inputs if case else {},
        "expected": case.expected if case else None,
        "tags": list(case.tags) if case else [],
        "contexts": case.contexts if case else None,
        "source": case.source if case else "",
        "status": _case_status(statuses, pass_share),
        "n_samples": len(samples),
        "n_target_errors": statuses.count("error"),
        "pass_share": pass_share,
        "flaky": pass_share is not None and 0 < pass_share < 1,
        "scorer_pass_shares": per_scorer,
        "failed_scorers": failed,
        "samples": samples,
    }
