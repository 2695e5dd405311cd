import asyncio
import json

import pytest

from gonogo.data import load_dataset
from gonogo.errors import UserError
from gonogo.spec import check_prd, init_project, load_prd, prd_json_schema


@pytest.fixture(scope="module")
def project(tmp_path_factory):
    root = tmp_path_factory.mktemp("starter")
    written = init_project(root)
    return root, written


def test_init_writes_prd_schema_and_dataset(project):
    root, written = project
    assert [p.relative_to(root).as_posix() for p in written] == [
        "gonogo.yaml",
        "gonogo.schema.json",
        "data/golden.jsonl",
    ]
    text = (root / "gonogo.yaml").read_text()
    assert text.splitlines()[0] == "# yaml-language-server: $schema=./gonogo.schema.json"
    assert json.loads((root / "gonogo.schema.json").read_text()) == prd_json_schema()
    dataset = load_dataset(root / "data" / "golden.jsonl")
    assert len(dataset.cases) >= 8
    assert all(c.inputs.keys() == {"question"} and c.expected and c.tags for c in dataset.cases)


def test_starter_checks_clean_apart_from_the_judgeless_rubric(project):
    root, _ = project
    loaded = load_prd(root / "gonogo.yaml")
    report = check_prd(loaded, env={})
    assert report.errors == []
    assert [(w.path, "no judge" in w.message) for w in report.warnings] == [
        ("eval_plan.scorers[4]", True)
    ]
    prd = loaded.prd
    assert prd.model is not None and prd.model.provider == "scripted"
    assert {s.kind for s in prd.eval_plan.scorers} >= {
        "semantic_similarity",
        "contains_any",
        "regex_absent",
        "length",
        "rubric",
    }
    assert all(fm.detectors and fm.mitigate for fm in prd.failure_modes)
    assert prd.launch is not None


def test_starter_passes_its_own_scorers_offline(project):
    """Every golden question gets a canned answer that passes every evaluated scorer."""
    from gonogo.data import TargetOutput
    from gonogo.models import ChatRequest, ScriptedProvider
    from gonogo.scorers import ScorerContext, build_scorers

    root, _ = project
    prd = load_prd(root).prd
    assert prd.model is not None and prd.model.script is not None
    provider = ScriptedProvider(prd.model.script)
    scorers = build_scorers(list(prd.eval_plan.scorers), ScorerContext(base_dir=str(root)))
    cases = load_dataset(root / "data" / "golden.jsonl").cases

    async def run():
        answers = {}
        for case in cases:
            user = prd.model.prompt.user.format(**case.inputs)
            messages = [
                {"role": "system", "content": prd.model.prompt.system},
                {"role": "user", "content": user},
            ]
            response = await provider.complete(ChatRequest(prd.model.name, messages), timeout_s=5)
            answers[case.id] = response.text
            for scorer in scorers:
                score = await scorer.score(case, TargetOutput(response.text))
                if scorer.id == "friendly":
                    assert score.passed is None  # no judge: not evaluated, never passed
                else:
                    assert score.passed, (case.id, scorer.id, score.reason)
        return answers

    answers = asyncio.run(run())
    # each question has its own answer; only the out-of-scope one falls to `default`
    assert len(set(answers.values())) == len(cases)
    assert answers["q-discount"] == prd.model.script["default"]


def test_init_refuses_to_overwrite_unless_forced(tmp_path):
    init_project(tmp_path)
    (tmp_path / "gonogo.yaml").write_text("feature: mine\n")
    with pytest.raises(UserError) as e:
        init_project(tmp_path)
    assert "gonogo.yaml" in str(e.value) and "--force" in (e.value.hint or "")
    assert (tmp_path / "gonogo.yaml").read_text() == "feature: mine\n"
    init_project(tmp_path, force=True)
    assert (tmp_path / "gonogo.yaml").read_text().startswith("# yaml-language-server")


def test_init_into_a_file_is_refused(tmp_path):
    target = tmp_path / "afile"
    target.write_text("x")
    with pytest.raises(UserError, match="is a file"):
        init_project(target)
