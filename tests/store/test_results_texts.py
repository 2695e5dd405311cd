"""The run store encodes each case of a finished run once (issue #18) and still writes
exactly what ``dumps(results)`` and ``dumps(case, one_line=True)`` wrote before."""

import sqlite3

import pytest

from gonogo import _redact
from gonogo._safejson import dumps
from gonogo.store import RunStore
from gonogo.store._sqlite import _encode_results


def _case(i, **extra):
    return {"key": f"d/c{i}", "status": "pass", "pass_share": 1.0,
            "samples": [{"output": f"answer {i}", "latency_s": 0.1 * i}], **extra}  # fmt: skip


CASES = {
    "ascii": [_case(i) for i in range(3)],
    "unicode and line separators": [_case(0, text="é ü 日本 \u2028 \u2029 \x85 \u00a0")],
    "a lone surrogate (repaired)": [_case(0, text="bad \ud800 half"), _case(1)],
    "NaN (repaired)": [_case(0, score=float("nan"))],
    "a non-string key (repaired)": [_case(0, extra={1: "x"})],
    "a secret in a case": [_case(0, error="invalid key sk-test-1234567890")],
    "one case": [_case(0)],
    "no cases": [],
}


@pytest.fixture
def secret(monkeypatch):
    monkeypatch.setattr(_redact, "_secrets", ())
    _redact.add_secret("sk-test-1234567890")


@pytest.mark.parametrize("name", list(CASES))
@pytest.mark.parametrize("head", [True, False])
def test_the_texts_are_what_encoding_the_whole_wrote(name, head, secret):
    results = {"schema": "gonogo.results", "verdict": "GO", "run": {"id": "r", "n": "ü"}}
    if not head:
        results = {}
    results["cases"] = CASES[name]
    whole, texts = _encode_results(results)
    assert whole == dumps(results)
    if texts is not None:
        assert texts == [dumps(c, one_line=True) for c in results["cases"]]
    assert "sk-test-1234567890" not in whole


def test_cases_that_are_not_the_last_key_take_the_general_path():
    results = {"cases": [_case(0)], "verdict": "GO"}
    assert _encode_results(results) == (dumps(results), None)
    assert _encode_results(None) == (None, None)


def test_finish_run_stores_the_same_rows(tmp_path, secret):
    store = RunStore(tmp_path / "runs.sqlite")
    run_id = store.create_run("p", "f", {})
    cases = [*CASES["unicode and line separators"], *CASES["a secret in a case"], _case(7)]
    results = {"schema": "gonogo.results", "verdict": "GO", "cases": cases}
    store.finish_run(run_id, "completed", {}, results)
    store.close()
    db = sqlite3.connect(tmp_path / "runs.sqlite")
    (stored,) = db.execute("SELECT results FROM runs WHERE id=?", (run_id,)).fetchone()
    rows = [r[0] for r in db.execute("SELECT record FROM run_cases ORDER BY idx")]
    assert stored == dumps(results)
    assert rows == [dumps(c, one_line=True) for c in cases]


@pytest.mark.parametrize("name", [n for n in CASES if n != "NaN (repaired)"])
def test_results_json_written_from_the_shared_texts_is_the_same(name, secret):
    from gonogo._safejson import case_texts
    from gonogo.report._json import dumps as results_json

    results = {"schema": "gonogo.results", "verdict": "GO", "cases": CASES[name]}
    assert results_json(results, case_texts(results)) == results_json(results)
    assert _encode_results(results, case_texts(results)) == _encode_results(results)


def test_results_json_still_refuses_nan_with_the_shared_texts():
    from gonogo._safejson import case_texts
    from gonogo.report._json import dumps as results_json

    results = {"verdict": "GO", "cases": CASES["NaN (repaired)"]}
    with pytest.raises(ValueError):
        results_json(results, case_texts(results))
