import re
from html.parser import HTMLParser

import pytest
from spec_helpers import VALID, load

from gonogo.spec import PRD, render_html, render_markdown
from gonogo_testkit import REFUND_BOT

HOSTILE = (
    VALID.replace("feature: FAQ answers", 'feature: "FAQ <script>alert(1)</script>"')
    .replace(
        "    what: States something the help centre does not say\n",
        '    what: "Says a | b <b>bold</b>\\nacross lines"\n'
        '    example: "```evil``` and `ticks`"\n',
    )
    .replace(
        'user: "Question: {question}"',
        'user: "Q: {question}\\n```\\n</code></pre><script>x</script>"',
    )
)


@pytest.fixture(scope="module")
def refund_bot():
    import yaml

    return PRD.model_validate(yaml.safe_load(REFUND_BOT.read_text()))


def test_markdown_has_every_section_as_tables(refund_bot):
    md = render_markdown(refund_bot, source="refund-bot.gonogo.yaml")
    assert md.startswith("# Refund-policy answers in the help-centre chat\n")
    for heading in (
        "## Problem",
        "## Goals",
        "## Non-goals",
        "## User stories",
        "## Success metrics",
        "## Model spec",
        "## Eval plan",
        "### Scorers",
        "### Thresholds",
        "## Failure modes",
        "## Launch",
        "### Fallback chain",
    ):
        assert f"\n{heading}" in md
    assert "| `no_card_numbers` | pass rate ≥ 100% | 95% lower bound |" in md
    assert "| Provider | openai-compatible |" in md
    assert "```text\nYou answer questions about Acme's refund policy" in md
    # every table row has the same number of cells as its header
    for table in re.findall(r"(?:^\|.*\|\n)+", md, flags=re.M):
        counts = {len(re.findall(r"(?<!\\)\|", row)) for row in table.strip().splitlines()}
        assert len(counts) == 1, table


def test_markdown_escapes_user_text():
    md = render_markdown(load(HOSTILE).prd)
    assert "<script>" not in md.split("```")[0]  # outside code blocks nothing is raw HTML
    assert "# FAQ &lt;script&gt;alert(1)&lt;/script&gt;" in md
    row = next(line for line in md.splitlines() if line.startswith("| `wrong-answer`"))
    assert "Says a \\| b &lt;b&gt;bold&lt;/b&gt;<br>across lines" in row
    assert row.count("|") - row.count("\\|") == 9  # 8 cells
    # the fence outgrows the backticks inside the template
    assert "````text\nQ: {question}\n```\n</code></pre><script>x</script>\n````" in md


class _Collect(HTMLParser):
    def __init__(self):
        super().__init__()
        self.tags = []
        self.text = []

    def handle_starttag(self, tag, attrs):
        self.tags.append((tag, dict(attrs)))

    def handle_data(self, data):
        self.text.append(data)


def test_html_escapes_and_is_self_contained():
    page = render_html(load(HOSTILE).prd)
    parser = _Collect()
    parser.feed(page)
    tags = [t for t, _ in parser.tags]
    assert "script" not in tags
    assert "link" not in tags and "img" not in tags
    assert not re.search(r"(src|href)=", page)
    assert "style" in tags
    text = "".join(parser.text)
    assert "FAQ <script>alert(1)</script>" in text  # shown as text, not run
    assert "</code></pre><script>x</script>" in text


def test_html_renders_tables(refund_bot):
    page = render_html(refund_bot)
    assert page.startswith("<!DOCTYPE html>")
    assert page.count("<table") == 7  # metrics, model, datasets, scorers, thresholds, FMs, red team
    assert '<td class="level-high">high</td>' in page
    assert "<code>invented-terms</code>" in page


def test_prd_command_writes_md_and_html(cli, tmp_path):
    from spec_helpers import write_prd

    path = write_prd(tmp_path)
    result = cli("prd", path)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("# FAQ answers")
    out = tmp_path / "prd.html"
    result = cli("prd", path, "--format", "html", "--out", out)
    assert result.returncode == 0, result.stderr
    assert out.read_text().startswith("<!DOCTYPE html>")
    result = cli("prd", path, "--format", "pdf")
    assert result.returncode == 2
    assert "Traceback" not in result.stderr


def test_technical_settings_render_as_literal_code():
    prd = load(
        VALID.replace(
            "{id: link, kind: contains_any, values: [help.example.com]}",
            "{id: link, kind: regex_absent, pattern: 'a|<b>`c'}",
        )
    ).prd
    md = render_markdown(prd)
    assert "| regex_absent | pattern: ``a\\|<b>`c`` |" in md
    page = render_html(prd)
    assert "pattern: <code>a|&lt;b&gt;`c</code>" in page
    assert "eval gate on scorer <code>match</code>" in page


def test_docs_example_is_a_valid_prd():
    from pathlib import Path

    doc = (Path(__file__).resolve().parents[2] / "docs" / "prd.md").read_text()
    blocks = re.findall(r"```yaml\n(.*?)```", doc, re.S)
    example = max(blocks, key=len)
    loaded = load(example)
    assert loaded.prd.feature.startswith("Refund-policy answers")
