import json

import pytest

from gonogo.data import load_dataset
from gonogo.errors import DatasetError


def write(tmp_path, name, text):
    p = tmp_path / name
    p.write_text(text, encoding="utf-8")
    return p


def test_jsonl_flat_rows_become_template_variables(tmp_path):
    p = write(
        tmp_path,
        "g.jsonl",
        '{"id": "a", "question": "Q?", "expected": "A", "tags": ["x"]}\n'
        '\n{"question": "Q2?", "expected": ["B", "b"]}\n',
    )
    ds = load_dataset(p, name="golden")
    assert [c.id for c in ds.cases] == ["a", "2"]
    assert ds.cases[0].inputs == {"question": "Q?"}
    assert ds.cases[0].key == "golden/a"
    assert ds.cases[1].expected == ["B", "b"]
    assert ds.cases[0].source.endswith("g.jsonl:1")
    assert len(ds.sha256) == 64


def test_input_string_and_object(tmp_path):
    p = write(
        tmp_path, "g.jsonl", '{"input": "hello"}\n{"input": {"question": "q", "lang": "fr"}}\n'
    )
    ds = load_dataset(p)
    assert ds.cases[0].inputs == {"input": "hello"}
    assert ds.cases[1].inputs == {"question": "q", "lang": "fr"}


def test_malformed_rows_are_all_reported_with_lines(tmp_path):
    p = write(
        tmp_path,
        "g.jsonl",
        '{"question": "ok"}\n{"question": \n[1, 2]\n'
        '{"question": "q", "tags": "a"}\n{"question": "q", "contexts": [1]}\n',
    )
    with pytest.raises(DatasetError) as e:
        load_dataset(p)
    text = str(e.value)
    assert "g.jsonl:2:" in text and "invalid JSON" in text
    assert "g.jsonl:3" in text and "must be an object" in text
    assert "g.jsonl:5" in text and "contexts" in text
    assert len(e.value.issues) == 3


def test_duplicate_ids_and_empty(tmp_path):
    p = write(tmp_path, "g.jsonl", '{"id": "a", "q": 1}\n{"id": "a", "q": 2}\n')
    with pytest.raises(DatasetError, match="duplicate case id 'a'"):
        load_dataset(p)
    with pytest.raises(DatasetError, match="no cases"):
        load_dataset(write(tmp_path, "e.jsonl", "\n"))


def test_missing_file_and_bad_encoding(tmp_path):
    with pytest.raises(DatasetError, match="not found"):
        load_dataset(tmp_path / "nope.jsonl")
    p = tmp_path / "latin.jsonl"
    p.write_bytes(b'{"q": "ok"}\n{"q": "caf\xe9"}\n')
    with pytest.raises(DatasetError) as e:
        load_dataset(p)
    assert "latin.jsonl:2" in str(e.value) and "UTF-8" in str(e.value)


def test_json_yaml_csv(tmp_path):
    rows = [{"id": "1", "question": "a", "expected": "x"}, {"id": "2", "question": "b"}]
    assert len(load_dataset(write(tmp_path, "d.json", json.dumps(rows, indent=2))).cases) == 2
    y = write(tmp_path, "d.yaml", "cases:\n  - question: a\n    expected: x\n  - question: b\n")
    assert [c.inputs for c in load_dataset(y).cases] == [{"question": "a"}, {"question": "b"}]
    bad = write(tmp_path, "b.yaml", "- question: a\n- 3\n")
    with pytest.raises(DatasetError, match=r"b\.yaml:2"):
        load_dataset(bad)
    c = write(tmp_path, "d.csv", 'id,question,expected,tags\n1,hi,hello,"a,b"\n')
    case = load_dataset(c).cases[0]
    assert case.inputs == {"question": "hi"} and case.tags == ["a", "b"]


def test_limit(tmp_path):
    p = write(tmp_path, "g.jsonl", "".join(f'{{"q": {i}}}\n' for i in range(10)))
    assert len(load_dataset(p, limit=3).cases) == 3
