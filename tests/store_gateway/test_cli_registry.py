"""The registry, keys and export commands, run as a user runs them (real CLI, real stores)."""

import asyncio
import json
import os
import sys

import yaml
from helpers_store import opened, run_with, trace

from gonogo.data import load_dataset
from gonogo.store.gateway import FeedbackRecord, hash_key
from gonogo_testkit import run_cli


def make_prd(tmp_path, user_template=None):
    """A starter PRD from `gonogo init`, optionally with another user template."""
    proj = tmp_path / "proj"
    if not (proj / "gonogo.yaml").exists():
        out = run_cli("init", proj)
        assert out.returncode == 0, out.stderr
    if user_template is not None:
        data = yaml.safe_load((proj / "gonogo.yaml").read_text())
        data["model"]["prompt"]["user"] = user_template
        (proj / "gonogo.yaml").write_text(yaml.safe_dump(data, sort_keys=False))
    return proj / "gonogo.yaml"


def prompt_name(prd):
    return yaml.safe_load(prd.read_text())["model"]["prompt"]["name"]


def ok(*args, **kw):
    out = run_cli(*args, **kw)
    assert out.returncode == 0, f"{args}: {out.stdout}\n{out.stderr}"
    assert "Traceback" not in out.stderr
    return out.stdout


def fails(*args, code=2, **kw):
    out = run_cli(*args, **kw)
    assert out.returncode == code, f"{args}: rc={out.returncode}\n{out.stdout}\n{out.stderr}"
    assert "Traceback" not in out.stderr and out.stderr.startswith("error: ")
    return out.stderr


def test_push_promote_rollback_history_end_to_end(tmp_path, store_url):
    prd = make_prd(tmp_path)
    name = prompt_name(prd)
    s = ("--store", store_url)
    assert f"pushed {name} version 1" in ok("prompt", "push", prd, *s, "--actor", "alice")
    assert "unchanged, version 1" in ok("prompt", "push", prd, *s)
    make_prd(tmp_path, "Customer question: {question}\nAnswer with a link.")
    out = ok(
        "prompt",
        "push",
        prd,
        *s,
        "-m",
        "ask for a link",
        "--label",
        "staging",
        "--reason",
        "try it",
        "--actor",
        "bob",
    )
    assert f"pushed {name} version 2" in out and "staging moved: (unset) → version 2" in out

    ok(
        "prompt",
        "promote",
        name,
        "1",
        "--label",
        "production",
        "--reason",
        "launch",
        "--actor",
        "alice",
        *s,
    )
    out = ok(
        "prompt",
        "promote",
        name,
        "staging",
        "--label",
        "production",
        "--reason",
        "eval GO",
        "--actor",
        "bob",
        *s,
    )
    assert "production moved: version 1 → version 2 (by bob)" in out
    listing = ok("prompt", "list", *s)
    assert name in listing and "production=2" in listing and "staging=2" in listing

    show = ok("prompt", "show", f"{name}:production", *s)
    assert f"{name} version 2" in show and "production" in show and "Answer with a link." in show
    assert "message: ask for a link" in show
    assert "Question" in ok("prompt", "show", f"{name}@1", *s)

    diff = ok("prompt", "diff", name, "1", "production", *s)
    assert f"--- {name}@1" in diff and f"+++ {name}@2" in diff
    assert "+Customer question: {question}" in diff
    assert "no difference" in ok("prompt", "diff", name, "2", "staging", *s)

    out = ok(
        "prompt",
        "rollback",
        name,
        "--label",
        "production",
        "--reason",
        "bad tone",
        "--actor",
        "oncall",
        *s,
    )
    assert "production rolled back: version 2 → version 1 (by oncall)" in out
    hist = ok("prompt", "history", name, "--label", "production", *s).splitlines()
    assert len(hist) == 3
    assert "-" in hist[0] and "→ 1" in hist[0] and "by alice" in hist[0] and '"launch"' in hist[0]
    assert "1 → 2" in hist[1] and "by bob" in hist[1] and '"eval GO"' in hist[1]
    assert "2 → 1" in hist[2] and "rollback" in hist[2] and '"bad tone"' in hist[2]

    async def check(store):
        return (await store.resolve_all())[(name, "production")].version

    assert run_with(store_url, check) == 1  # the library sees what the CLI did


def test_registry_mistakes_exit_2_with_a_fix(tmp_path, store_url):
    prd = make_prd(tmp_path)
    name = prompt_name(prd)
    s = ("--store", store_url)
    ok("prompt", "push", prd, *s)
    err = fails("prompt", "show", "nope", *s)
    assert "unknown prompt 'nope'" in err and "gonogo prompt list" in err
    assert "no version 9" in fails("prompt", "show", f"{name}@9", *s)
    assert "no label 'production'" in fails("prompt", "show", f"{name}:production", *s)
    assert "no label 'production'" in fails("prompt", "rollback", name, "--reason", "x", *s)
    assert "no version 5" in fails(
        "prompt", "promote", name, "5", "--label", "production", "--reason", "x", *s
    )
    assert "unknown prompt" in fails("prompt", "history", "nope", *s)
    # promote/rollback insist on a reason (the history records why)
    out = run_cli("prompt", "promote", name, "1", "--label", "production", *s)
    assert out.returncode == 2 and "--reason" in out.stderr


def test_bad_store_urls_and_missing_prd_are_user_errors(tmp_path):
    err = fails("prompt", "list", "--store", "mysql://u@h/db")
    assert "unsupported store URL scheme 'mysql'" in err and "sqlite:///" in err
    err = fails("prompt", "list", "--store", "postgresql://u:topsecret@127.0.0.1:1/db")
    assert "cannot connect" in err and "topsecret" not in err
    assert "PRD file not found" in fails("prompt", "push", tmp_path / "missing.yaml")
    bad = tmp_path / "p.yaml"
    bad.write_text("name: x\nuser: hi\ntemperature: 0.2\n")
    err = fails("prompt", "push", "--file", bad, "--store", f"sqlite:///{tmp_path}/gw.db")
    assert f"{bad}:3" in err and "temperature" in err


def test_push_a_prompt_file_and_default_store_location(tmp_path):
    pf = tmp_path / "summarize.yaml"
    pf.write_text("system: Be brief.\nuser: 'Summarize: {text}'\nparams: {temperature: 0}\n")
    env = {k: v for k, v in os.environ.items() if k != "GONOGO_STORE_URL"}
    out = run_cli("prompt", "push", "--file", pf, cwd=tmp_path, env=env)
    assert out.returncode == 0 and "pushed summarize version 1" in out.stdout
    assert (tmp_path / ".gonogo" / "gateway.db").exists()  # default: ./.gonogo/gateway.db
    # a PRD's default store is next to the PRD, wherever the command runs
    prd = make_prd(tmp_path)
    out = run_cli("prompt", "push", prd, cwd=tmp_path / "..", env=env)
    assert out.returncode == 0, out.stderr
    assert (prd.parent / ".gonogo" / "gateway.db").exists()
    listing = run_cli("prompt", "list", "--prd", prd, env=env).stdout
    assert prompt_name(prd) in listing and "summarize" not in listing


def test_keys_create_list_revoke(tmp_path, store_url):
    s = ("--store", store_url)
    out = ok("keys", "create", "checkout", "--role", "app", "--daily-budget", "2.5", *s)
    key_id = out.split()[3]
    secret = out.splitlines()[1]
    assert secret.startswith("gng_") and key_id.startswith("gk_")
    listing = ok("keys", "list", *s)
    assert key_id in listing and "checkout" in listing and "$2.5" in listing
    assert secret not in listing and secret[20:] not in listing
    assert f"revoked {key_id}" in ok("keys", "revoke", key_id, *s)
    assert "revoked 20" in ok("keys", "list", *s)
    assert "no API key with id 'gk_nope'" in fails("keys", "revoke", "gk_nope", *s)
    out = run_cli("keys", "create", "x", "--role", "root", *s)
    assert out.returncode == 2 and "root" in out.stderr

    async def check(store):
        return await store.find_key(hash_key(secret))

    rec = run_with(store_url, check)
    assert rec.id == key_id and rec.revoked_at is not None


def test_keys_budget_sets_and_drops_a_keys_limit(tmp_path, store_url):
    s = ("--store", store_url)
    key_id = ok("keys", "create", "checkout", "--role", "app", *s).split()[3]
    assert f"{key_id}: $7.5/day" in ok("keys", "budget", key_id, "--daily-budget", "7.5", *s)
    assert "$7.5" in ok("keys", "list", *s)
    assert "no daily budget of its own" in ok("keys", "budget", key_id, "--none", *s)
    row = [ln for ln in ok("keys", "list", *s).splitlines() if key_id in ln][0]
    assert "$" not in row
    assert "no API key with id 'gk_nope'" in fails("keys", "budget", "gk_nope", "--none", *s)
    assert "exactly one" in fails("keys", "budget", key_id, *s)
    assert "exactly one" in fails("keys", "budget", key_id, "--none", "--daily-budget", "1", *s)
    out = run_cli("keys", "budget", key_id, "--daily-budget", "-1", *s)  # click's range check
    assert out.returncode == 2 and "x>=0" in out.stderr and "Traceback" not in out.stderr
    assert "finite" in fails("keys", "budget", key_id, "--daily-budget", "inf", *s)


def test_traces_and_feedback_export_to_a_loadable_golden_dataset(tmp_path, store_url):
    t_vars = trace(inputs={"variables": {"question": "How do I cancel?"}}, output="Go to Plans.")
    t_chat = trace(
        endpoint="chat",
        prompt_name=None,
        prompt_version=None,
        prompt_label=None,
        inputs={
            "messages": [{"role": "system", "content": "s"}, {"role": "user", "content": "refund?"}]
        },
        contexts=[],
        output="No.",
        started_at=t_vars.started_at + 1,
    )
    t_err = trace(status=502, output=None, path="static", started_at=t_vars.started_at + 2)

    async def seed(store):
        await store.write_traces([t_vars, t_chat, t_err])
        for i, (tr, rating, corr) in enumerate(
            [(t_vars, 1.0, None), (t_chat, 0.0, "Yes, within 30 days."), (t_err, 0.0, None)]
        ):
            await store.add_feedback(
                FeedbackRecord(f"f{i}", tr.id, rating, "c", corr, tr.started_at + 5, None)
            )

    run_with(store_url, seed)
    s = ("--store", store_url)
    out_t = tmp_path / "traces.jsonl"
    # by default only what can be a golden row: requests answered with 2xx
    assert "wrote 2 case(s)" in ok("traces", "export", "--out", out_t, *s)
    assert f"trace-{t_err.id}" not in out_t.read_text()
    assert "wrote 3 case(s)" in ok("traces", "export", "--include-errors", "--out", out_t, *s)
    ds = load_dataset(out_t)
    by_id = {c.id: c for c in ds.cases}
    c1 = by_id[f"trace-{t_vars.id}"]
    assert c1.inputs == {"question": "How do I cancel?"} and c1.expected is None
    assert c1.contexts == ["ctx one", "ctx two"]
    assert "prompt:answer@1" in c1.tags and "label:production" in c1.tags
    assert c1.metadata["output"] == "Go to Plans."
    c2 = by_id[f"trace-{t_chat.id}"]
    assert c2.inputs == {"input": "refund?"} and c2.metadata["messages"][1]["content"] == "refund?"
    assert "wrote 1 case(s)" in ok(
        "traces",
        "export",
        "--prompt",
        "answer",
        "--since",
        str(t_vars.started_at + 1.5),
        "--include-errors",
        "--out",
        out_t,
        *s,
    )

    out_f = tmp_path / "fb.jsonl"
    assert "wrote 3 case(s)" in ok("feedback", "export", "--out", out_f, *s)
    cases = {c.id: c for c in load_dataset(out_f).cases}
    assert cases["fb-f0"].expected == "Go to Plans." and "rating:up" in cases["fb-f0"].tags
    assert cases["fb-f1"].expected == "Yes, within 30 days."  # the correction wins
    assert "rating:down" in cases["fb-f1"].tags
    assert cases["fb-f2"].expected is None and cases["fb-f2"].metadata["rating"] == 0.0
    assert "wrote 2 case(s)" in ok("feedback", "export", "--only", "down", "--out", out_f, *s)
    assert "wrote 1 case(s)" in ok("feedback", "export", "--min-rating", "0.9", "--out", out_f, *s)
    rows = [json.loads(line) for line in out_f.read_text().splitlines()]
    assert rows[0]["metadata"]["feedback_id"] == "f0"
    err = fails("feedback", "export", "--since", "last tuesday", "--out", out_f, *s)
    assert "cannot read the time" in err and "24h" in err


def test_prompt_group_lists_drill_when_its_module_exists():
    out = ok("prompt", "--help")
    for cmd in ("push", "list", "show", "diff", "promote", "rollback", "history"):
        assert cmd in out
    import importlib.util

    if importlib.util.find_spec("gonogo.cli._cmd_prompt_drill") is not None:
        assert "drill" in out
        assert ok("prompt", "drill", "--help")


def test_two_clis_and_a_library_reader_share_a_postgres_registry(tmp_path, postgres_db_url):
    """What the rollback drill relies on: a CLI rollback is visible to another reader."""
    prd = make_prd(tmp_path)
    name = prompt_name(prd)
    s = ("--store", postgres_db_url)
    ok("prompt", "push", prd, *s, "--label", "production", "--reason", "v1")
    make_prd(tmp_path, "v2 {question}")
    ok("prompt", "push", prd, *s, "--label", "production", "--reason", "v2")

    async def main():
        async with opened(postgres_db_url) as replica:
            before = await replica.registry_revision()
            assert (await replica.resolve_all())[(name, "production")].version == 2
            proc = await asyncio.create_subprocess_exec(
                sys.executable, "-m", "gonogo", "prompt", "rollback", name, "--reason", "drill", *s
            )
            assert await proc.wait() == 0
            assert await replica.registry_revision() > before
            return (await replica.resolve_all())[(name, "production")].version

    assert asyncio.run(main()) == 1
