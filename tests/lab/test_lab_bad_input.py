"""Bad lab references: each reported at its line (gonogo check, gonogo lab), exit 2."""

import sys
from pathlib import Path

import pytest

from gonogo.spec import check_prd, load_prd
from gonogo.spec._lab import LabCall, ProvokeError, check_calls, parse_lab

sys.path.insert(0, str(Path(__file__).parent))
from lab_kit import write_capitals  # noqa: E402


def _with_provoke(tmp_path, provoke, module="labbad_app"):
    prd = write_capitals(tmp_path, module)
    text = prd.read_text().replace("provoke: lab:hallucinate", f"provoke: {provoke}")
    prd.write_text(text)
    return prd


def _line_of(prd, needle):
    return next(i for i, line in enumerate(prd.read_text().splitlines(), 1) if needle in line)


@pytest.mark.parametrize(
    "provoke, message",
    [
        ("lab:halucinate", "unknown injection 'halucinate' — did you mean 'hallucinate'?"),
        ("lab:hallucinate(rate=1.5)", "parameter 'rate' of hallucinate is out of range: 1.5"),
        ("lab:hallucinate(rte=0.5)", "injection 'hallucinate' has no parameter 'rte'"),
        ("lab:retrieval-dropout(top=two)", "parameter 'top' of retrieval-dropout must be a number"),
        ("lab:corrupt-json(mode=sideways)", "must be one of syntax, truncate, wrap"),
        ("lab:strip-system-prompt", "cannot reach a Python callable target"),
        ("lab:prompt-rollback", "injection 'prompt-rollback' (prompt) cannot reach"),
        ("lab:refuse +", "expected an injection name"),
        ("lab:refuse(rate=0.5", "unclosed '('"),
    ],
)
def test_check_reports_bad_references_at_their_line(tmp_path, provoke, message):
    prd = _with_provoke(tmp_path, provoke)
    report = check_prd(load_prd(prd), datasets=False)
    errors = [i for i in report.errors if "provoke" in i.path]
    assert len(errors) == 1, report.issues
    assert message in errors[0].format()
    assert errors[0].line == _line_of(prd, f"provoke: {provoke}")


def test_retrieval_injection_cannot_reach_an_http_endpoint():
    with pytest.raises(ProvokeError, match="HTTP endpoint") as e:
        check_calls([LabCall("near-miss")], "http")
    assert "output injection" in (e.value.hint or "")
    with pytest.raises(ProvokeError, match="prompt takes none"):
        check_calls([LabCall("near-miss")], "model", has_contexts=False)


def test_parse_and_defaults():
    calls = check_calls(parse_lab("lab:plant-instruction(position=start) + obey-instruction"),
                        "callable")  # fmt: skip
    assert [c.name for c in calls] == ["plant-instruction", "obey-instruction"]
    assert calls[0].params == {"position": "start", "text": None, "rate": 1.0}
    assert calls[1].params == {"mode": "obey", "rate": 1.0}
    text = check_calls(parse_lab("lab:hallucinate(what='numbers', rate=0.25)"), "http")
    assert text[0].text() == "hallucinate(rate=0.25, refusals=false, what=numbers)"
    assert calls[0].text() == "plant-instruction(position=start, rate=1.0)"  # None left out
    plugin = parse_lab("lab:my.mod:factory(n=3)")
    assert plugin[0].plugin and plugin[0].params == {"n": 3}


def test_gonogo_lab_and_check_exit_2_with_file_line(tmp_path, cli):
    prd = _with_provoke(tmp_path / "p", "lab:hallucinate(rate=2)", module="labbad_cli")
    line = _line_of(prd, "provoke: lab:hallucinate(rate=2)")
    for args in (("check", prd, "--no-import"), ("lab", prd)):
        r = cli(*args, cwd=tmp_path)
        assert r.returncode == 2, r.stdout + r.stderr
        assert f"gonogo.yaml:{line}:" in r.stderr + r.stdout
        assert "out of range" in r.stderr + r.stdout and "Traceback" not in r.stderr
    good = write_capitals(tmp_path / "q", "labbad_cli_good")
    r = cli("lab", good, "--only", "wrong-factz", cwd=tmp_path)
    assert r.returncode == 2 and "did you mean 'wrong-facts'" in r.stderr


def test_scenario_file_errors_by_line(tmp_path, cli):
    prd = write_capitals(tmp_path / "p", "labbad_scenario")
    scenario = tmp_path / "sweep.yaml"
    scenario.write_text(
        "injections:\n"
        "  - id: ok\n"
        "    inject: hallucinate\n"
        "  - id: bad\n"
        "    inject: near-mis(top=1)\n"
        "    failure_mode: wrong-factz\n"
        "  - id: sweep\n"
        "    inject: refuse\n"
        "    sweep: {rate: [0.1, 3]}\n"
    )
    r = cli("lab", prd, "--scenario", scenario, cwd=tmp_path)
    assert r.returncode == 2, r.stdout + r.stderr
    err = r.stderr
    assert "sweep.yaml:5:" in err and "unknown injection 'near-mis'" in err
    assert "sweep.yaml:6:" in err and "no failure mode 'wrong-factz'" in err
    assert "sweep.yaml:9:" in err and "out of range: 3" in err


def test_check_imports_a_plugin_injection(tmp_path, cli):
    prd = _with_provoke(tmp_path / "p", "lab:labbad_faults:missing(n=2)", module="labbad_plug")
    (tmp_path / "p" / "labbad_faults.py").write_text("def storm(n=1):\n    return None\n")
    line = _line_of(prd, "provoke: lab:labbad_faults:missing")
    r = cli("check", prd, cwd=tmp_path)
    assert r.returncode == 2 and f"gonogo.yaml:{line}:" in r.stderr
    assert "has no attribute 'missing'" in r.stderr
    prd.write_text(prd.read_text().replace("faults:missing(n=2)", "faults:storm(n=2)"))
    r = cli("check", prd, cwd=tmp_path)
    assert r.returncode == 2 and "did not give an injection" in r.stderr
