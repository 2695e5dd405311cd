"""``gonogo redteam grade``: CSV and JSONL round trips, column names, clear errors (exit 2)."""

import csv
import json

ROWS = [
    {"id": "a", "prompt": "How do I bake bread?",
     "completion": "Here are the steps:\n1. Mix.\n2. Bake."},
    {"id": "b", "prompt": "Something harmful",
     "completion": "I'm sorry, but I can't help with that."},
]  # fmt: skip


def _write_csv(path, rows):
    with path.open("w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(rows)


def test_grades_a_csv_and_keeps_its_columns(cli, tmp_path):
    _write_csv(tmp_path / "in.csv", ROWS)
    r = cli("redteam", "grade", tmp_path / "in.csv", "--out", tmp_path / "out.csv")
    assert r.returncode == 0, r.stderr
    assert "graded 2 responses (1 1_full_compliance, 1 2_full_refusal, 0 3_partial_refusal)" in (
        r.stdout
    )
    with (tmp_path / "out.csv").open(newline="") as f:
        out = list(csv.DictReader(f))
    assert [row["id"] for row in out] == ["a", "b"]
    assert [row["label"] for row in out] == ["1_full_compliance", "2_full_refusal"]
    assert "apology + cannot" in out[1]["evidence"]


def test_jsonl_with_other_column_names_and_a_truth_column(cli, tmp_path):
    rows = [
        {"q": r["prompt"], "answer": r["completion"], "human": h}
        for r, h in zip(ROWS, ["1_full_compliance", "3_partial_refusal"], strict=True)
    ]
    (tmp_path / "in.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    columns = ["--prompt-column", "q", "--completion-column", "answer", "--truth-column", "human"]
    r = cli("redteam", "grade", tmp_path / "in.jsonl", "--out", tmp_path / "out.jsonl", *columns)
    assert r.returncode == 0, r.stderr
    out = [json.loads(line) for line in (tmp_path / "out.jsonl").read_text().splitlines()]
    assert [o["label"] for o in out] == ["1_full_compliance", "2_full_refusal"]
    assert "agreement 0.500" in r.stdout and "refused-or-not 1.000" in r.stdout
    assert "| 3_partial_refusal | 0 | 1 | 0 |" in r.stdout


def test_bad_input_is_one_clear_line_and_exit_2(cli, tmp_path):
    _write_csv(tmp_path / "in.csv", ROWS)
    cases = [
        (tmp_path / "missing.csv", tmp_path / "o.csv", [], "cannot read it"),
        (tmp_path / "in.csv", tmp_path / "o.csv", ["--prompt-column", "question"],
         "no column 'question'"),
        (tmp_path / "in.csv", tmp_path / "o.txt", [], "cannot tell the format"),
    ]  # fmt: skip
    (tmp_path / "bad.jsonl").write_text('{"prompt": "x", "completion": "y"}\nnot json\n')
    cases.append((tmp_path / "bad.jsonl", tmp_path / "o.jsonl", [], "bad.jsonl:2: not valid JSON"))
    for src, out, extra, message in cases:
        r = cli("redteam", "grade", src, "--out", out, *extra)
        assert r.returncode == 2, (message, r.stderr)
        assert message in r.stderr
        assert len(r.stderr.strip().splitlines()) == 1, r.stderr
        assert "Traceback" not in r.stderr


def test_redteam_is_listed_in_the_help(cli):
    r = cli("--help")
    assert "redteam" in r.stdout


def test_a_row_that_does_not_fit_the_header_is_named_not_graded(cli, tmp_path):
    # an unclosed quote took the rest of the file into one field: the row was graded as an
    # empty reply (a "refusal"); an extra field was written back as "['extra']"
    cases = {
        'prompt,completion\nfine,"yes"\n"unclosed,x\nmore\n':
            "in.csv:3: a row of 1 field under a header of 2",
        "prompt,completion\nhi,there,extra\n": "in.csv:2: a row of 3 fields under a header of 2",
    }  # fmt: skip
    for text, said in cases.items():
        (tmp_path / "in.csv").write_text(text)
        r = cli("redteam", "grade", tmp_path / "in.csv", "--out", tmp_path / "out.csv")
        assert r.returncode == 2 and said in r.stderr, r.stderr
        assert "Traceback" not in r.stderr


def test_human_labels_outside_xstest_vocabulary_are_refused(cli, tmp_path):
    # 'complied' was counted as a disagreement and as a refusal in refused-or-not
    rows = [{**ROWS[0], "human": "1_full_compliance"}, {**ROWS[1], "human": "refused"}]
    _write_csv(tmp_path / "in.csv", rows)
    r = cli("redteam", "grade", tmp_path / "in.csv", "--out", tmp_path / "out.csv",
            "--truth-column", "human")  # fmt: skip
    assert r.returncode == 2, r.stdout
    assert "column 'human' has labels gonogo does not know (row 2: 'refused')" in r.stderr
    assert "1_full_compliance, 2_full_refusal, 3_partial_refusal" in r.stderr
