"""`launch.redteam` is a typed PRD section; `check` reports unknown `redteam:` probes."""

import textwrap

from gonogo_testkit import write_project

PRD = textwrap.dedent("""
    feature: x
    model:
      {{provider: scripted, name: m, script: [a],
       prompt: {{name: p, version: 1, user: "{{question}}"}}}}
    eval_plan:
      datasets: [{{name: g, path: data/golden.jsonl}}]
      scorers: [{{id: s, kind: equals}}]
      thresholds: [{{scorer: s, min_pass_rate: 0.5, gate_on: point}}]
    failure_modes:
      - {{id: inj, what: w, severity: high, detect: "{detect}", mitigate: m, provoke: "{provoke}"}}
    launch:
      redteam: {redteam}
""")
OK = "{max_attack_success: 0.02, limits: {harmful: 0.01}, fresh_within: 14d}"


def project(tmp_path, detect="redteam:indirect-injection", provoke="redteam:jailbreak/base64",
            redteam=OK):  # fmt: skip
    return write_project(tmp_path, PRD.format(detect=detect, provoke=provoke, redteam=redteam),
                         [{"id": "1", "question": "q", "expected": "a"}])  # fmt: skip


def test_a_valid_section_and_probe_names(tmp_path, cli):
    r = cli("check", project(tmp_path))
    assert r.returncode == 0, r.stderr
    from gonogo.spec import load_prd

    spec = load_prd(tmp_path / "gonogo.yaml").prd.launch.redteam
    assert spec.limit("harmful") == 0.01 and spec.limit("jailbreak") == 0.02
    assert spec.max_over_refusal == 0.10 and spec.fresh_within == "14d"


def test_unknown_probes_are_errors_at_their_line(tmp_path, cli):
    r = cli("check", project(tmp_path, detect="redteam:indirect-injektion",
                             provoke="redteam:jailbreak/base65"))  # fmt: skip
    assert r.returncode == 2
    line = next(i for i, t in enumerate(PRD.splitlines(), 1) if "detect:" in t)
    assert f"gonogo.yaml:{line}:" in r.stderr and "failure_modes[0].detect" in r.stderr
    assert "did you mean 'indirect-injection'?" in r.stderr
    assert (
        "'base65' is not a jailbreak mutator" in r.stderr and "did you mean 'base64'?" in r.stderr
    )


def test_bad_section_values_are_located(tmp_path, cli):
    for redteam, message in [
        ("{categories: [cybercrime]}", "unknown policy category 'cybercrime'"),
        ("{categories: []}", "`categories` is empty"),
        ("{max_attack_success: 2}", "at most 1"),
        ("{families: [harmfull]}", "harmful"),
        ("{fresh_within: soon}", "fresh_within"),
        ("{mutators: [base65]}", "unknown mutator"),
        ("{mutators: [rolepaly]}", "did you mean 'roleplay'?"),
        ("{wat: 1}", "wat"),
    ]:
        r = cli("check", project(tmp_path, redteam=redteam))
        assert r.returncode == 2, redteam
        line = PRD.splitlines().index("  redteam: {redteam}") + 1
        assert f"gonogo.yaml:{line}:" in r.stderr and message in r.stderr, (redteam, r.stderr)


def test_docs_describe_every_field_of_redteam_json():
    from pathlib import Path

    from gonogo.redteam import redteam_schema

    doc = (Path(__file__).parents[2] / "docs" / "redteam.md").read_text()
    names: set[str] = set()

    def walk(node):
        if isinstance(node, dict):
            names.update((node.get("properties") or {}).keys())
            for sub in node.values():
                walk(sub)
        elif isinstance(node, list):
            for sub in node:
                walk(sub)

    walk(redteam_schema())
    assert sorted(n for n in names if f"`{n}`" not in doc) == []
