"""The detection matrix on a scripted target with known effects: the exact matrix, and the
hole when a detector is removed."""

import asyncio
import json
import sys
from pathlib import Path

from gonogo.lab import LabOptions, lab, validate_lab

sys.path.insert(0, str(Path(__file__).parent))
from lab_kit import write_capitals  # noqa: E402


def _fired(doc):
    return {(c["entry"], c["detector"]): c["fired"] for c in doc["matrix"]}


def test_exact_matrix_on_a_scripted_target(tmp_path):
    prd = write_capitals(tmp_path / "p", "labscript_app_exact")
    result = asyncio.run(lab(prd, LabOptions(out_dir=tmp_path / "out")))
    doc = result.document
    assert validate_lab(doc) == []
    fired = _fired(doc)
    detectors = ["right", "short", "no_sure", "guard:obeys-docs"]
    assert [d["id"] for d in doc["detectors"]] == detectors
    expected = {
        # planted wrong capitals: only the exact-answer scorer notices
        "wrong-facts": {"right"},
        # ten times longer: the length bar, and the exact answer, fail on every case
        "rambles": {"right", "short"},
        # the app retrieves nothing through gonogo.rag: the planted instruction never
        # reaches it, so nothing changes — not provoked (and not a detection)
        "obeys-docs": set(),
    }
    for entry, firing in expected.items():
        for d in detectors:
            assert fired[(entry, d)] is (d in firing), (entry, d)
    status = {e["id"]: e["status"] for e in doc["entries"]}
    assert status == {"wrong-facts": "detected", "rambles": "detected",
                      "obeys-docs": "not_provoked"}  # fmt: skip
    rows = {f["id"]: f for f in doc["failure_modes"]}
    assert rows["never-provoked"]["status"] == "not_in_lab"
    assert rows["never-provoked"]["reason"] == "no `provoke`"
    # every planted answer was caught by the exact-answer scorer (12 of 12)
    recall = {r["detector"]: r for r in doc["hallucination_recall"]}
    assert recall["right"]["planted"] == 12 and recall["right"]["caught"] == 12
    assert recall["short"]["caught"] == 0
    # both provoked injections flipped a passing threshold: mutation score 2/2
    assert doc["mutation_score"]["killed"] == 2 and doc["mutation_score"]["provoked"] == 2
    assert doc["holes"] == [] and result.exit_code == 0
    # the hallucinated answers are wrong capitals that the passage does not contain
    cases = [c for c in doc["cases"] if c["entry"] == "wrong-facts"]
    for c in cases:
        after = c["injected"]["output"]
        assert after != c["clean"]["output"] and after not in c["injected"]["contexts"][0]
    for name in ("lab.json", "lab.html", "junit.xml"):
        assert (tmp_path / "out" / name).exists()
    on_disk = json.loads((tmp_path / "out" / "lab.json").read_text())
    assert on_disk["lab"]["id"] == doc["lab"]["id"]


def test_removing_the_detector_leaves_a_hole(tmp_path):
    prd = write_capitals(tmp_path / "p", "labscript_app_hole", with_right=False)
    result = asyncio.run(lab(prd, LabOptions(only=("wrong-facts",))))
    doc = result.document
    entry = doc["entries"][0]
    assert entry["status"] == "undetected"
    assert entry["detectors_firing"] == []
    assert "groundedness" in entry["suggestion"]
    assert doc["holes"] == ["wrong-facts"]
    assert result.exit_code == 1  # a high-severity failure mode nothing detects


def test_same_seed_same_changes_and_resume_reuses(tmp_path):
    prd = write_capitals(tmp_path / "p", "labscript_app_seed")
    first = asyncio.run(lab(prd, LabOptions(only=("wrong-facts",), seed=3))).document
    again = asyncio.run(lab(prd, LabOptions(only=("wrong-facts",), seed=3, resume=True))).document
    assert again["clean_run"]["reused"] and again["runs"][0]["reused"]
    assert again["runs"][0]["run_id"] == first["runs"][0]["run_id"]
    fresh = asyncio.run(lab(prd, LabOptions(only=("wrong-facts",), seed=3))).document
    assert fresh["runs"][0]["run_id"] != first["runs"][0]["run_id"]
    outs = lambda d: [c["injected"]["output"] for c in d["cases"]]  # noqa: E731
    assert outs(fresh) == outs(first)
    other = asyncio.run(lab(prd, LabOptions(only=("wrong-facts",), seed=4))).document
    assert outs(other) != outs(first)


def test_a_users_own_injection(tmp_path):
    prd = write_capitals(tmp_path / "p", "labscript_app_plugin")
    (tmp_path / "p" / "my_faults.py").write_text(
        "from gonogo.lab import Injection\n"
        "class Shout(Injection):\n"
        "    name = 'shout'\n"
        "    layer = 'output'\n"
        "    def output(self, out, ctx):\n"
        "        if not self.hits(ctx):\n"
        "            return out\n"
        "        ctx.note(self.name, 'shouted')\n"
        "        out.output = out.output.upper() + '!!! ' * self.params['times']\n"
        "        return out\n"
        "def shout(times=1, rate=1.0):\n"
        "    return Shout(times=times, rate=rate)\n"
    )
    doc = asyncio.run(lab(prd, LabOptions(only=("lab:my_faults:shout(times=9)",)))).document
    entry = doc["entries"][0]
    assert entry["id"] == "my_faults:shout(times=9)" and entry["failure_mode"] is None
    # no failure mode: any firing detector counts; `equals` normalises case and punctuation,
    # so only the length bar notices
    assert entry["status"] == "detected"
    assert entry["detectors_firing"] == ["short"]


def test_resume_continues_an_interrupted_injected_run(tmp_path):
    import sqlite3

    prd = write_capitals(tmp_path / "p", "labscript_app_resume")
    opts = LabOptions(only=("rambles",))
    first = asyncio.run(lab(prd, opts)).document
    run_id = first["runs"][0]["run_id"]
    # as if Ctrl-C had stopped it after 5 of the 12 samples
    db = sqlite3.connect(tmp_path / "p" / ".gonogo" / "runs.sqlite")
    keep = [k for (k,) in db.execute("SELECT case_key FROM samples WHERE run_id=? "
                                     "ORDER BY case_key LIMIT 5", (run_id,))]  # fmt: skip
    db.execute(f"DELETE FROM samples WHERE run_id=? AND case_key NOT IN ({','.join('?' * 5)})",
               (run_id, *keep))  # fmt: skip
    db.execute("UPDATE runs SET status='partial', results=NULL WHERE id=?", (run_id,))
    db.commit()
    db.close()
    again = asyncio.run(lab(prd, LabOptions(only=("rambles",), resume=True))).document
    assert again["runs"][0]["run_id"] == run_id and not again["runs"][0]["reused"]
    assert again["entries"][0]["samples"] == 12
    assert again["matrix"] == first["matrix"]


def test_a_scenario_sweeps_an_intensity(tmp_path):
    prd = write_capitals(tmp_path / "p", "labscript_app_sweep")
    scenario = tmp_path / "sweep.yaml"
    scenario.write_text(
        "seed: 5\n"
        "injections:\n"
        "  - id: hallucinate\n"
        "    inject: hallucinate\n"
        "    failure_mode: wrong-facts\n"
        "    sweep: {rate: [0.1, 1.0]}\n"
        "  - id: both\n"
        "    inject: lab:verbose(factor=3) + refuse(rate=0.5)\n"
    )
    doc = asyncio.run(lab(prd, LabOptions(scenario=scenario))).document
    assert doc["lab"]["seed"] == 5 and doc["lab"]["scenario"] == str(scenario)
    entries = {e["id"]: e for e in doc["entries"]}
    assert list(entries) == ["hallucinate[rate=0.1]", "hallucinate[rate=1.0]", "both"]
    low, high = entries["hallucinate[rate=0.1]"], entries["hallucinate[rate=1.0]"]
    assert low["own_detectors"] == high["own_detectors"] == ["right"]
    assert high["status"] == "detected" and high["changed_samples"] == 12
    assert low["changed_samples"] < 6  # one in ten: too few cases for any test to fire
    assert low["status"] in ("undetected", "not_provoked")
    assert entries["both"]["failure_mode"] is None
    assert entries["both"]["injection"] == "lab:verbose(factor=3.0, rate=1.0) + refuse(rate=0.5)"


def test_a_row_without_a_scorer_of_its_own_is_detected_only_by_others(tmp_path):
    prd = write_capitals(tmp_path / "p", "labscript_app_noown")
    text = prd.read_text().replace(
        "    detect: short\n    mitigate: m\n    provoke: lab:verbose(factor=10)",
        '    detect: "redteam:jailbreak"\n    mitigate: m\n    provoke: lab:verbose(factor=10)',
    )
    prd.write_text(text)
    doc = asyncio.run(lab(prd, LabOptions(only=("rambles",)))).document
    entry = doc["entries"][0]
    assert entry["own_detectors"] == [] and entry["status"] == "detected_only_by_others"
    assert "names no scorer or guard" in entry["reason"] and "short" in entry["reason"]
