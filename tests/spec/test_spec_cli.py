import re

import pytest
from spec_helpers import VALID, write_prd

LOCATED = re.compile(r"^\S+:\d+:\d+: ", re.M)


def _bad(tmp_path, text):
    return write_prd(tmp_path, text)  # with its golden set: only the planted errors show


def test_init_then_check_passes(cli, tmp_path):
    result = cli("init", tmp_path / "proj")
    assert result.returncode == 0, result.stderr
    assert "gonogo.yaml" in result.stdout
    result = cli("check", tmp_path / "proj" / "gonogo.yaml")
    assert result.returncode == 0, result.stderr
    assert "valid PRD" in result.stdout
    assert "10 cases" in result.stdout
    assert "warnings (1):" in result.stdout  # the rubric without a judge, explained
    # --strict turns warnings into a failure
    result = cli("check", tmp_path / "proj", "--strict")
    assert result.returncode == 2
    assert "--strict" in result.stderr and "Traceback" not in result.stderr
    # a second init refuses to overwrite
    result = cli("init", tmp_path / "proj")
    assert result.returncode == 2
    assert "--force" in result.stderr and "Traceback" not in result.stderr


@pytest.mark.parametrize(
    "text, expected",
    [
        ("feature: x\nowner: a: b\n", r"gonogo.yaml:2:9: invalid YAML"),
        ("feature: x\neval_plan:\n\trepeats: 2\n", r"gonogo.yaml:3:1: invalid YAML: tab"),
        (VALID + "thresholds: []\n", r"gonogo.yaml:29:1: thresholds: unknown key 'thresholds'"),
        (
            VALID.replace("min: 0.8}", "min: high}"),
            r"gonogo.yaml:17:51: eval_plan.scorers\[0\].min: expected a number, got 'high'",
        ),
        ("", r"gonogo.yaml:1:1: the PRD is empty"),
    ],
)
def test_bad_input_is_one_located_line_exit_2(cli, tmp_path, text, expected):
    result = cli("check", _bad(tmp_path, text))
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert re.search(expected, result.stderr), result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_several_errors_are_all_printed(cli, tmp_path):
    text = VALID.replace("severity: high", "severity: huge").replace(
        "kind: contains_any", "kind: contains_anything"
    )
    result = cli("check", _bad(tmp_path, text))
    assert result.returncode == 2
    assert len(LOCATED.findall(result.stderr)) == 2
    assert "did you mean 'contains_any'?" in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_dataset_is_listed_with_the_schema_errors(cli, tmp_path):
    """A PRD that fails its schema is not checked further — but a missing golden set is
    found from the raw file, so one `check` lists it beside the typo, not after a re-run."""
    path = write_prd(tmp_path)
    path.write_text(path.read_text().replace("kind: contains_any", "kind: contains_anything"))
    (tmp_path / "data" / "golden.jsonl").unlink()
    result = cli("check", path)
    assert result.returncode == 2
    assert len(LOCATED.findall(result.stderr)) == 2, result.stderr
    assert "did you mean 'contains_any'?" in result.stderr
    assert re.search(r"datasets\[0\]\.path: dataset file not found: .*golden\.jsonl",
                     result.stderr), result.stderr  # fmt: skip


def test_missing_file_and_missing_dataset(cli, tmp_path):
    result = cli("check", tmp_path / "nope.yaml")
    assert result.returncode == 2
    assert "PRD file not found" in result.stderr and "Traceback" not in result.stderr
    path = write_prd(tmp_path)
    (tmp_path / "data" / "golden.jsonl").unlink()
    result = cli("check", path)
    assert result.returncode == 2
    assert "dataset file not found" in result.stderr
    result = cli("check", path, "--no-datasets")
    assert result.returncode == 0, result.stderr
    # eval names the PRD's line too, as check does (it said only the dataset's path)
    result = cli("eval", path, "-q")
    assert result.returncode == 2 and "dataset file not found" in result.stderr
    assert re.search(r"gonogo\.yaml:\d+:\d+", result.stderr), result.stderr
    tmp_rows = tmp_path / "nope.jsonl"
    result = cli("dataset", "add", path, tmp_rows)
    assert result.returncode == 2 and "ROWS argument" in result.stderr, result.stderr


def test_prd_command_rejects_bad_prd(cli, tmp_path):
    result = cli("prd", _bad(tmp_path, "feature: [\n"), "--format", "html")
    assert result.returncode == 2
    assert "invalid YAML" in result.stderr and "Traceback" not in result.stderr


def test_check_finds_a_case_that_leaves_a_prompt_variable_empty(cli, tmp_path):
    # `gonogo eval` refuses such a case before its first call (exit 2): `check` must not
    # call the same PRD valid
    assert cli("init", tmp_path / "proj").returncode == 0
    golden = tmp_path / "proj" / "data" / "golden.jsonl"
    with golden.open("a") as f:
        f.write('{"id": "typo", "qestion": "How do I close my account?"}\n')
    prd = tmp_path / "proj" / "gonogo.yaml"
    result = cli("check", prd)
    assert result.returncode == 2, result.stdout
    assert "valid PRD" not in result.stdout and "Traceback" not in result.stderr
    assert "golden.jsonl:11: case 'typo' has no value for prompt variable(s) {question}" in (
        result.stderr
    )
    assert "rename 'qestion' to 'question'" in result.stderr
    evaluated = cli("eval", prd, "-q")
    assert evaluated.returncode == 2 and "rename 'qestion' to 'question'" in evaluated.stderr
    # --no-datasets skips it, as it skips the datasets
    assert cli("check", prd, "--no-datasets").returncode == 0
