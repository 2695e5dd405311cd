"""Bad input: clear errors or a clear "too small to tell" — never a crash or false verdict."""

import asyncio
import textwrap

import pytest
from compare_kit import cases, prd_text, project, script

from gonogo.compare import CompareOptions, VariantRef, compare, parse_variant_args
from gonogo.compare._compare import _check_same_cases
from gonogo.compare._run import VariantRun
from gonogo.compare._variants import resolve_variant
from gonogo.errors import SpecError, UserError
from gonogo.run import compile_suite
from gonogo.spec import load_prd, load_prd_text
from gonogo_testkit import write_project


def run(prd, a=None, b=None, **opts):
    return asyncio.run(compare(prd, a, b, CompareOptions(**opts)))


@pytest.fixture
def prd(tmp_path):
    return project(tmp_path, prd_text(script(range(10)), script(range(22))))


def test_unknown_variant_names_the_known_ones(prd, cli):
    r = cli("compare", prd, "--b", "wdie", "-q")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "no variant named 'wdie'" in r.stderr and "variants: prd, wide" in r.stderr


@pytest.mark.parametrize(
    ("args", "fragment"),
    [
        (["--b", "bogus=1"], "bogus"),
        (["--b", "params=3"], "params"),
        (["--b", "wide", "--b", "prd"], "two variant names"),
        (["--mode", "non_inferiority"], "needs a margin"),
        (["--margin", "0.05"], "only applies to non-inferiority"),
        (["--b", "target=app:answer", "--b", "model=x"], "changes the model spec"),
    ],
)
def test_bad_options_exit_2_with_a_fix(prd, cli, args, fragment):
    r = cli("compare", prd, *args, "-q")
    assert r.returncode == 2, r.stdout + r.stderr
    assert fragment in r.stderr and "Traceback" not in r.stderr


def test_no_candidate_anywhere(tmp_path):
    prd = project(tmp_path, prd_text(script(range(3)), script(range(3)), compare=""))
    with pytest.raises(UserError, match="which variant is B"):
        run(prd)


def test_one_case_is_too_small_to_tell(tmp_path, cli):
    prd = project(tmp_path, prd_text(script(range(1)), script([])), n=1)
    r = cli("compare", prd, "-q", "--out", tmp_path / "out")
    assert r.returncode == 1, r.stdout + r.stderr  # the default --fail-on includes too_small
    assert "too small to tell" in r.stdout
    res = run(prd, resume=True)
    assert res.verdict == "too_small"
    correct = next(s for s in res.document["scorers"] if s["id"] == "correct")
    assert correct["test"]["losses"] == 1 and correct["verdict"] == "too_small"
    assert res.exit_code({"worse"}) == 0  # never a false "B worse" from one case
    reasons = res.document["verdict_reasons"]
    assert sum(r.startswith("correct:") for r in reasons) == 1, reasons  # said once


def test_target_args_the_callable_does_not_take(tmp_path):
    app = "def answer(country):\n    return 'Paris'\n"
    text = textwrap.dedent("""\
        feature: x
        eval_plan:
          target: capitals_app:answer
          datasets: [{name: golden, path: data/golden.jsonl}]
          scorers: [{id: correct, kind: equals}]
        variants:
          k3: {target_args: {k: 3}}
        compare: {candidate: k3}
    """)
    prd = write_project(tmp_path, text, cases(3), {"capitals_app.py": app})
    with pytest.raises(UserError, match="takes no argument 'k'"):
        run(prd)


def test_variants_on_different_datasets_are_refused(tmp_path):
    one = project(tmp_path / "one", prd_text(script(range(3)), script(range(3))), n=5)
    two = project(tmp_path / "two", prd_text(script(range(3)), script(range(3))), n=6)
    runs = []
    for path in (one, two):
        loaded = load_prd(path)
        runs.append(VariantRun(resolve_variant(loaded, VariantRef(), "a"), compile_suite(loaded)))
    try:
        with pytest.raises(UserError, match="not run on the same golden cases"):
            _check_same_cases(runs)
    finally:
        for r in runs:
            asyncio.run(r.suite.aclose())


def test_parse_variant_args():
    ref = parse_variant_args(["mini", "params.temperature=0", "prompt.system=Be brief: ok"])
    assert ref.name == "mini"
    assert ref.overrides == ("params.temperature=0", "prompt.system=Be brief: ok")
    loaded = load_prd_text(prd_text(script(range(1)), script(range(2))))
    v = resolve_variant(loaded, parse_variant_args(["wide", "params.temperature=0"]), "b")
    assert v.overrides["params"] == {"temperature": 0} and v.overrides["model"] == "capitals-small"
    v2 = resolve_variant(loaded, parse_variant_args(["prompt.system=Be brief: ok"]), "b")
    assert v2.overrides == {"prompt": {"system": "Be brief: ok"}}


PRD_ERRORS = """\
feature: x
eval_plan:
  target: app:answer
  datasets: [{name: g, path: g.jsonl}]
  scorers: [{id: correct, kind: equals}]
variants:
  prd: {}
  mini: {model: gpt-4o-mini}
  k3: {target_args: {k: 3}}
compare:
  candidate: k4
  margin: 0.05
  primary: [corect]
"""


def test_prd_cross_references_are_located():
    with pytest.raises(SpecError) as e:
        load_prd_text(PRD_ERRORS, file="g.yaml")
    text = str(e.value)
    assert "g.yaml:7:" in text and "reserved for the PRD as written" in text
    assert "g.yaml:8:" in text and "changes the model spec" in text
    assert (
        "g.yaml:11:" in text
        and "'k4' is not a variant" in text
        and "variants: prd, mini, k3" in text
    )
    assert "g.yaml:12:" in text and "only applies to `mode: non_inferiority`" in text
    assert "g.yaml:13:" in text and "did you mean 'correct'?" in text


def test_schema_documents_the_new_sections(cli):
    r = cli("schema")
    assert r.returncode == 0
    assert '"variants"' in r.stdout and '"CompareSpec"' in r.stdout
    assert "Non-inferiority margin" in r.stdout


def test_preference_without_a_judge_stops_before_running(tmp_path):
    prd = project(tmp_path, prd_text(script(range(3)), script(range(4))))
    with pytest.raises(UserError, match="needs a judge"):
        run(prd, preference=True)
    assert not (tmp_path / ".gonogo" / "runs.sqlite").exists()


@pytest.mark.parametrize(
    ("override", "suggestion"),
    [("promt.version=2", "unknown key 'promt' — did you mean 'prompt'?"),
     ("prompt.verison=2", "unknown key 'prompt.verison' — did you mean 'prompt.version'?")],
)  # fmt: skip
def test_an_override_typo_gets_a_did_you_mean(prd, cli, override, suggestion):
    r = cli("compare", prd, "--b", override, "-q")
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert suggestion in r.stderr, r.stderr
