import json
from typing import Any

import pytest
from report_kit import RUN_META, make_cases, make_prd, make_records, record, score

from gonogo.results import SCHEMA, SCHEMA_VERSION, aggregate, exit_code
from gonogo.stats import wilson_interval

RunData = tuple[Any, list[Any], list[dict[str, Any]]]


def _by(items: list[dict[str, Any]], key: str, value: Any) -> dict[str, Any]:
    return next(i for i in items if i[key] == value)


def test_scorer_summaries(run_data: RunData) -> None:
    res = aggregate(*run_data, RUN_META)
    assert res["schema"] == SCHEMA and res["schema_version"] == SCHEMA_VERSION
    correct = _by(res["scorers"], "id", "correct")
    # fails: cases 0,5,10,15 (x3) + sample 0 of cases 3,17 + the timeout of case 4
    assert (correct["n_evaluated"], correct["passes"]) == (60, 45)
    assert correct["pass_rate"] == pytest.approx(0.75)
    assert correct["n_target_errors"] == 1
    assert correct["n_cases_evaluated"] == 20
    assert 20 <= correct["n_eff"] < 60  # repeats are correlated: fewer than 60 effective
    lo, hi = correct["pass_ci"]
    assert lo < 0.75 < hi
    assert hi - lo > wilson_interval(45, 60)[1] - wilson_interval(45, 60)[0]
    assert correct["kind"] == "equals"


def test_rubric_without_judge_is_not_evaluated_even_with_target_errors(run_data: RunData) -> None:
    res = aggregate(*run_data, RUN_META)
    polite = _by(res["scorers"], "id", "polite")
    assert polite["n_not_evaluated"] == 59
    assert polite["pass_rate"] is None and polite["pass_ci"] is None and polite["mean"] is None
    assert polite["not_evaluated_reason"] == "not evaluated: no judge configured"
    t = _by(res["thresholds"], "scorer", "polite")
    assert t["status"] == "not_evaluated" and t["passed"] is False
    assert "no judge configured" in t["message"]
    assert any("polite: 59 of 60 samples not evaluated" in w for w in res["warnings"])
    assert res["cases"][4]["scorer_pass_shares"]["polite"] is None


def test_mean_counts_target_errors_at_the_bottom_of_the_scale(run_data: RunData) -> None:
    res = aggregate(*run_data, RUN_META)
    similar = _by(res["scorers"], "id", "similar")
    values = [0.5 + (i % 5) / 10 for i in range(20) for _ in range(3)]
    values[4 * 3 + 2] = 0.0  # the timeout
    assert similar["mean"] == pytest.approx(sum(values) / 60)
    assert similar["n_values"] == 60
    assert sum(similar["histogram"]["counts"]) == 59  # the histogram leaves errors out
    lo, hi = similar["mean_ci"]
    assert lo < similar["mean"] < hi


def test_thresholds_and_verdict(run_data: RunData) -> None:
    res = aggregate(*run_data, RUN_META)
    statuses = {(t["scorer"], t["metric"]): t["status"] for t in res["thresholds"]}
    assert statuses == {
        ("correct", "pass_rate"): "undecided",  # 0.75 >= 0.6 but the lower bound is not
        ("polite", "pass_rate"): "not_evaluated",
        ("no_cards", "pass_rate"): "fail",  # target 1: the timeout is a failure
        ("similar", "mean"): "pass",
    }
    correct = _by(res["thresholds"], "scorer", "correct")
    assert correct["cases_needed_more"] > 0
    assert "lower bound below 0.6" in correct["message"]
    assert f"about {correct['cases_needed_more']} more cases" in correct["message"]
    no_cards = _by(res["thresholds"], "scorer", "no_cards")
    assert no_cards["gate_on"] == "point" and no_cards["gate_note"]
    assert res["verdict"] == "NO-GO"
    assert len(res["verdict_reasons"]) == 3
    assert exit_code(res) == 1


def test_failure_modes(run_data: RunData) -> None:
    res = aggregate(*run_data, RUN_META)
    wrong = _by(res["failure_modes"], "id", "wrong-answer")
    assert wrong["detectors"] == ["correct"] and wrong["other_detectors"] == ["monitor:thumbs"]
    assert (wrong["detected"], wrong["n_evaluated"]) == (14, 59)  # target errors left out
    assert wrong["cases_detected"] == 6
    assert wrong["status"] == "detected"
    assert wrong["rate_ci"][0] < 14 / 59 < wrong["rate_ci"][1]
    assert _by(res["failure_modes"], "id", "rude")["status"] == "not_evaluated"
    injection = _by(res["failure_modes"], "id", "injection")
    assert injection["status"] == "no_detector"
    assert injection["other_detectors"] == ["redteam:indirect-injection"]


def test_totals_never_treat_unknown_cost_as_zero(run_data: RunData) -> None:
    tot = aggregate(*run_data, RUN_META)["totals"]
    assert tot["n_cases"] == 20 and tot["n_samples"] == 60
    assert tot["target_errors_by_kind"] == {"timeout": 1}
    assert tot["cost_unknown_samples"] == 3 and tot["cost_known_samples"] == 57
    assert tot["cost_usd"] == pytest.approx(57 * 0.0005)
    assert tot["cost_per_1k_requests_usd"] == pytest.approx(0.5)
    assert tot["within_budget"] is True
    assert tot["judge_cost_usd"] is None
    assert tot["cases_by_status"] == {"fail": 12, "flaky": 2, "pass": 6}
    assert tot["latency_s"]["p50"] == pytest.approx(1.45)
    assert tot["tokens"] == {"input": 6000, "output": 1200, "unknown_samples": 0}


def test_cases(run_data: RunData) -> None:
    cases = aggregate(*run_data, RUN_META)["cases"]
    assert [c["key"] for c in cases] == [f"golden/q{i}" for i in range(20)]
    flaky = cases[3]
    assert flaky["flaky"] and flaky["pass_share"] == pytest.approx(2 / 3)
    assert flaky["failed_scorers"] == ["correct"]
    assert flaky["samples"][0]["status"] == "fail"
    timeout = cases[4]
    assert timeout["n_target_errors"] == 1 and timeout["status"] == "flaky"
    assert timeout["samples"][2]["status"] == "error"
    assert timeout["samples"][2]["scores"]["correct"]["passed"] is False
    assert cases[0]["status"] == "fail" and cases[0]["pass_share"] == 0
    assert cases[0]["inputs"] == {"question": "Can I return item 0?"}


def test_judge_scores_fingerprints_and_rubric_floor() -> None:
    prd = make_prd(
        judge={"name": "judge-model"},
        thresholds=[{"scorer": "polite", "min_mean": 3.5, "gate_on": "point"}],
    )
    cases = make_cases(6)
    recs = []
    for i, case in enumerate(cases):
        for s in range(2):
            grade = float(2 + (i + s) % 4)
            sc = score(grade >= 4, value=grade, reason=f"grade {grade}", judge_fingerprint="fp1")
            sc["metadata"]["reasoning"] = "polite and helpful"
            recs.append(record(case, s, {"polite": sc}, judge_cost_usd=0.001))
    recs[0] = record(cases[0], 0, {}, error="boom", error_kind="exception", output=None)
    res = aggregate(prd, cases, recs, RUN_META)
    polite = _by(res["scorers"], "id", "polite")
    assert polite["judge_fingerprints"] == ["fp1"]
    assert polite["histogram"]["edges"] == [1.5, 2.5, 3.5, 4.5, 5.5]  # one bin per grade
    assert sum(polite["histogram"]["counts"]) == 11  # the target error is left out
    grades = [2 + (i + s) % 4 for i in range(6) for s in range(2)]
    grades[0] = 1  # the target error counts as the lowest grade of a 1-5 scale
    assert polite["mean"] == pytest.approx(sum(grades) / 12)
    sample = res["cases"][1]["samples"][0]["scores"]["polite"]
    assert sample["reasoning"] == "polite and helpful"
    assert "reasoning" not in sample["metadata"]
    assert res["totals"]["judge_cost_usd"] == pytest.approx(0.011)
    assert res["thresholds"][0]["status"] == ("pass" if polite["mean"] >= 3.5 else "fail")


def test_go_when_every_threshold_passes() -> None:
    prd = make_prd(
        repeats=1,
        scorers=[{"id": "correct", "kind": "equals"}],
        thresholds=[{"scorer": "correct", "min_pass_rate": 0.7}],
    )
    cases = make_cases(60)
    recs = [record(c, 0, {"correct": score(i % 20 != 0)}) for i, c in enumerate(cases)]
    res = aggregate(prd, cases, recs, RUN_META)
    t = res["thresholds"][0]
    assert t["estimate"] == pytest.approx(57 / 60)
    assert (t["ci"][0], t["ci"][1]) == pytest.approx(wilson_interval(57, 60))
    assert t["status"] == "pass" and t["cases_needed_more"] is None
    assert res["verdict"] == "GO" and exit_code(res) == 0
    assert res["verdict_reasons"] == ["all 1 threshold pass"]


def test_no_thresholds_is_no_go() -> None:
    prd = make_prd(thresholds=[])
    cases = make_cases(3)
    res = aggregate(prd, cases, make_records(cases), RUN_META)
    assert res["verdict"] == "NO-GO"
    assert "no thresholds" in res["verdict_reasons"][0]


def test_partial_run_is_incomplete_and_lists_cases_not_run() -> None:
    prd = make_prd()
    cases = make_cases(10)
    recs = make_records(cases[:6])
    meta = {**RUN_META, "status": "partial", "stopped_reason": "max_cost"}
    res = aggregate(prd, cases, recs, meta)
    assert res["verdict"] == "INCOMPLETE" and exit_code(res) == 3
    assert "max_cost" in res["verdict_reasons"][0] and "6 of 10" in res["verdict_reasons"][0]
    assert res["cases"][8]["status"] == "not_run" and res["cases"][8]["samples"] == []
    assert res["totals"]["n_cases_run"] == 6


def test_unknown_threshold_scorer_and_records_of_unknown_cases() -> None:
    prd = make_prd(thresholds=[{"scorer": "missing", "min_pass_rate": 0.5}])
    cases = make_cases(2)
    stray = make_cases(3)[2:]
    recs = make_records(cases) + make_records(stray)
    res = aggregate(prd, cases, recs, RUN_META)
    assert res["thresholds"][0]["status"] == "not_evaluated"
    assert "no scorer `missing`" in res["thresholds"][0]["message"]
    assert [c["id"] for c in res["cases"]] == ["q0", "q1", "q2"]


def test_scorer_errors_are_counted() -> None:
    prd = make_prd(scorers=[{"id": "correct", "kind": "equals"}], thresholds=[])
    cases = make_cases(4)
    broken = {"value": None, "passed": None, "reason": "scorer crashed", "error": "KeyError"}
    recs = [record(c, 0, {"correct": score(True) if i else broken}) for i, c in enumerate(cases)]
    res = aggregate(prd, cases, recs, RUN_META)
    s = res["scorers"][0]
    assert s["n_errors"] == 1 and s["n_not_evaluated"] == 1 and s["n_evaluated"] == 3
    assert any("raised an error on 1 samples" in w for w in res["warnings"])


def test_results_are_strict_json(run_data: RunData) -> None:
    res = aggregate(*run_data, RUN_META)
    again = json.loads(json.dumps(res, allow_nan=False))
    assert again["verdict"] == res["verdict"]


def test_deterministic(run_data: RunData) -> None:
    assert aggregate(*run_data, RUN_META) == aggregate(*run_data, RUN_META)


def test_scorer_descriptions_as_text_or_describe_records(run_data: RunData) -> None:
    text = aggregate(*run_data, RUN_META, scorer_descriptions={"correct": "matches the policy"})
    assert _by(text["scorers"], "id", "correct")["description"] == "matches the policy"
    described = [
        {"id": "correct", "kind": "equals", "params": {"normalize": True}},
        {"id": "similar", "kind": "semantic_similarity", "params": {"description": "close"}},
    ]
    res = aggregate(*run_data, RUN_META, scorer_descriptions=described)
    correct = _by(res["scorers"], "id", "correct")
    assert correct["params"] == {"normalize": True} and correct["kind"] == "equals"
    assert _by(res["scorers"], "id", "similar")["description"] == "close"
    assert _by(res["scorers"], "id", "polite")["params"] is None


def test_identical_scores_on_a_small_set_cannot_pass_a_mean_bar_by_luck() -> None:
    prd = make_prd(judge={"name": "j"}, thresholds=[{"scorer": "polite", "min_mean": 4.5}])
    cases = make_cases(3)
    recs = [record(c, 0, {"polite": score(True, value=5.0)}) for c in cases]
    res = aggregate(prd, cases, recs, RUN_META)
    polite = _by(res["scorers"], "id", "polite")
    assert polite["mean"] == 5.0
    lo, hi = polite["mean_ci"]
    # Wilson on the rescaled mean over 3 cases: (1 + 4 * 0.4385, 5)
    assert lo == pytest.approx(1 + 4 * wilson_interval(3, 3)[0]) and hi == 5.0
    assert res["thresholds"][0]["status"] == "undecided"
    many = make_cases(200)
    recs = [record(c, 0, {"polite": score(True, value=5.0)}) for c in many]
    assert aggregate(prd, many, recs, RUN_META)["thresholds"][0]["status"] == "pass"
