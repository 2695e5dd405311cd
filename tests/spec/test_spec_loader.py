import hashlib

import pytest
from spec_helpers import VALID, issues_of, load, only_issue, write_prd

from gonogo.errors import SpecError, UserError
from gonogo.spec import PRD, load_prd, load_prd_text
from gonogo.spec._xref import ENTRY_POINT_GROUP


def test_valid_prd_loads_with_positions_and_hash(tmp_path):
    path = write_prd(tmp_path)
    loaded = load_prd(path)
    assert isinstance(loaded.prd, PRD)
    assert loaded.prd.eval_plan.scorers[1].id == "link"
    assert loaded.base_dir == tmp_path.resolve()
    assert loaded.sha256 == hashlib.sha256(path.read_bytes()).hexdigest()
    # `eval_plan:` is on line 13; its second scorer on line 18 (a flow mapping at col 7)
    assert loaded.position(("eval_plan",), key=True) == (13, 1)
    assert loaded.position(("eval_plan",)) == (14, 3)  # the value: its first key
    assert loaded.position(("eval_plan", "scorers", 1)) == (18, 7)
    assert loaded.position(("eval_plan", "scorers", 1, "id")) == (18, 12)
    assert loaded.position(("eval_plan", "scorers", 1, "id"), key=True) == (18, 8)
    # a path that does not exist falls back to its nearest parent
    assert loaded.position(("eval_plan", "scorers", 1, "nope")) == (18, 7)
    issue = loaded.issue(("eval_plan", "scorers", 1, "id"), "msg", "hint", severity="warning")
    assert issue.format() == f"{path}:18:12: eval_plan.scorers[1].id: msg — hint"


def test_folder_means_its_gonogo_yaml(tmp_path):
    write_prd(tmp_path)
    assert load_prd(tmp_path).path == tmp_path / "gonogo.yaml"


def test_missing_file_is_a_user_error_naming_it(tmp_path):
    with pytest.raises(UserError) as e:
        load_prd(tmp_path / "nope.yaml")
    assert "nope.yaml" in str(e.value)
    assert "gonogo init" in (e.value.hint or "")
    assert not isinstance(e.value, SpecError)


def test_malformed_yaml_reports_line_and_column():
    issue = only_issue("feature: x\nowner: a: b\n")
    assert (issue.line, issue.col) == (2, 9)
    assert "invalid YAML" in issue.message
    assert "quote" in (issue.hint or "")


def test_unclosed_bracket_names_where_it_opened():
    issue = only_issue("feature: x\ngoals: [a, b\nowner: c\n")
    assert issue.line == 3
    assert "starts on line 2" in issue.message
    assert "not closed" in (issue.hint or "")


def test_tab_indentation_is_named():
    issue = only_issue("feature: x\neval_plan:\n\trepeats: 3\n")
    assert (issue.line, issue.col) == (3, 1)
    assert "tab" in issue.message
    assert "spaces" in (issue.hint or "")


@pytest.mark.parametrize(
    "text, fragment",
    [("", "empty"), ("# only a comment\n", "empty"), ("- a\n- b\n", "got a list")],
)
def test_empty_or_non_mapping_file(text, fragment):
    issue = only_issue(text)
    assert fragment in issue.message
    assert issue.line == 1


def test_not_utf8(tmp_path):
    path = tmp_path / "gonogo.yaml"
    path.write_bytes(b"feature: x\nowner: \xff\n")
    with pytest.raises(SpecError) as e:
        load_prd(path)
    assert e.value.issues[0].line == 2
    assert "UTF-8" in e.value.issues[0].message


def test_unknown_top_level_key_points_at_the_key_and_suggests_its_home():
    text = VALID + "thresholds:\n  - {scorer: match, min_pass_rate: 0.7}\n"
    issue = only_issue(text)
    assert (issue.line, issue.col, issue.path) == (29, 1, "thresholds")
    assert issue.message == "unknown key 'thresholds'"
    assert "belongs under 'eval_plan'" in (issue.hint or "")
    assert "allowed keys here:" in (issue.hint or "")


def test_unknown_nested_key_did_you_mean():
    issue = only_issue(VALID.replace("    version: 1\n", "    versoin: 1\n    version: 1\n"))
    assert issue.path == "model.prompt.versoin"
    assert (issue.line, issue.col) == (11, 5)
    assert issue.hint is not None and issue.hint.startswith("did you mean 'version'?")


def test_unknown_key_in_a_scorer_of_the_list():
    text = VALID.replace(
        "{id: match, kind: semantic_similarity, min: 0.8}",
        "{id: match, kind: semantic_similarity, minimum: 0.8}",
    )
    issue = only_issue(text)
    assert issue.path == "eval_plan.scorers[0].minimum"
    assert (issue.line, issue.col) == (17, 46)
    assert "did you mean 'min'?" in (issue.hint or "")
    # the tag pydantic puts in the location never reaches the user
    assert "SimilarityScorer" not in issue.format()


def test_wrong_types_are_worded_plainly():
    text = VALID.replace("  datasets:\n", "  repeats: three\n  datasets:\n")
    issue = only_issue(text)
    assert issue.path == "eval_plan.repeats"
    assert issue.message == "expected a whole number, got 'three'"
    assert (issue.line, issue.col) == (14, 12)


def test_number_where_text_is_expected_hints_quotes():
    issue = only_issue(VALID.replace("owner: pm@example.com", "owner: 42"))
    assert issue.message == "expected text, got 42"
    assert "quotes" in (issue.hint or "")


def test_literal_lists_choices_and_suggests():
    issue = only_issue(VALID.replace("severity: high", "severity: hihg"))
    assert issue.path == "failure_modes[0].severity"
    assert issue.message == "must be one of: low, medium, high, critical; got 'hihg'"
    assert issue.hint == "did you mean 'high'?"


def test_union_errors_collapse_to_one_issue():
    issue = only_issue(VALID.replace("    detect: match\n", "    detect: 3\n"))
    assert issue.path == "failure_modes[0].detect"
    assert issue.message == "expected text or a list, got 3"
    assert "[key]" not in issue.format() and "list[str]" not in issue.format()


def test_union_picks_the_branch_the_input_was_meant_for():
    text = VALID + "launch:\n  fallback:\n    - {statik: sorry}\n"
    found = issues_of(text)
    assert [i.path for i in found] == ["launch.fallback[0]", "launch.fallback[0].statik"]
    assert found[0].message == "missing required key 'static'"
    assert "did you mean 'static'?" in (found[1].hint or "")


def test_missing_required_keys_name_what_they_are():
    issue = only_issue(
        VALID.replace("    - {name: golden, path: data/golden.jsonl}", "    - {name: golden}")
    )
    assert issue.path == "eval_plan.datasets[0]"
    assert issue.message == "missing required key 'path'"
    assert "relative to the PRD" in (issue.hint or "")
    found = issues_of("owner: me\n")
    assert {i.message for i in found} == {
        "missing required key 'feature'",
        "missing required key 'eval_plan'",
    }


def test_duplicate_keys_are_errors_not_silently_overwritten():
    issue = only_issue(
        VALID.replace("owner: pm@example.com\n", "owner: pm@example.com\nowner: someone@else\n")
    )
    assert (issue.line, issue.col, issue.path) == (3, 1, "owner")
    assert "duplicate key 'owner'" in issue.message and "line 2" in issue.message


def test_several_errors_reported_at_once_in_file_order():
    text = (
        VALID.replace("severity: high", "severity: huge")
        .replace("min: 0.8}", "min: 2}")
        .replace("feature: FAQ answers", "feature: FAQ answers\nstatus: done")
        .replace("{scorer: link, min_pass_rate: 0.7}", "{scorer: lnk, min_pass_rate: 0.7}")
    )
    found = issues_of(text)
    assert [i.path for i in found] == [
        "status",
        "eval_plan.scorers[0].min",
        "eval_plan.thresholds[1].scorer",
        "failure_modes[0].severity",
    ]
    lines = [i.line for i in found]
    assert lines == sorted(lines)
    err = SpecError(found)
    assert str(err).count("\n") == 3


def test_threshold_on_unknown_scorer():
    issue = only_issue(
        VALID.replace("{scorer: link, min_pass_rate: 0.7}", "{scorer: lnk, min_pass_rate: 0.7}")
    )
    assert issue.path == "eval_plan.thresholds[1].scorer"
    assert (issue.line, issue.col) == (21, 16)
    assert issue.message == "threshold on 'lnk', which is not a scorer"
    assert issue.hint == "did you mean 'link'?"


def test_unknown_scorer_kind_did_you_mean():
    issue = only_issue(VALID.replace("kind: semantic_similarity", "kind: semantic_similarty"))
    assert issue.path == "eval_plan.scorers[0].kind"
    assert issue.message == "unknown scorer kind 'semantic_similarty'"
    assert issue.hint == "did you mean 'semantic_similarity'?"


def test_unknown_scorer_kind_without_a_close_match_lists_builtins():
    issue = only_issue(VALID.replace("kind: contains_any", "kind: sentiment"))
    assert "built-in kinds:" in (issue.hint or "")
    assert "rubric" in (issue.hint or "") and "module:factory" in (issue.hint or "")


def test_plugin_kinds_are_accepted(monkeypatch):
    loaded = load(
        VALID.replace(
            "kind: contains_any, values: [help.example.com]",
            "kind: my_pkg.scorers:tone, anything: 1",
        )
    )
    assert loaded.prd.eval_plan.scorers[1].kind == "my_pkg.scorers:tone"

    class EP:
        name = "toxicity"

    import gonogo.spec._xref as xref

    monkeypatch.setattr(
        xref.metadata,
        "entry_points",
        lambda group: [EP()] if group == ENTRY_POINT_GROUP else [],
    )
    loaded = load(VALID.replace("kind: contains_any", "kind: toxicity"))
    assert loaded.prd.eval_plan.scorers[1].kind == "toxicity"


def test_duplicate_scorer_ids():
    issue = only_issue(
        VALID.replace("{id: link,", "{id: match,").replace(
            "{scorer: link, min_pass_rate: 0.7}", "{scorer: match, min_mean: 0.5}"
        )
    )
    assert issue.path == "eval_plan.scorers[1].id"
    assert "duplicate scorer id 'match'" in issue.message


def test_success_metric_references():
    text = VALID.replace('"threshold:match"', '"threshold:mach"')
    issue = only_issue(text)
    assert issue.path == "success_metrics[0].measured_by"
    assert issue.hint == "did you mean 'match'?"
    text = VALID.replace("    - {scorer: match, min_pass_rate: 0.7}\n", "")
    issue = only_issue(text)
    assert "'match' has no threshold" in issue.message
    assert "scorer:match" in (issue.hint or "")
    issue = only_issue(VALID.replace('"threshold:match"', '"scorer:nope"'))
    assert issue.message == "'nope' is not a scorer of the eval plan"


def test_model_target_without_model_points_at_the_eval_plan():
    start = VALID.index("model:")
    end = VALID.index("eval_plan:")
    issue = only_issue(VALID[:start] + VALID[end:])
    assert issue.path == "eval_plan"
    assert (issue.line, issue.col) == (5, 1)
    assert "no `model` section" in issue.message


def test_refund_bot_example_is_a_valid_prd():
    # the product manager's example in examples/: every section and scorer kind it uses
    # (groundedness, context_recall, rubric, regex_absent…) is part of the format
    from gonogo_testkit import REFUND_BOT

    loaded = load_prd(REFUND_BOT)
    kinds = [s.kind for s in loaded.prd.eval_plan.scorers]
    assert kinds == ["semantic_similarity", "groundedness", "context_recall", "rubric",
                     "regex_absent"]
    assert [f.id for f in loaded.prd.failure_modes] == [
        "invented-terms", "retrieval-miss", "injected-instructions"]


def test_load_prd_text_defaults():
    loaded = load_prd_text(
        "feature: x\neval_plan:\n  target: a.b:c\n  datasets: [{name: g, "
        "path: g.jsonl}]\n  scorers: [{id: s, kind: equals}]\n"
    )
    assert str(loaded.path) == "gonogo.yaml"
    assert len(loaded.sha256) == 64
