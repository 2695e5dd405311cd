"""The first hour of a new user, replayed (issue #10): every step, exit codes, the key lines.

init → check → a hand-written Python-target PRD with a deliberate signature mismatch →
check names it → eval is a setup error, not a NO-GO → fix → eval → report (relative path)
→ runs → a regression → diff → keys + serve + one request through the gateway.
"""

import json
import textwrap
import urllib.request

from gonogo.testing import GatewayProcess

CLASSIFIER_PRD = textwrap.dedent("""
    feature: Support-ticket classifier
    eval_plan:
      target: triage:classify
      datasets: [{name: golden, path: tickets.jsonl}]
      scorers:
        - {id: category, kind: label, labels: [billing, account, bug]}
      thresholds:
        - {scorer: category, min_pass_rate: 0.7, gate_on: point}
""")

TICKETS = [
    ("Invoice charged twice", "billing"), ("Refund for last month", "billing"),
    ("Card declined at checkout", "billing"), ("Cannot log in", "account"),
    ("Reset my password", "account"), ("Change my email address", "account"),
    ("App crashes on start", "bug"), ("Button does nothing", "bug"),
    ("Error 500 on save", "bug"), ("Charged in the wrong currency", "billing"),
]  # fmt: skip

# the deliberate mistake: the dataset has `text` and `channel`, the function takes `ticket`
TRIAGE_WRONG = 'def classify(ticket):\n    return "billing"\n'
TRIAGE = textwrap.dedent("""
    def classify(text, channel=None):
        t = text.lower()
        if any(w in t for w in ("invoice", "refund", "card", "charged")):
            return "billing"
        if any(w in t for w in ("log in", "password", "email")):
            return "account"
        return "bug"
""")


def _run_id(stdout):
    return next(line.split()[1] for line in stdout.splitlines() if line.startswith("run "))


def test_first_hour(tmp_path, cli):
    # 1. init + check: a working starter
    r = cli("init", "my-feature", cwd=tmp_path)
    assert r.returncode == 0 and "gonogo check my-feature/gonogo.yaml" in r.stdout
    assert cli("check", "my-feature/gonogo.yaml", cwd=tmp_path).returncode == 0
    assert cli("eval", "my-feature/gonogo.yaml", "-q", cwd=tmp_path).returncode in (0, 1)

    # 2. a hand-written PRD with a Python target whose signature does not fit the data
    proj = tmp_path / "tickets"
    proj.mkdir()
    (proj / "gonogo.yaml").write_text(CLASSIFIER_PRD)
    (proj / "tickets.jsonl").write_text("".join(
        json.dumps({"id": f"t{i}", "text": t, "channel": "email", "expected": c}) + "\n"
        for i, (t, c) in enumerate(TICKETS)
    ))  # fmt: skip
    (proj / "triage.py").write_text(TRIAGE_WRONG)
    r = cli("check", "tickets/gonogo.yaml", cwd=tmp_path)
    assert r.returncode == 2 and "no parameter for field 'text', 'channel'" in r.stderr, r.stderr
    assert "no field for parameter 'ticket'" in r.stderr
    r = cli("eval", "tickets/gonogo.yaml", cwd=tmp_path)
    assert r.returncode == 3 and "the target cannot be called" in r.stderr, r.stdout + r.stderr
    assert "NO-GO" not in r.stdout

    # 3. fixed: a verdict, the failing cases on screen, the run id
    (proj / "triage.py").write_text(TRIAGE)
    r = cli("eval", "tickets/gonogo.yaml", "--out", "tickets/report", cwd=tmp_path)
    assert r.returncode == 0, r.stdout + r.stderr
    assert "category: confusion" in r.stdout and "GO" in r.stdout.split()
    first = _run_id(r.stdout)

    # 4. report finds that run by the same relative path
    r = cli("report", "tickets/gonogo.yaml", "--out", "again", cwd=tmp_path)
    assert r.returncode == 0 and json.loads((tmp_path / "again/results.json").read_text())[
        "run"]["id"] == first  # fmt: skip

    # 5. a regression, then runs and diff
    (proj / "triage.py").write_text(TRIAGE.replace('"refund", ', ""))
    r = cli("eval", "tickets/gonogo.yaml", cwd=tmp_path)
    second = _run_id(r.stdout)
    assert "Failing cases (1):" in r.stdout and "golden/t1 [fail]" in r.stdout
    runs = cli("runs", "tickets/gonogo.yaml", cwd=tmp_path)
    assert runs.returncode == 0 and first in runs.stdout and second in runs.stdout
    d = cli("diff", first, second, "--prd", "tickets/gonogo.yaml", cwd=tmp_path)
    assert "Newly failing (1):" in d.stdout and "golden/t1: pass → fail" in d.stdout

    # 6. serve the starter PRD and send one request through the gateway
    prd = tmp_path / "my-feature" / "gonogo.yaml"
    r = cli("keys", "create", "my-app", "--prd", prd, cwd=tmp_path)
    assert r.returncode == 0, r.stderr
    secret = next(w for w in r.stdout.split() if w.startswith("gng_"))
    with GatewayProcess(prd) as gw:
        body = json.dumps(
            {"messages": [{"role": "user", "content": "How do I reset my password?"}]}
        )
        req = urllib.request.Request(
            gw.url + "/v1/chat/completions", data=body.encode(), method="POST",
            headers={"Authorization": f"Bearer {secret}", "Content-Type": "application/json"},
        )  # fmt: skip
        with urllib.request.urlopen(req, timeout=30) as resp:
            answer = json.load(resp)
    assert "Forgot password" in answer["choices"][0]["message"]["content"]
    assert answer["id"].startswith("chatcmpl-")
