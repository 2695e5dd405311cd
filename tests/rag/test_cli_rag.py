import json

from gonogo.testing import FakeOpenAIServer
from gonogo_testkit import run_cli


def _docs(root):
    docs = root / "docs"
    docs.mkdir()
    (docs / "manual.md").write_text(
        "# Widget manual\n\n## Reset\n\nTo reset the widget, hold the power button for ten "
        "seconds.\n\n## Warranty\n\nThe warranty lasts 2 years from the date of purchase.\n"
    )
    (docs / "faq.jsonl").write_text(
        '{"id": "refunds", "text": "Refunds are paid within 14 days."}\n{broken\n'
    )
    (docs / "empty.txt").write_text("")
    (docs / "latin1.txt").write_bytes(b"caf\xe9\n")
    return docs


def test_ingest_then_ask(tmp_path):
    docs = _docs(tmp_path)
    index = tmp_path / "index"
    done = run_cli("rag", "ingest", docs, "--index", index)
    assert done.returncode == 0, done.stderr
    assert "indexed 2 documents as 3 chunks" in done.stdout
    for expected in (
        "empty.txt: empty file",
        "faq.jsonl:2: not valid JSON",
        "latin1.txt:1: not UTF-8",
    ):
        assert expected in done.stderr
    assert (index / "manifest.json").is_file()

    asked = run_cli("rag", "ask", "How long does the warranty last?", "--index", index, "--k", "2")
    assert asked.returncode == 0, asked.stderr
    lines = asked.stdout.splitlines()
    assert lines[0] == "2 years"
    assert any(line.startswith("*[1] manual.md#1  score 0.03") for line in lines)
    assert "[2] " in asked.stdout and "Traceback" not in asked.stderr

    as_json = run_cli("rag", "ask", "How do I reset the widget?", "--index", index, "--json")
    result = json.loads(as_json.stdout)
    assert result["context_ids"][0] == "manual.md#0"
    assert result["contexts"][0].startswith("Widget manual > Reset\n")
    assert result["metadata"]["retrieval"][0]["bm25_rank"] == 1

    with FakeOpenAIServer() as server:
        server.set_responder(lambda payload: "Hold the power button for ten seconds [1].")
        with_model = run_cli(
            "rag", "ask", "How do I reset the widget?", "--index", index, "--json",
            "--base-url", server.base_url, "--model", "fake-model", "--window-tokens", "2048",
        )  # fmt: skip
    assert with_model.returncode == 0, with_model.stderr
    result = json.loads(with_model.stdout)
    assert result["output"] == "Hold the power button for ten seconds [1]."
    assert result["metadata"]["answerer"] == "llm:fake-model"
    assert result["metadata"]["answer"]["prompt"] == "rag-answer v1"
    assert result["input_tokens"] > 0 and result["cost_usd"] is None


def test_ask_without_an_index_is_exit_2_with_the_ingest_command(tmp_path):
    done = run_cli("rag", "ask", "anything?", "--index", tmp_path / "missing")
    assert done.returncode == 2
    assert "no RAG index at" in done.stderr and "gonogo rag ingest" in done.stderr
    assert "Traceback" not in done.stderr


def test_ingest_with_nothing_usable_is_exit_2_naming_each_file(tmp_path):
    (tmp_path / "empty.md").write_text("   ")
    (tmp_path / "latin1.txt").write_bytes(b"\xe9t\xe9\n")
    done = run_cli("rag", "ingest", tmp_path, tmp_path / "nope.txt", "--index", tmp_path / "i")
    assert done.returncode == 2
    assert "no usable documents" in done.stderr
    assert "empty.md: empty file" in done.stderr and "latin1.txt:1: not UTF-8" in done.stderr
    assert "nope.txt: no such file or folder" in done.stderr
    assert "Traceback" not in done.stderr and not (tmp_path / "i").exists()


def test_bad_options_are_exit_2(tmp_path):
    (tmp_path / "a.txt").write_text("Some text.")
    overlap = run_cli("rag", "ingest", tmp_path, "--index", tmp_path / "i", "--overlap", "900")
    assert overlap.returncode == 2 and "overlap 900" in overlap.stderr
    no_model = run_cli("rag", "ask", "q", "--index", tmp_path / "i", "--base-url", "http://x/v1")
    assert no_model.returncode == 2 and "--model" in no_model.stderr
    assert "Traceback" not in overlap.stderr + no_model.stderr
