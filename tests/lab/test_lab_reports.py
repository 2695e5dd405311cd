"""The lab's reports read from lab.json: HTML escapes everything, junit fails the holes, the
console prints every row."""

import asyncio
import html as html_lib
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

from rich.console import Console

from gonogo.lab import LabOptions, lab
from gonogo.report._lab import lab_junit, render_lab_console
from gonogo.report._lab_html import render_lab_html

sys.path.insert(0, str(Path(__file__).parent))
from lab_kit import write_capitals  # noqa: E402

HOSTILE = "<script>alert(1)</script><img src=x onerror=alert(2)>"


def test_reports_escape_and_agree_with_the_document(tmp_path):
    prd = write_capitals(tmp_path / "p", "labreports_app", with_right=False)
    (tmp_path / "p" / "labreports_faults.py").write_text(
        "from dataclasses import replace\n"
        "from gonogo.lab import Injection\n"
        "class Hostile(Injection):\n"
        "    name = 'hostile'\n"
        "    layer = 'output'\n"
        "    def output(self, out, ctx):\n"
        f"        ctx.note(self.name, {HOSTILE!r})\n"
        f"        return replace(out, output={HOSTILE!r})\n"
        "def hostile():\n"
        "    return Hostile()\n"
    )
    opts = LabOptions(only=("wrong-facts", "lab:labreports_faults:hostile"))
    doc = asyncio.run(lab(prd, opts)).document
    html = render_lab_html(doc)
    assert "<script>" not in html and "<img" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "Detection matrix" in html and 'http-equiv="Content-Security-Policy"' in html
    # junit: one test per failure mode and per ad-hoc entry; exactly the holes fail
    root = ET.fromstring(lab_junit(doc).split("\n", 1)[1])
    cases = {tc.get("name"): tc for tc in root.iter("testcase")}
    assert set(cases) == {"wrong-facts", "rambles", "obeys-docs", "never-provoked",
                          "labreports_faults:hostile"}  # fmt: skip
    failed = {n for n, tc in cases.items() if tc.find("failure") is not None}
    assert failed == set(doc["holes"]) == {"wrong-facts"}
    assert cases["rambles"].find("skipped") is not None  # not in this lab (--only)
    console = Console(record=True, width=200)
    render_lab_console(doc, console)
    text = console.export_text()
    for row in ("wrong-facts", "rambles", "obeys-docs", "never-provoked"):
        assert row in text
    assert "undetected" in text and "Holes in the eval plan: wrong-facts" in text
    # detection and the gate (the mutation score) are worded the same in console and html
    from gonogo.report._lab import gate_words, mutation_sentences

    page = html_lib.unescape(render_lab_html(doc))
    flat, flat_page = " ".join(text.split()), " ".join(page.split())
    assert "UNDETECTED" not in text and "UNDETECTED" not in page
    assert "survivors" not in text.lower() and "Stopped by the gate" not in flat
    for sentence in mutation_sentences(doc["mutation_score"]):
        assert sentence in flat and sentence in flat_page, sentence
    for e in doc["entries"]:
        gate = gate_words(e)
        if gate and e["failure_mode"] in ("wrong-facts", "obeys-docs"):
            assert gate in flat and gate in flat_page, gate
    holes = [e for e in doc["entries"] if e["id"] in doc["holes"]]
    assert holes and all(gate_words(e) for e in holes)  # a hole also says what the gate did
