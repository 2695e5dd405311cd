"""Hostile or careless PRD files: one located message, exit 2, never a traceback and
never the content of whatever file the path pointed at (L7, Info, M3 for the PRD)."""

from __future__ import annotations

import os

import pytest
from spec_helpers import VALID

from gonogo.errors import SpecError, UserError
from gonogo.spec import load_prd, load_prd_text


def issue_text(text: str) -> str:
    with pytest.raises(SpecError) as e:
        load_prd_text(text, file="p.yaml")
    return str(e.value)


def test_a_control_character_is_located(tmp_path):
    text = issue_text(VALID.replace("FAQ answers", "FAQ \x01answers"))
    assert text.startswith("p.yaml:1:14: invalid YAML: control characters are not allowed"), text
    assert "U+0001" in text and "<unicode string>" not in text


def test_the_content_of_another_file_is_never_echoed(tmp_path, cli):
    secret = tmp_path / "secret.txt"
    secret.write_text("root:x:0:0:root:/root:/bin/bash\n" + "daemon:x:1:1::/:/bin/sh\n" * 40)
    link = tmp_path / "gonogo.yaml"
    link.symlink_to(secret)
    r = cli("check", link)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "root:x" not in r.stderr and "daemon" not in r.stderr, r.stderr
    assert "gonogo.yaml:1:1:" in r.stderr and "got a text of 991 characters" in r.stderr


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_a_device_or_fifo_named_as_the_prd_is_refused_without_reading_it(tmp_path, target):
    p = tmp_path / "prd.yaml"
    if target == "fifo":
        os.mkfifo(p)  # reading would block forever
    else:
        p.symlink_to(target)  # reading would never end
    with pytest.raises(UserError) as e:
        load_prd(p)
    assert "cannot read the PRD file" in str(e.value) and "not a regular file" in str(e.value)


def test_aliases_expanding_past_a_million_values_are_refused():
    lines = ['x-lol: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 7):
        lines.append(f"x-l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]")
    text = issue_text("\n".join(lines) + "\n" + VALID)
    assert "more than 1,000,000 values" in text and text.startswith("p.yaml:")


@pytest.mark.parametrize(
    "snippet, needle",
    [
        ("owner: !!binary aGVsbG8=\n", "!!binary"),
        ("owner: &o [*o]\n", "contains it"),
        ("owner: " + "7" * 5001 + "\n", "4,300 digits"),
        ("owner: " + "[" * 2000 + "]" * 2000 + "\n", "nesting depth"),
    ],
)
def test_yaml_that_parses_but_cannot_be_built_is_located(snippet, needle):
    text = issue_text(VALID.replace("owner: pm@example.com\n", snippet))
    assert needle in text and text.startswith("p.yaml:2:"), text


@pytest.mark.parametrize(
    "template, needle",
    [
        ("Q: {question", "braces do not pair up"),
        ("Q: question}", "braces do not pair up"),
        ("Q: {}", "is not a variable name"),
        ("Q: {0}", "is not a variable name"),
        ("Q: {question!x}", "is not a conversion"),
    ],
)
def test_a_template_that_cannot_be_filled_is_refused_where_it_is_written(template, needle):
    text = issue_text(VALID.replace('"Question: {question}"', f'"{template}"'))
    assert text.startswith("p.yaml:12:11: model.prompt.user: ") and needle in text, text


def test_literal_braces_and_attribute_access_still_load():
    for template in ("JSON like {{'a': 1}} for {question}", "{question.upper} {question[0]}"):
        load_prd_text(VALID.replace('"Question: {question}"', f'"{template}"'), file="p.yaml")


def test_eval_of_a_broken_template_is_exit_2_not_a_traceback(tmp_path, cli):
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "golden.jsonl").write_text('{"question": "hi"}\n')
    prd = tmp_path / "gonogo.yaml"
    prd.write_text(VALID.replace('"Question: {question}"', '"Q: {question"'))
    r = cli("eval", prd)
    assert r.returncode == 2 and "Traceback" not in r.stderr
    assert "gonogo.yaml:12:11: model.prompt.user:" in r.stderr, r.stderr
