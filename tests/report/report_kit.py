"""Synthetic runs for the results and report tests: a PRD, cases and sample records."""

from __future__ import annotations

from typing import Any

from gonogo.data._case import Case
from gonogo.spec._prd import PRD


def make_prd(**plan_overrides: Any) -> PRD:
    plan: dict[str, Any] = {
        "target": "acme.bot:answer",
        "datasets": [{"name": "golden", "path": "golden.jsonl"}],
        "repeats": 3,
        "scorers": [
            {"id": "correct", "kind": "equals"},
            {"id": "polite", "kind": "rubric", "criteria": "Polite; offers a human"},
            {"id": "no_cards", "kind": "regex_absent", "pattern": r"\d{13,16}"},
            {"id": "similar", "kind": "semantic_similarity", "min": 0.8},
        ],
        "thresholds": [
            {"scorer": "correct", "min_pass_rate": 0.6},
            {"scorer": "polite", "min_pass_rate": 0.9},
            {"scorer": "no_cards", "min_pass_rate": 1.0},
            {"scorer": "similar", "min_mean": 0.5},
        ],
    }
    plan.update(plan_overrides)
    return PRD.model_validate(
        {
            "feature": "Refund answers",
            "eval_plan": plan,
            "failure_modes": [
                {
                    "id": "wrong-answer",
                    "what": "States the wrong policy",
                    "severity": "high",
                    "detect": ["correct", "monitor:thumbs"],
                },
                {
                    "id": "rude",
                    "what": "Blames the customer",
                    "severity": "medium",
                    "detect": "polite",
                },
                {
                    "id": "injection",
                    "what": "Follows injected instructions",
                    "severity": "high",
                    "detect": "redteam:indirect-injection",
                },
            ],
            "launch": {"budget": {"per_1k_requests_usd": 0.8}},
        }
    )


def make_cases(n: int, dataset: str = "golden") -> list[Case]:
    return [
        Case(
            id=f"q{i}",
            inputs={"question": f"Can I return item {i}?"},
            expected=f"answer {i}",
            tags=["refund"] if i % 2 else [],
            dataset=dataset,
            source=f"golden.jsonl:{i + 1}",
        )
        for i in range(n)
    ]


def score(
    passed: bool | None, value: float | None = None, reason: str = "", **meta: Any
) -> dict[str, Any]:
    if value is None and passed is not None:
        value = 1.0 if passed else 0.0
    return {"value": value, "passed": passed, "reason": reason, "metadata": meta, "error": None}


def record(case: Case, sample: int, scores: dict[str, Any], **extra: Any) -> dict[str, Any]:
    rec: dict[str, Any] = {
        "case_key": case.key,
        "case_id": case.id,
        "dataset": case.dataset,
        "sample": sample,
        "output": f"output {case.id}/{sample}",
        "contexts": None,
        "latency_s": 1.0,
        "cost_usd": 0.0005,
        "input_tokens": 100,
        "output_tokens": 20,
        "cached": False,
        "error": None,
        "error_kind": None,
        "scores": scores,
        "judge_cost_usd": None,
        "completed_at": "2025-01-01T00:00:00Z",
    }
    rec.update(extra)
    return rec


NOT_EVAL = "not evaluated: no judge configured"


def target_error_record(case: Case, sample: int, kind: str = "timeout") -> dict[str, Any]:
    why = f"target error: {kind}"
    scores = {
        sid: {"value": None, "passed": False, "reason": why, "metadata": {}, "error": None}
        for sid in ("correct", "polite", "no_cards", "similar")
    }
    return record(case, sample, scores, output=None, error=f"{kind} after 60s", error_kind=kind)


def make_records(cases: list[Case], repeats: int = 3) -> list[dict[str, Any]]:
    """Case i: `correct` passes unless i % 5 == 0 (fails every sample) or i % 7 == 3
    (flaky: fails sample 0); rubric not evaluated; case 4 sample 2 is a timeout;
    cost unknown on every sample of case 1; similarity value 0.5 + (i % 5) / 10."""
    out: list[dict[str, Any]] = []
    for i, case in enumerate(cases):
        for s in range(repeats):
            if i == 4 and s == 2:
                out.append(target_error_record(case, s))
                continue
            ok = not (i % 5 == 0 or (i % 7 == 3 and s == 0))
            sim = 0.5 + (i % 5) / 10
            scores = {
                "correct": score(ok, reason="matches" if ok else "differs from expected"),
                "polite": score(None, reason=NOT_EVAL),
                "no_cards": score(True),
                "similar": score(sim >= 0.8, value=sim),
            }
            extra: dict[str, Any] = {"latency_s": 0.5 + i / 10}
            if i == 1:
                extra["cost_usd"] = None
            out.append(record(case, s, scores, **extra))
    return out


RUN_META: dict[str, Any] = {
    "id": "run-1",
    "started_at": "2025-01-01T00:00:00Z",
    "finished_at": "2025-01-01T00:01:00Z",
    "prd_path": "gonogo.yaml",
    "prd_sha256": "0" * 64,
    "feature": "Refund answers",
    "target": "acme.bot:answer",
    "repeats": 3,
    "gonogo_version": "0.1.0",
    "status": "completed",
    "stopped_reason": None,
    "datasets": [{"name": "golden", "path": "golden.jsonl", "sha256": "1" * 64, "cases": 20}],
    "judge": None,
    "wall_s": 60.0,
    "calls": {"target": 60, "judge": 0, "cache_hits": 0},
}
