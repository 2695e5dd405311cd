from spec_helpers import VALID, write_prd

from gonogo.spec import check_prd, load_prd


def _check(tmp_path, text=VALID, env=None, cases=10):
    loaded = load_prd(write_prd(tmp_path, text, cases=cases))
    return check_prd(loaded, env=env or {})


def _messages(report, severity):
    return [(i.path, i.message) for i in report.issues if i.severity == severity]


def test_a_complete_prd_has_no_warnings(tmp_path):
    report = _check(tmp_path)
    assert report.ok
    assert report.warnings == [] and report.errors == []
    assert report.summary.cases == 10
    lines = report.summary.lines()
    assert lines[0] == "feature: FAQ answers (draft, pm@example.com)"
    assert "model faq-scripted (scripted)" in lines[1]
    assert "1 (golden), 10 cases × 1 repeat" in lines[2]
    assert "scorers: 2, thresholds: 2" in lines[3]


def test_failure_mode_detected_by_no_scorer(tmp_path):
    report = _check(tmp_path, VALID.replace("detect: match", "detect: macth"))
    [warning] = report.warnings
    assert warning.path == "failure_modes[0].detect"
    assert warning.message == "detect names 'macth', which is not a scorer of the eval plan"
    assert warning.hint == "did you mean 'match'?"
    assert (warning.line, warning.col) == (26, 13)


def test_failure_mode_detected_outside_eval_is_a_note(tmp_path):
    report = _check(tmp_path, VALID.replace("detect: match", "detect: redteam:injection"))
    assert report.warnings == []
    [note] = [n for n in report.notes if n.path == "failure_modes[0].detect"]
    assert "redteam:injection" in note.message and "does not run" in note.message
    # a scorer next to it covers the row: no note
    report = _check(tmp_path, VALID.replace("detect: match", "detect: [redteam:x, match]"))
    assert not [n for n in report.notes if "does not run" in n.message]


def test_failure_mode_without_detector_or_mitigation(tmp_path):
    text = VALID.replace("    detect: match\n", "").replace(
        "    mitigate: answers come only from the help centre\n", ""
    )
    report = _check(tmp_path, text)
    messages = [m for _, m in _messages(report, "warning")]
    assert "failure mode 'wrong-answer' has no detector: nothing tells when it happens" in messages
    assert "failure mode 'wrong-answer' has no mitigation" in messages


def test_failure_mode_without_provoke_is_a_note(tmp_path):
    report = _check(tmp_path, VALID.replace("    provoke: questions outside the help centre\n", ""))
    assert report.warnings == []
    assert any("provoke" in n.message for n in report.notes)


def test_scorer_without_threshold_is_reported_but_not_gated(tmp_path):
    report = _check(tmp_path, VALID.replace("    - {scorer: link, min_pass_rate: 0.7}\n", ""))
    [warning] = report.warnings
    assert warning.path == "eval_plan.scorers[1]"
    assert "'link' is reported but gates nothing" in warning.message
    # measured by a `scorer:` success metric: deliberate, so only a note
    text = VALID.replace("    - {scorer: link, min_pass_rate: 0.7}\n", "").replace(
        "success_metrics:\n",
        'success_metrics:\n  - {name: links, target: 0.9, measured_by: "scorer:link"}\n',
    )
    report = _check(tmp_path, text)
    assert report.warnings == []
    assert any("does not gate the launch" in n.message for n in report.notes)


def test_no_thresholds_at_all(tmp_path):
    text = VALID.replace(
        "  thresholds:\n    - {scorer: match, min_pass_rate: 0.7}\n"
        "    - {scorer: link, min_pass_rate: 0.7}\n",
        "",
    ).replace('"threshold:match"', '"scorer:match"')
    report = _check(tmp_path, text)
    [warning] = report.warnings
    assert warning.path == "eval_plan"
    assert "nothing gates the launch" in warning.message


def test_rubric_without_judge(tmp_path):
    text = VALID.replace(
        "  thresholds:\n",
        "    - {id: tone, kind: rubric, criteria: polite}\n  thresholds:\n"
        "    - {scorer: tone, min_pass_rate: 0.5}\n",
    )
    report = _check(tmp_path, text)
    [warning] = report.warnings
    assert warning.path == "eval_plan.scorers[2]"
    assert "will not be evaluated: the eval plan has no judge" in warning.message
    assert "its threshold cannot pass" in warning.message
    with_judge = text.replace(
        "  scorers:\n", "  judge: {name: gpt-4o, api_key_env: JUDGE_KEY}\n  scorers:\n"
    )
    report = _check(tmp_path, with_judge, env={"JUDGE_KEY": "k"})
    assert report.warnings == []
    report = _check(tmp_path, with_judge, env={})
    [warning] = report.warnings
    assert warning.path == "eval_plan.judge.api_key_env"
    assert "JUDGE_KEY is not set" in warning.message


def test_model_api_key_env_not_set(tmp_path):
    text = VALID.replace(
        '  provider: scripted\n  name: faq-scripted\n  script: {default: "See help.example.com"}\n',
        "  provider: openai-compatible\n  api_key_env: MY_KEY\n  name: gpt-4o-mini\n",
    )
    report = _check(tmp_path, text, env={})
    [warning] = report.warnings
    assert warning.path == "model.api_key_env"
    assert warning.message.startswith("environment variable MY_KEY is not set")
    assert warning.hint == "export MY_KEY=… before `gonogo eval`"
    assert _check(tmp_path, text, env={"MY_KEY": "sk-test"}).warnings == []


def test_pass_rate_bar_that_a_perfect_run_cannot_prove(tmp_path):
    text = VALID.replace("{scorer: link, min_pass_rate: 0.7}", "{scorer: link, min_pass_rate: 0.9}")
    report = _check(tmp_path, text)
    [warning] = report.warnings
    assert warning.path == "eval_plan.thresholds[1].min_pass_rate"
    assert "cannot pass" in warning.message and "0.72" in warning.message  # 10 / (10 + 1.96²)
    # gating on the point estimate is the documented way out
    point = text.replace("min_pass_rate: 0.9}", "min_pass_rate: 0.9, gate_on: point}")
    assert _check(tmp_path, point).warnings == []
    # a target of 1 always gates on the point (docs/reports.md): check agrees with the gate
    one = VALID.replace("{scorer: link, min_pass_rate: 0.7}", "{scorer: link, min_pass_rate: 1}")
    assert _check(tmp_path, one).warnings == []
    # 0.7 is within reach of 10 cases, 0.75 is not (but is of 12)
    bar = VALID.replace("{scorer: link, min_pass_rate: 0.7}", "{scorer: link, min_pass_rate: 0.75}")
    assert len(_check(tmp_path, bar, cases=10).warnings) == 1
    assert _check(tmp_path, bar, cases=12).warnings == []


def test_metric_target_that_differs_from_its_threshold(tmp_path):
    report = _check(tmp_path, VALID.replace("target: 0.7,", "target: 0.9,"))
    [warning] = report.warnings
    assert warning.path == "success_metrics[0].target"
    assert warning.message == "target 0.9 differs from the threshold on 'match' (0.7)"


def test_missing_dataset_file_is_an_error(tmp_path):
    loaded = load_prd(write_prd(tmp_path))
    (tmp_path / "data" / "golden.jsonl").unlink()
    report = check_prd(loaded, env={})
    assert not report.ok
    [error] = report.errors
    assert error.path == "eval_plan.datasets[0].path"
    assert "dataset file not found" in error.message
    assert report.summary.cases == 0
    # schema-only check skips the datasets
    assert check_prd(loaded, env={}, datasets=False).ok


def test_malformed_dataset_rows_are_errors(tmp_path):
    loaded = load_prd(write_prd(tmp_path))
    (tmp_path / "data" / "golden.jsonl").write_text('{"question": "a", "expected": "b"}\n{oops\n')
    report = check_prd(loaded, env={})
    [error] = report.errors
    assert error.line == 2 and "golden.jsonl" in error.file


def test_issues_are_ordered_errors_first(tmp_path):
    text = VALID.replace("detect: match", "detect: nope").replace(
        "    provoke: questions outside the help centre\n", ""
    )
    loaded = load_prd(write_prd(tmp_path, text))
    (tmp_path / "data" / "golden.jsonl").unlink()
    report = check_prd(loaded, env={})
    assert [i.severity for i in report.issues] == ["error", "warning", "info"]
