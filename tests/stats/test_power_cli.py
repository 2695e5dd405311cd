"""`gonogo plan` through the real CLI."""

import json
import textwrap

import pytest

from gonogo.stats import cases_needed_paired, power_paired
from gonogo_testkit import write_project

PRD = textwrap.dedent("""
    feature: FAQ bot
    eval_plan:
      target: app:answer
      datasets: [{{name: golden, path: data/golden.jsonl}}]
      repeats: {repeats}
      scorers:
        - {{id: says_30, kind: contains_any, values: ["30 days"]}}
      thresholds:
        - {{scorer: says_30, min_pass_rate: 0.8}}
    {compare}
""")

APP = "def answer(question):\n    return 'within 30 days'\n"


def project(tmp_path, n_cases: int, compare: str = "", repeats: int = 1):
    rows = [{"id": f"c{i}", "question": f"q{i}", "expected": "30 days"} for i in range(n_cases)]
    text = PRD.format(repeats=repeats, compare=compare)
    return write_project(tmp_path, text, rows, {"app.py": APP})


def test_plan_prints_the_cases_needed(cli) -> None:
    r = cli("plan", "--baseline", "0.8", "--effect", "0.05")
    assert r.returncode == 0, r.stderr
    assert "golden cases needed: 943" in r.stdout
    assert "assumed" in r.stdout and "--discordance" in r.stdout
    r = cli("plan", "--baseline", "0.8", "--effect", "0.05", "--discordance", "0.1")
    assert "golden cases needed: 337" in r.stdout and "(given)" in r.stdout


def test_plan_json(cli) -> None:
    r = cli("plan", "--baseline", "0.9", "--margin", "0.03", "--discordance", "0.06", "--json")
    assert r.returncode == 0, r.stderr
    out = json.loads(r.stdout)
    expected = cases_needed_paired(baseline=0.9, effect=0.0, margin=0.03, discordance=0.06)
    assert out["cases_needed"] == expected
    assert out["mode"] == "non_inferiority" and out["effect"] == 0.0
    assert out["discordance_assumed"] is False and out["dataset_cases"] is None


def test_plan_with_repeats(cli) -> None:
    r = cli(
        "plan",
        "--baseline",
        "0.8",
        "--effect",
        "0.05",
        "--discordance",
        "0.1",
        "--repeats",
        "3",
        "--icc",
        "0.5",
        "--json",
    )
    out = json.loads(r.stdout)
    assert out["cases_needed"] == cases_needed_paired(
        baseline=0.8, effect=0.05, discordance=0.1, repeats=3, icc=0.5
    )
    assert out["samples_per_variant"] == 3 * out["cases_needed"]


def test_plan_checks_the_prd_golden_set(tmp_path, cli) -> None:
    prd = project(tmp_path, 120)
    r = cli("plan", prd, "--baseline", "0.8", "--effect", "0.1")
    assert r.returncode == 0, r.stderr
    needed = cases_needed_paired(baseline=0.8, effect=0.1)
    assert f"golden cases needed: {needed}" in r.stdout
    assert f"has 120 golden cases: too small: {needed - 120} more cases needed" in r.stdout
    power = power_paired(n=120, baseline=0.8, effect=0.1)
    assert f"power with them: {100 * power:.0f}%" in r.stdout
    assert cases_needed_paired(baseline=0.8, effect=0.15) <= 120
    r = cli("plan", prd, "--baseline", "0.8", "--effect", "0.15", "--json")
    out = json.loads(r.stdout)
    assert out["enough"] is True and out["dataset_cases"] == 120


def test_plan_takes_defaults_from_the_prd_compare_section(tmp_path, cli) -> None:
    compare = "compare: {mode: non_inferiority, margin: 0.1, alpha: 0.1, power: 0.9}"
    prd = project(tmp_path / "ni", 50, compare, repeats=2)
    out = json.loads(cli("plan", prd, "--baseline", "0.8", "--json").stdout)
    assert (out["mode"], out["margin"], out["alpha"], out["power"]) == (
        "non_inferiority",
        0.1,
        0.1,
        0.9,
    )
    assert out["repeats"] == 2 and out["dataset_cases"] == 50
    assert out["cases_needed"] == cases_needed_paired(
        baseline=0.8, effect=0.0, margin=0.1, alpha=0.1, power=0.9, repeats=2
    )
    prd = project(tmp_path / "sup", 50, "compare: {min_effect: 0.15}")
    out = json.loads(cli("plan", prd, "--baseline", "0.7", "--json").stdout)
    assert out["effect"] == 0.15 and out["mode"] == "superiority"
    # options given on the command line win over the PRD
    out = json.loads(cli("plan", prd, "--baseline", "0.7", "--effect", "0.2", "--json").stdout)
    assert out["effect"] == 0.2


@pytest.mark.parametrize(
    "args,message",
    [
        (["--baseline", "1.2", "--effect", "0.05"], "baseline must be a pass rate"),
        (["--baseline", "0", "--effect", "0.05"], "baseline must be a pass rate"),
        (["--baseline", "0.8", "--effect", "0"], "effect must be a positive change"),
        (["--baseline", "0.8", "--effect", "-0.05"], "effect must be a positive change"),
        (["--baseline", "0.8", "--effect", "0.3"], "baseline + effect must stay"),
        (["--baseline", "0.8"], "--effect is needed"),
        (["--baseline", "0.8", "--effect", "0.05", "--discordance", "0.9"], "impossible"),
        (["--baseline", "0.8", "--effect", "0.05", "--power", "1.5"], "power must be"),
        (["--baseline", "0.8", "--effect", "0.05", "--alpha", "0"], "alpha must be"),
        (["--baseline", "0.8", "--margin", "-1"], "margin must be"),
        (["--baseline", "abc", "--effect", "0.1"], "not a valid float"),
        (["--effect", "0.1"], "Missing option '--baseline'"),
        (["missing.yaml", "--baseline", "0.8", "--effect", "0.1"], "PRD file not found"),
    ],
)
def test_nonsense_exits_2_with_a_message(cli, args, message) -> None:
    r = cli("plan", *args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert message in r.stderr
    assert "Traceback" not in r.stderr


def test_help_explains_the_options(cli) -> None:
    r = cli("plan", "--help")
    assert r.returncode == 0
    for word in ("--baseline", "--effect", "--discordance", "--margin", "--repeats", "Examples"):
        assert word in r.stdout
    assert "plan" in cli("--help").stdout
