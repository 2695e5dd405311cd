"""A workspace for the dashboard's tests, benchmarks and screenshots.

:func:`make_workspace` writes a real PRD (validated by gonogo) with its golden dataset,
stores eval runs in its run store (sample records aggregated by gonogo's own
``results.aggregate``, written through ``RunStore`` as ``gonogo eval`` does), pushes prompt
versions and moves labels in the gateway store, and writes production traces with
feedback, guards and monitor scores. ``evil`` is appended to every text a model or a user
could have written (the XSS corpus goes there).
"""

from __future__ import annotations

import asyncio
import random
import time
import uuid
from pathlib import Path
from typing import Any

import yaml

from gonogo.data import load_dataset
from gonogo.results import aggregate
from gonogo.spec import load_prd
from gonogo.store import RunStore
from gonogo.store.gateway import FeedbackRecord, TraceRecord, open_gateway_store


def prd_dict(evil: str = "") -> dict[str, Any]:
    return {
        "feature": f"Refund answers{evil}",
        "problem": f"Customers ask about refunds{evil}",
        "model": {
            "provider": "scripted",
            "name": "refund-model",
            "script": {"default": "You can return it within 30 days."},
            "prompt": {
                "name": "refund",
                "version": 3,
                "system": "Answer from the context only.",  # a template: braces are syntax
                "user": "Context:\n{contexts}\nQuestion: {question}",
            },
        },
        "eval_plan": {
            "datasets": [{"name": "golden", "path": "golden.jsonl"}],
            "repeats": 2,
            "scorers": [
                {"id": "correct", "kind": "contains_any", "values": ["30 days"]},
                {"id": "polite", "kind": "rubric", "criteria": f"Polite; offers a human{evil}"},
                {"id": "short", "kind": "length", "max_chars": 400},
            ],
            "thresholds": [
                {"scorer": "correct", "min_pass_rate": 0.6},
                {"scorer": "polite", "min_pass_rate": 0.6},
            ],
        },
        "failure_modes": [
            {"id": "wrong-answer", "what": f"States the wrong policy{evil}", "severity": "high",
             "detect": "correct", "mitigate": f"groundedness guard{evil}"},
            {"id": "rude", "what": f"Blames the customer{evil}", "severity": "medium",
             "detect": "polite"},
        ],
    }


def case_rows(n: int, evil: str = "") -> list[dict[str, Any]]:
    return [
        {"id": f"q{i}", "question": f"Can I return item {i}?{evil}",
         "expected": f"Within 30 days.{evil}", "contexts": [f"Policy {i}: 30 days.{evil}"],
         "tags": ["refund" if i % 2 else "shipping"]}
        for i in range(n)
    ]  # fmt: skip


def write_prd(folder: Path, n_cases: int, evil: str = "") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    prd = folder / "gonogo.yaml"
    prd.write_text(yaml.safe_dump(prd_dict(evil), sort_keys=False, allow_unicode=True))
    import json

    with open(folder / "golden.jsonl", "w") as f:
        for row in case_rows(n_cases, evil):
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    return prd


def _score(passed: bool | None, reason: str, value: float | None = None) -> dict[str, Any]:
    if value is None and passed is not None:
        value = 1.0 if passed else 0.0
    return {"value": value, "passed": passed, "reason": reason, "metadata": {}, "error": None,
            "reasoning": None}  # fmt: skip


def records(cases: list[Any], run_index: int, repeats: int, evil: str = "") -> list[dict[str, Any]]:
    """Case i fails `correct` when i % 5 == 0; the judge (`polite`) fails it when i % 4 == 0;
    run r also breaks case r % n; case i % 7 == 3 is flaky (sample 0 fails)."""
    out = []
    n = len(cases)
    for i, case in enumerate(cases):
        for s in range(repeats):
            broken = i % 5 == 0 or (run_index and i == run_index % n) or (i % 7 == 3 and s == 0)
            polite = i % 4 != 0
            output = (f"Sorry, no.{evil}" if broken else f"You can return it within 30 days.{evil}")
            out.append({
                "case_key": case.key, "case_id": case.id, "dataset": case.dataset, "sample": s,
                "output": output, "contexts": list(case.contexts or []), "latency_s": 0.2 + i / 100,
                "cost_usd": 0.0004, "input_tokens": 80, "output_tokens": 12, "cached": False,
                "error": None, "error_kind": None, "judge_cost_usd": None,
                "completed_at": "2026-01-01T00:00:00Z",
                "scores": {
                    "correct": _score(not broken, ("says 30 days" if not broken
                                                   else "no '30 days'") + evil),
                    "polite": _score(polite, ("polite" if polite else "curt") + evil, 5.0 if polite
                                     else 2.0),
                    "short": _score(True, "under 400 characters"),
                },
            })  # fmt: skip
    return out


def store_runs(prd: Path, n_runs: int, evil: str = "", *, results_cache: int = 0) -> list[str]:
    """``n_runs`` finished runs of ``prd`` (oldest first); ``results_cache`` > 0 aggregates
    only that many distinct runs and reuses them (benchmarks with 1,000 runs)."""
    loaded = load_prd(prd)
    cases = load_dataset(prd.parent / "golden.jsonl", name="golden").cases
    repeats = int(loaded.prd.eval_plan.repeats or 1)
    store = RunStore(prd.parent / ".gonogo" / "runs.sqlite")
    scorers = [{"id": s.id, "kind": s.kind, "params": {}} for s in loaded.prd.eval_plan.scorers]
    ids = []
    cached: list[tuple[list[dict[str, Any]], dict[str, Any]]] = []
    try:
        for r in range(n_runs):
            meta = {"started_at": f"2026-01-{1 + r // 1440 % 28:02d}T{r // 60 % 24:02d}:"
                    f"{r % 60:02d}:00Z", "prd_path": str(prd), "prd_sha256": loaded.sha256,
                    "feature": loaded.prd.feature, "target": "refund-model", "repeats": repeats,
                    "gonogo_version": "0.1.0", "status": "completed", "stopped_reason": None,
                    "datasets": [], "judge": None, "scorers": scorers, "wall_s": 1.0,
                    "calls": {"target": 0, "judge": 0, "cache_hits": 0}, "subset": None,
                    "prompt": {"name": "refund", "version": 1 + r * 3 // n_runs}}  # fmt: skip
            run_id = store.create_run(loaded.key, loaded.sha256, meta)
            if results_cache and len(cached) >= results_cache:
                recs, results = cached[r % results_cache]
                results = {**results, "run": {**results["run"], "id": run_id}}
            else:
                recs = records(cases, r, repeats, evil)
                results = aggregate(loaded.prd, cases, recs, {"id": run_id, **meta},
                                    scorer_descriptions=scorers)  # fmt: skip
                if results_cache:
                    cached.append((recs, results))
            for rec in recs:
                store.add_sample(run_id, rec, commit=False)
            store.commit()
            store.finish_run(run_id, "completed", meta, results)
            ids.append(run_id)
            time.sleep(0.002)  # distinct created_at
    finally:
        store.close()
    return ids


def traces(n: int, evil: str = "", *, now: float | None = None) -> list[TraceRecord]:
    now = now or time.time()
    rng = random.Random(7)
    out = []
    for i in range(n):
        guard = i % 6 == 0
        out.append(TraceRecord(
            id=f"tr-{i:05d}-{uuid.uuid4().hex[:6]}", started_at=now - 60 * (n - i),
            endpoint="/v1/prompts/refund/completions", api_key_id="gk_app",
            prompt_name="refund", prompt_version=1 + (i % 2), prompt_label="production",
            model="refund-model" if i % 3 else f"backup-model{evil}", params={},
            inputs={"variables": {"question": f"Where is my refund {i}?{evil}"}},
            contexts=[f"Refunds take 5 days.{evil}"], output=f"It takes 5 days.{evil}",
            status=200, path="primary" if i % 5 else "fallback:1",
            attempts=[{"model": "refund-model", "outcome": "ok"}],
            guards=[{"name": "pii", "stage": "output",
                     "outcome": "redact" if guard else "pass", "reason": f"card number{evil}"},
                    *([{"name": f"custom{evil}", "stage": "output", "outcome": "flag",
                        "reason": evil}] if evil and i % 5 == 0 else [])],
            latency_ms=100 + rng.random() * 50, input_tokens=50, output_tokens=10,
            cost_usd=0.0002, error=None,
        ))  # fmt: skip
    return out


async def seed_gateway(
    store_url: str, n_traces: int, evil: str = "", monitor: str | None = None
) -> dict[str, Any]:
    store = open_gateway_store(store_url)
    await store.open()
    try:
        for v in range(3):
            await store.push_prompt("refund", system=f"Be brief (v{v + 1}).{evil}",
                                    user="Context: {contexts}\nQuestion: {question}" + evil,
                                    model="refund-model", params={"temperature": v / 10},
                                    output_schema=None, actor=f"ana{evil}",
                                    message=f"version {v + 1}{evil}")  # fmt: skip
        await store.move_label("refund", "production", 2, actor="ana", reason=f"eval GO{evil}")
        ts = traces(n_traces, evil)
        await store.write_traces(ts)
        for i, t in enumerate(ts):
            if i % 4 == 1:
                await store.add_feedback(FeedbackRecord(
                    id=f"fb-{i}", trace_id=t.id, rating=0.0 if i % 8 == 1 else 1.0,
                    comment=f"wrong amount{evil}", correction=f"It takes 3 days.{evil}",
                    created_at=t.started_at + 5, api_key_id="gk_app"))  # fmt: skip
        if monitor is not None:  # what `gonogo monitor` records: one claim, then the scores
            claimed = await store.claim_traces(monitor, "w1", after=0, lease_s=60,
                                               limit=n_traces)  # fmt: skip
            await store.record_monitor(monitor, "w1", [
                (t.id, "scored", {"correct": {"value": float(i % 3 != 0),
                                              "passed": i % 3 != 0,
                                              "reason": f"monitor says{evil}"}})
                for i, t in enumerate(claimed)])  # fmt: skip
        return {"traces": [t.id for t in ts]}
    finally:
        await store.close()


async def record_evidence(prd: Path, run_ids: list[str], evil: str = "") -> None:
    """What `gonogo eval` and `gonogo compare` append to the PRD's evidence log."""
    from gonogo.run._evidence import record

    loaded = load_prd(prd)
    for run_id in run_ids:
        await record(loaded, "eval", "NO-GO", {"cases": 24, "note": f"kit run{evil}"},
                     f"run:{run_id}", extra={"datasets": []})  # fmt: skip
    await record(loaded, "compare", "no_difference", {"scorers": {f"correct{evil}": 0.01}},
                 f"comparison.json{evil}")  # fmt: skip


def run_async(coro: Any) -> Any:
    """``asyncio.run`` on its own thread (Playwright's sync API keeps a loop on this one)."""
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(1) as pool:
        return pool.submit(asyncio.run, coro).result()


def make_workspace(root: Path, *, cases: int = 24, runs: int = 3, n_traces: int = 40,
                   evil: str = "") -> dict[str, Any]:  # fmt: skip
    """A folder with one PRD, its runs, and a gateway store with prompts and traces."""
    prd = write_prd(root / "refunds", cases, evil)
    run_ids = store_runs(prd, runs, evil)
    run_async(record_evidence(prd, run_ids, evil))
    store_url = f"sqlite:///{root / 'gateway.db'}"
    from gonogo.spec import prd_key

    seeded = run_async(seed_gateway(store_url, n_traces, evil, monitor=f"prd:{prd_key(prd)}"))
    return {"root": root, "prd": prd, "runs": run_ids, "store_url": store_url, **seeded}


# -- a failure lab: a real `gonogo lab` on a small scripted Python target -----------------
LAB_CAPITALS = {
    "France": "Paris", "Italy": "Rome", "Spain": "Madrid", "Peru": "Lima", "Japan": "Tokyo",
    "Kenya": "Nairobi", "Egypt": "Cairo", "Chile": "Santiago", "Norway": "Oslo",
    "Ghana": "Accra", "Cuba": "Havana", "Nepal": "Kathmandu",
}  # fmt: skip

LAB_APP = '''
import json
CAPITALS = json.loads({capitals!r})
EVIL = json.loads({evil!r})


def answer(question):
    country = question.split(" of ", 1)[1].split("?", 1)[0]
    capital = CAPITALS[country]
    passage = f"{{capital}} is the capital of {{country}}. It was founded in 1100.{{EVIL}}"
    return {{"output": capital + EVIL, "contexts": [passage]}}
'''


def write_lab_project(folder: Path, module: str, evil: str = "") -> Path:
    """A PRD whose rows provoke through the lab (as tests/lab/lab_kit.py's capitals): an
    exact-answer scorer, a length bar, a regex scorer and a guard; ``evil`` in the feature,
    the rows, the golden cases, the answers and the passages."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{module}.py").write_text(LAB_APP.format(
        capitals=json.dumps(LAB_CAPITALS), evil=json.dumps(evil)))  # fmt: skip
    (folder / "data").mkdir(exist_ok=True)
    with open(folder / "data" / "golden.jsonl", "w") as f:
        for i, (country, capital) in enumerate(LAB_CAPITALS.items()):
            row = {"id": f"c{i}", "question": f"What is the capital of {country}?{evil}",
                   "expected": capital + evil}  # fmt: skip
            f.write(json.dumps(row, ensure_ascii=False) + "\n")
    words = 5 + len(evil.split())
    prd = {
        "feature": f"Capitals{evil}",
        "eval_plan": {
            "target": f"{module}:answer",
            "datasets": [{"name": "golden", "path": "data/golden.jsonl"}],
            "scorers": [{"id": "right", "kind": "equals"},
                        {"id": "short", "kind": "length", "max_words": words},
                        {"id": "no_sure", "kind": "regex_absent", "pattern": "^Sure!"}],
            "thresholds": [{"scorer": "right", "min_pass_rate": 0.5},
                           {"scorer": "short", "min_pass_rate": 0.5}],
        },
        "failure_modes": [
            {"id": "wrong-facts", "what": f"names the wrong city{evil}", "severity": "high",
             "detect": "right", "mitigate": f"m{evil}", "provoke": "lab:hallucinate"},
            {"id": "rambles", "what": f"long answers{evil}", "severity": "medium",
             "detect": "short", "mitigate": "m", "provoke": "lab:verbose(factor=10)"},
            {"id": "obeys-docs", "what": "does what a planted instruction says",
             "severity": "critical", "detect": "no_sure", "mitigate": "m",
             "guard": {"kind": "regex_absent", "pattern": "Sure!", "action": "block"},
             "provoke": "lab:plant-instruction + obey-instruction"},
            {"id": "never-provoked", "what": "a row without provoke", "severity": "low",
             "detect": "short", "mitigate": "m"},
        ],
    }  # fmt: skip
    path = folder / "gonogo.yaml"
    path.write_text(yaml.safe_dump(prd, sort_keys=False, allow_unicode=True))
    return path


def run_lab(prd: Path, **options: Any) -> dict[str, Any]:
    """`gonogo lab PRD` (Python API, recorded in the evidence log); lab.json."""
    from gonogo.lab import LabOptions, lab

    result = run_async(lab(prd, LabOptions(**options)))
    return dict(result.document)


def make_lab(root: Path, module: str, evil: str = "") -> dict[str, Any]:
    """A lab project under ``root``: a whole lab, then a subset one (``--only``/``--limit``)."""
    prd = write_lab_project(root / "capitals", module, evil)
    full = run_lab(prd)
    subset = run_lab(prd, only=("rambles",), limit=5)
    return {"prd": prd, "lab": full, "subset": subset}


# -- a comparison: a real `gonogo compare` of two scripted variants -----------------------
def write_compare_project(folder: Path, evil: str = "") -> Path:
    """Variant A knows 3 of 12 capitals, B (`wide`) all 12 but gets one of A's wrong: B better on
    `right`; ``evil`` in the feature, the variant's description and prompt, the golden cases
    and every answer."""
    import json

    folder.mkdir(parents=True, exist_ok=True)
    (folder / "data").mkdir(exist_ok=True)
    items = list(LAB_CAPITALS.items())
    with open(folder / "data" / "golden.jsonl", "w") as f:
        for i, (country, capital) in enumerate(items):
            row = {"id": f"c{i}", "country": country, "note": evil,
                   "expected": capital + evil}  # fmt: skip
            f.write(json.dumps(row, ensure_ascii=False) + "\n")

    def script(known: int, wrong: dict[str, str] | None = None) -> dict[str, str]:
        out = {country: capital + evil for country, capital in items[:known]}
        out.update({k: v + evil for k, v in (wrong or {}).items()})
        out["default"] = "I don't know" + evil
        return out

    braced = evil.replace("{", "{{").replace("}", "}}")  # a template: braces are syntax
    prd = {
        "feature": f"Capital answers{evil}",
        "model": {"provider": "scripted", "name": "capitals-large", "script": script(3),
                  "prompt": {"name": "capitals", "version": 1,
                             "user": "What is the capital of {country}?"}},
        "eval_plan": {
            "datasets": [{"name": "golden", "path": "data/golden.jsonl"}],
            "scorers": [{"id": "right", "kind": "equals"},
                        {"id": "answers", "kind": "regex_absent", "pattern": "(?i)don't know"}],
            "thresholds": [{"scorer": "right", "min_pass_rate": 0.5}],
        },
        "variants": {"wide": {"description": f"knows more capitals{evil}",
                              "model": "capitals-small",
                              "script": script(12, {"Italy": "Milan"}),
                              "prompt": {"version": 2, "system": "Answer briefly." + braced}}},
        "compare": {"candidate": "wide"},
    }  # fmt: skip
    path = folder / "gonogo.yaml"
    path.write_text(yaml.safe_dump(prd, sort_keys=False, allow_unicode=True))
    return path


def make_comparison(root: Path, evil: str = "", **options: Any) -> dict[str, Any]:
    """`gonogo compare PRD` (Python API: stored, recorded in the evidence log)."""
    from gonogo.compare import CompareOptions, compare

    prd = write_compare_project(root / "compare", evil)
    result = run_async(compare(prd, None, None, CompareOptions(**options)))
    return {"prd": prd, "doc": dict(result.document)}
