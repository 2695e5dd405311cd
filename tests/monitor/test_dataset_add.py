"""Production → golden set: exports dedupe, `gonogo dataset add` appends with provenance."""

import json

from monitor_kit import make_trace, project, write

from gonogo.data import load_dataset


def test_export_dedupes_and_dataset_add_appends_with_provenance(tmp_path, cli):
    prd = project(tmp_path)
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    repeated = [make_trace(i) for i in range(5)]  # the same question five times
    other = make_trace(9, inputs={"variables": {"question": "Can I return shoes?"}})
    write(url, [*repeated, other])
    r = cli("traces", "export", "--store", url, "--out", tmp_path / "rows.jsonl")
    assert "wrote 2 case(s)" in r.stdout, r.stdout + r.stderr
    add = cli("dataset", "add", prd, tmp_path / "rows.jsonl", "--by", "ana")
    assert add.returncode == 0 and "added 2 row(s)" in add.stdout, add.stdout + add.stderr
    again = cli("dataset", "add", prd, tmp_path / "rows.jsonl", "--by", "ana")
    assert "added 0 row(s)" in again.stdout and "2 already there" in again.stdout
    golden = load_dataset(tmp_path / "data" / "golden.jsonl")
    assert len(golden.cases) == 3
    new = golden.cases[-1]
    prov = new.metadata["provenance"]
    assert prov["added_by"] == "ana" and prov["trace_id"] == other.id
    assert prov["source"].endswith("rows.jsonl") and prov["added_at"]
    assert cli("check", prd).returncode == 0  # the grown dataset still checks
    lines = (tmp_path / "data" / "golden.jsonl").read_text().splitlines()
    assert all(json.loads(line) for line in lines)
