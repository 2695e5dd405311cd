"""Hostile or careless datasets: refused at `file:line` before anything runs, never a
traceback, never an unbounded read (M2, M3, M4, L5)."""

import json
import os

import pytest

from gonogo.data import load_dataset
from gonogo.errors import DatasetError


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8", newline="")
    return p


def refused(path, *needles):
    with pytest.raises(DatasetError) as e:
        load_dataset(path)
    text = str(e.value)
    for needle in needles:
        assert needle in text, text
    return e.value


DEEP = "[" * 1000 + "]" * 1000
BIG = "7" * 5001


@pytest.mark.parametrize(
    "name, text, where, what",
    [
        ("d.jsonl", '{"q": "ok"}\n{"q": ' + DEEP + "}\n", "d.jsonl:2:", "nested too deeply"),
        ("d.json", '[{"q": "ok"},\n {"q": ' + DEEP + "}]", "d.json:2:", "nested too deeply"),
        ("d.jsonl", '{"q": "ok"}\n{"q": ' + "[" * 300 + "]" * 300 + "}\n", "d.jsonl:2", "deeper"),
        ("d.yaml", "- q: ok\n- q: " + DEEP + "\n", "d.yaml:2:", "nesting depth"),
        ("i.jsonl", '{"q": "ok"}\n{"q": ' + BIG + "}\n", "i.jsonl:2:7", "4,300 digits"),
        ("i.json", '[{"q": "ok"},\n {"q": ' + BIG + "}]", "i.json:2:8", "4,300 digits"),
        ("i.yaml", "- q: ok\n- q: " + BIG + "\n", "i.yaml:2:6", "4,300 digits"),
        ("s.jsonl", '{"q": "ok"}\n{"q": "bad \\ud800"}\n', "s.jsonl:2", "lone surrogate"),
        ("s.yaml", '- q: ok\n- q: "bad \\ud800"\n', "s.yaml:2:", "invalid Unicode"),
        ("n.jsonl", '{"q": "ok"}\n{"q": NaN}\n', "n.jsonl:2", "NaN or infinity"),
        ("n.json", '[{"q": "ok"},\n {"q": 1e309}]', "n.json:2", "NaN or infinity"),
        ("n.yaml", "- q: ok\n- q: .inf\n", "n.yaml:2", "NaN or infinity"),
        ("k.jsonl", '{"q": "a", "q": "b"}\n', "k.jsonl:1", "duplicate key 'q'"),
        ("k.json", '[{"q": "a", "metadata": {"x": 1, "x": 2}}]', "k.json:1", "duplicate key 'x'"),
        ("k.yaml", "- q: a\n  q: b\n", "k.yaml:2:3", "duplicate key 'q'"),
        ("k.csv", "q,q\na,b\n", "k.csv:1", "duplicate column 'q'"),
        ("b.yaml", "- q: !!binary aGVsbG8=\n", "b.yaml:1:6", "!!binary"),
        ("r.yaml", "- &a\n  q: [*a]\n", "r.yaml:1:3", "contains it"),
        ("c.csv", "question\n" + '"' + "x" * 200_000 + '"\n', "c.csv:2", "128 KiB"),
    ],
)
def test_refused_at_file_line(tmp_path, name, text, where, what):
    refused(write(tmp_path, name, text), where, what)


def test_billion_laughs_in_a_yaml_dataset_is_refused(tmp_path):
    # 590 bytes that PyYAML would expand to 9^7 ≈ 4.8 million values
    lines = ['lol: &l0 ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for i in range(1, 7):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * 9)}]")
    lines.append("cases:")
    lines.append("  - {question: q, metadata: {x: *l6}}")
    p = write(tmp_path, "laughs.yaml", "\n".join(lines) + "\n")
    refused(p, "laughs.yaml:", "more than 1,000,000 values")


def test_shared_anchors_within_bounds_still_load(tmp_path):
    p = write(
        tmp_path,
        "a.yaml",
        "ctx: &ctx [one, two, three]\ncases:\n"
        "  - {question: q1, contexts: *ctx}\n  - {question: q2, contexts: *ctx}\n",
    )
    ds = load_dataset(p)
    assert [c.contexts for c in ds.cases] == [["one", "two", "three"]] * 2


@pytest.mark.parametrize("target", ["/dev/zero", "fifo"])
def test_a_device_or_fifo_is_refused_without_reading_it(tmp_path, target):
    link = tmp_path / "golden.jsonl"
    if target == "fifo":
        os.mkfifo(link)  # opening it for reading would block forever
    else:
        link.symlink_to(target)  # reading it would never end
    refused(link, "golden.jsonl:", "not a regular file")


def test_a_folder_named_as_the_dataset_is_refused(tmp_path):
    (tmp_path / "golden.jsonl").mkdir()
    refused(tmp_path / "golden.jsonl", "golden.jsonl:", "not a regular file (a folder)")


def test_a_file_past_the_limit_is_refused(tmp_path, monkeypatch):
    from gonogo.data import _load

    monkeypatch.setattr(_load, "MAX_DATASET_BYTES", 1000)
    refused(write(tmp_path, "big.jsonl", '{"q": "x"}\n' * 200), "more than the 1,000 allowed")


@pytest.mark.parametrize("sep", ["\u2028", "\u2029", "\x85"])
def test_unicode_line_separators_inside_jsonl_strings(tmp_path, sep):
    rows = [{"q": f"before{sep}after"}, {"q": "second"}]
    p = write(tmp_path, "u.jsonl", "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows))
    ds = load_dataset(p)
    assert [c.inputs["q"] for c in ds.cases] == [f"before{sep}after", "second"]
    assert ds.cases[1].source.endswith("u.jsonl:2")  # lines counted at "\n" only
    bad = write(tmp_path, "v.jsonl", json.dumps(rows[0], ensure_ascii=False) + "\n{oops\n")
    refused(bad, "v.jsonl:2:")


def test_crlf_jsonl_still_loads(tmp_path):
    p = write(tmp_path, "w.jsonl", '{"q": "a"}\r\n{"q": "b"}\r\n')
    assert [c.inputs["q"] for c in load_dataset(p).cases] == ["a", "b"]


def test_quoted_multiline_csv_field_keeps_its_newline_and_lines(tmp_path):
    p = write(
        tmp_path,
        "m.csv",
        'id,question,expected\nc1,"line one\nline two",yes\nc2,plain,"a\r\nb"\nc1,again,x\n',
    )
    # the second c1 starts on physical line 6 (c1 spans 2-3, c2 spans 4-5)
    refused(p, "m.csv:6: ", "duplicate case id 'c1' (first on line 2)")
    p.write_text('id,question\nc1,"line one\nline two"\nc2,plain\n', encoding="utf-8")
    ds = load_dataset(p)
    assert ds.cases[0].inputs["question"] == "line one\nline two"
    assert [c.source.rsplit(":", 1)[1] for c in ds.cases] == ["2", "4"]
