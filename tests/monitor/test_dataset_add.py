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


def test_dataset_add_writes_only_to_an_existing_dataset_the_prd_names(tmp_path, cli):
    prd = project(tmp_path)
    url = f"sqlite:///{tmp_path / 'gateway.db'}"
    write(url, [make_trace(1)])
    assert cli("traces", "export", "--store", url, "--out", tmp_path / "rows.jsonl").returncode == 0
    golden = tmp_path / "data" / "golden.jsonl"
    before = golden.read_text()
    # a path that is not one of the PRD's datasets: refused, naming them; nothing written
    r = cli("dataset", "add", prd, tmp_path / "rows.jsonl", "--dataset", "data/goldn.jsonl")
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stdout + r.stderr
    assert len(r.stderr.strip().splitlines()) == 1 and "g (data/golden.jsonl)" in r.stderr
    assert not (tmp_path / "data" / "goldn.jsonl").exists() and golden.read_text() == before
    # the PRD's own dataset by its path works
    ok = cli("dataset", "add", prd, tmp_path / "rows.jsonl", "--dataset", golden)
    assert ok.returncode == 0 and "added 1 row(s)" in ok.stdout, ok.stdout + ok.stderr
    # a PRD whose dataset path is mistyped: refused, not silently started
    prd.write_text(prd.read_text().replace("data/golden.jsonl", "data/goldn.jsonl"))
    r = cli("dataset", "add", prd, tmp_path / "rows.jsonl")
    assert r.returncode == 2 and len(r.stderr.strip().splitlines()) == 1, r.stderr
    assert "does not exist" in r.stderr and "g (data/goldn.jsonl)" in r.stderr
    assert "--create" in r.stderr and f"{prd}:" in r.stderr
    assert not (tmp_path / "data" / "goldn.jsonl").exists()
    # --create starts it on purpose
    made = cli("dataset", "add", prd, tmp_path / "rows.jsonl", "--create")
    assert made.returncode == 0 and (tmp_path / "data" / "goldn.jsonl").exists(), made.stderr
