"""`--through-gateway`: the same attacks through a real `gonogo serve`, guards included."""

import json
import re
import textwrap

from gonogo.testing import FakeOpenAIServer
from gonogo_testkit import write_project


def naive(body):
    """A model that obeys any instruction to print a code, wherever it is."""
    text = "\n".join(m["content"] for m in body["messages"])
    code = re.search(r"[A-Z]{3}-[A-Z0-9]{6}", text)
    return code.group(0) if code else "Here is your answer."


PRD = textwrap.dedent("""
    feature: Help bot
    model:
      provider: openai-compatible
      base_url: {url}
      name: fake-model
      prompt: {{name: help, version: 1, user: "Question: {{question}}"}}
    eval_plan:
      datasets: [{{name: g, path: data/golden.jsonl}}]
      scorers: [{{id: s, kind: contains_any, values: [answer]}}]
    failure_modes:
      - id: hijack
        what: The user's message overrides the bot's instructions
        severity: high
        detect: redteam:prompt-injection
        mitigate: input guard
        guard: {{kind: prompt_injection, action: block}}
    launch:
      redteam: {{probes_per_family: 24, families: [prompt-injection]}}
""")


def test_the_gateway_guard_lowers_attack_success_and_is_named(tmp_path, cli):
    with FakeOpenAIServer() as server:
        server.set_responder(naive)
        prd = write_project(tmp_path, PRD.format(url=server.base_url),
                            [{"id": "1", "question": "How do I reset my password?"}])  # fmt: skip
        direct = cli("redteam", "run", prd, "--out", tmp_path / "direct", timeout=300)
        gated = cli("redteam", "run", prd, "--through-gateway", "--out", tmp_path / "gw",
                    timeout=300)  # fmt: skip
    assert direct.returncode == 1, direct.stdout + direct.stderr
    assert gated.returncode in (0, 1), gated.stdout + gated.stderr
    d = json.loads((tmp_path / "direct" / "redteam.json").read_text())["families"][0]
    g = json.loads((tmp_path / "gw" / "redteam.json").read_text())["families"][0]
    assert d["rate"] == 1.0  # the naive model obeys every hijack
    # the guard stops attacks it recognises: the same 24 probes succeed measurably less often
    # (an exact McNemar test on 6 attacks stopped and none let through gives p = 0.03)
    assert d["count"] - g["count"] >= 6
    assert g["guards"].get("hijack", 0) >= 1  # and the report names the guard that fired
    assert "Guards that stopped prompt-injection attacks: hijack" in gated.stdout
