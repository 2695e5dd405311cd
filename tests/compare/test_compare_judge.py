"""The judge's pairwise preference: asked in both orders, position bias cancelled."""

import asyncio
import json

from compare_kit import prd_text, project, script

from gonogo.compare import CompareOptions, combine, compare, validate_comparison

FAIR = {
    # prefers whichever answer is not a refusal, wherever it is shown
    "<response_1>\nI don't know": {"reasoning": "response 2 answers", "better": "2"},
    "<response_2>\nI don't know": {"reasoning": "response 1 answers", "better": "1"},
    "default": {"reasoning": "both answer", "better": "tie"},
}
FIRST_ALWAYS = {"default": {"reasoning": "the first one reads better", "better": "1"}}


def judge_block(judge_script):
    return (
        "  judge: {provider: scripted, name: judge-scripted, script: "
        + json.dumps(judge_script)
        + "}\n"
    )


def run(tmp_path, judge_script, compare_section="compare: {candidate: wide}", **opts):
    prd = project(
        tmp_path,
        prd_text(
            script(range(10)),
            script(range(22)),
            judge=judge_block(judge_script),
            compare=compare_section,
        ),
    )
    return asyncio.run(compare(prd, None, None, CompareOptions(**opts))).document


def pref(doc):
    return next(s for s in doc["scorers"] if s["id"] == "preference")


def test_combine_needs_both_orders_to_agree():
    assert combine("2", "1") == "b"  # B second, then B first: B both times
    assert combine("1", "2") == "a"
    assert combine("1", "1") == "tie"  # always the first answer: position bias
    assert combine("2", "tie") == "tie"


def test_fair_judge_prefers_b_in_both_orders(tmp_path):
    doc = run(tmp_path, FAIR)
    assert validate_comparison(doc) == []
    p = doc["preference"]
    # 12 cases differ and go to the judge; 18 identical ones tie without a call
    assert (p["b_preferred"], p["a_preferred"], p["ties"]) == (12, 0, 18)
    assert p["judged_pairs"] == 12 and p["orders_disagree"] == 0 and p["not_evaluated"] == 0
    assert p["fingerprint"].startswith("judge-scripted#")
    row = pref(doc)
    assert row["metric"] == "preference" and row["primary"] is False
    assert (row["test"]["wins"], row["test"]["ties"], row["test"]["losses"]) == (12, 18, 0)
    assert row["verdict"] == "better" and "the judge prefers B" in row["test"]["reason"]
    changed = next(c for c in doc["cases"] if c["key"] == "golden/c12")
    sample = changed["samples"][0]["preference"]
    assert (sample["a_first"], sample["b_first"], sample["winner"]) == ("2", "1", "b")
    same = next(c for c in doc["cases"] if c["key"] == "golden/c00")
    assert same["samples"][0]["preference"]["skipped"] == "identical outputs"


def test_position_biased_judge_gives_only_ties(tmp_path):
    doc = run(
        tmp_path,
        FIRST_ALWAYS,
        compare_section="compare: {candidate: wide, primary: [preference]}",
    )
    p = doc["preference"]
    assert (p["b_preferred"], p["a_preferred"]) == (0, 0)
    assert p["orders_disagree"] == 12 and p["ties"] == 30
    row = pref(doc)
    assert row["primary"] is True and row["test"]["wins"] == row["test"]["losses"] == 0
    # only the preference decides here, and it found nothing: no false winner
    assert doc["settings"]["primary"] == ["preference"]
    assert doc["verdict"] == "no_difference"


def test_preference_can_be_turned_off(tmp_path):
    doc = run(tmp_path, FAIR, preference=False)
    assert doc["preference"] is None and doc["settings"]["preference"] is False
    assert all(s["id"] != "preference" for s in doc["scorers"])
