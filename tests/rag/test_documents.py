import json
from pathlib import Path

import pytest

from gonogo.errors import UserError
from gonogo.rag import load_documents


def _write(root: Path) -> Path:
    docs = root / "docs"
    (docs / "sub").mkdir(parents=True)
    (docs / "a.txt").write_text("Plain text document.\n")
    (docs / "sub" / "b.md").write_text("# Guide\n\nSome guidance.\n")
    (docs / "empty.txt").write_text("  \n")
    (docs / "latin1.txt").write_bytes("line one\ncaf\xe9 au lait\n".encode("latin-1"))
    (docs / "notes.csv").write_text("ignored,in,a,folder\n")
    (docs / ".hidden.txt").write_text("hidden files are skipped\n")
    rows = [
        json.dumps({"id": "q1", "text": "First line.", "title": "One"}),
        "",
        "{not json",
        json.dumps({"context": "Second line, no id.", "source": "wiki"}),
        json.dumps({"title": "no text"}),
        json.dumps(["not", "an", "object"]),
        json.dumps({"id": "q1", "text": "Duplicate id."}),
    ]
    (docs / "rows.jsonl").write_bytes(
        ("\n".join(rows) + "\n").encode() + b'{"text": "bad \xff byte"}\n'
    )
    return docs


def test_loads_txt_md_jsonl_and_warns_about_each_bad_file_or_line(tmp_path):
    docs, issues = load_documents([_write(tmp_path)])
    by_id = {d.id: d for d in docs}
    assert sorted(by_id) == ["a.txt", "q1", "q1~2", "rows.jsonl:4", "sub/b.md"]
    assert by_id["sub/b.md"].format == "markdown" and by_id["sub/b.md"].title == "Guide"
    assert by_id["q1"].title == "One" and by_id["q1"].source.endswith("rows.jsonl:1")
    assert by_id["rows.jsonl:4"].source == "wiki"
    text = "\n".join(i.format() for i in issues)
    assert all(i.severity == "warning" for i in issues)
    assert "empty.txt: empty file" in text
    assert "latin1.txt:2: not UTF-8" in text and "iconv" in text
    assert "rows.jsonl:3: not valid JSON" in text
    assert "rows.jsonl:5: no `text` or `context` field" in text
    assert "rows.jsonl:6: a line must be a JSON object" in text
    assert "rows.jsonl:8: not UTF-8" in text
    assert "duplicate document id 'q1'" in text
    assert "csv" not in text and "hidden" not in text


def test_unreadable_file_is_a_warning_and_the_rest_loads(tmp_path, monkeypatch):
    good, bad = tmp_path / "good.txt", tmp_path / "secret.txt"
    good.write_text("Readable.")
    bad.write_text("Not readable.")
    real = Path.read_bytes

    def read_bytes(self):
        if self.name == "secret.txt":
            raise PermissionError(13, "Permission denied")
        return real(self)

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    docs, issues = load_documents([good, bad])
    assert [d.id for d in docs] == ["good.txt"]
    assert [i.format() for i in issues] == [
        f"{bad}: cannot read the file (Permission denied), skipped"
    ]


def test_missing_paths_and_unsupported_files_are_warnings(tmp_path):
    (tmp_path / "ok.md").write_text("Fine.")
    (tmp_path / "data.pdf").write_bytes(b"%PDF")
    docs, issues = load_documents(
        [tmp_path / "ok.md", tmp_path / "nope.txt", tmp_path / "data.pdf"]
    )
    assert [d.id for d in docs] == ["ok.md"]
    messages = [i.message for i in issues]
    assert messages == ["no such file or folder", "unsupported file type '.pdf', skipped"]


def test_nothing_usable_is_a_user_error_listing_why(tmp_path):
    (tmp_path / "empty.txt").write_text("")
    (tmp_path / "bin.txt").write_bytes(b"\x00\x01\x02binary")
    with pytest.raises(UserError) as err:
        load_documents([tmp_path])
    text = str(err.value)
    assert text.startswith(f"no usable documents in {tmp_path}")
    assert "empty.txt: empty file" in text and "bin.txt: looks like a binary file" in text
    assert "UTF-8" in (err.value.hint or "")


def test_no_paths_at_all_is_a_user_error():
    with pytest.raises(UserError, match="no usable documents"):
        load_documents([])
