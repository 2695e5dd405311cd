"""Render the PRD as the document a PM shares: Markdown or self-contained HTML.

Every string from the PRD is escaped: in HTML with ``html.escape``; in Markdown the
HTML-special characters become entities (Markdown passes raw HTML through), brackets are
escaped (no link, image or reference definition comes alive), table
cells escape ``|`` and turn newlines into ``<br>``, and code fences outgrow any run
of backticks inside them.
"""

from __future__ import annotations

import html
import re

from ._document import (
    CODE_END,
    CODE_START,
    Block,
    Bullets,
    Heading,
    Meta,
    Para,
    Table,
    build_document,
)
from ._prd import PRD

_INLINE_CODE = re.compile(f"{CODE_START}(.*?){CODE_END}", re.S)


def render_markdown(prd: PRD, *, source: str | None = None) -> str:
    """The PRD as a Markdown document (GitHub-flavoured tables)."""
    out: list[str] = []
    for block in build_document(prd, source):
        out.append(_md_block(block))
    return "\n\n".join(out) + "\n"


def render_html(prd: PRD, *, source: str | None = None) -> str:
    """The PRD as one self-contained HTML page (inline CSS, no external assets)."""
    body = "\n".join(_html_block(b) for b in build_document(prd, source))
    title = html.escape(prd.feature)
    return (
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{title} — PRD</title>\n<style>{_CSS}</style>\n</head>\n"
        f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n"
    )


# -- Markdown ---------------------------------------------------------------------------


# backslash, code, emphasis, and the brackets of links, images and reference definitions
# (`[x](javascript:…)`, `![x](https://tracker…)`, `[x]: url`): all made literal
_MD_ACTIVE = re.compile(r"[\\`*\[\]]|(?<!\w)_|_(?!\w)")


def _md_text(text: str) -> str:
    """Escape prose; inline-code marks become code spans (literal, never HTML)."""
    out = []
    for i, part in enumerate(_INLINE_CODE.split(text)):
        if i % 2:
            out.append(_md_code_span(" ".join(part.split())))
        else:
            part = part.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
            out.append(_MD_ACTIVE.sub(lambda m: "\\" + m.group(0), part))
    return "".join(out)


def _md_code_span(text: str) -> str:
    longest = max((len(m) for m in re.findall(r"`+", text)), default=0)
    ticks = "`" * (longest + 1)
    pad = " " if text.startswith("`") or text.endswith("`") else ""
    return f"{ticks}{pad}{text}{pad}{ticks}"


def _md_cell(text: str, code: bool = False) -> str:
    if not text:
        return ""
    if code:
        cell = _md_code_span(" ".join(text.split()))
    else:
        cell = "<br>".join(_md_text(line) for line in text.strip().splitlines())
    return cell.replace("|", "\\|")


def _md_block(block: Block) -> str:
    if isinstance(block, Heading):
        return "#" * block.level + " " + _md_text(" ".join(block.text.split()))
    if isinstance(block, Para):
        return _md_text(block.text)
    if isinstance(block, Bullets):
        marks = [f"{i}." if block.ordered else "-" for i in range(1, len(block.items) + 1)]
        return "\n".join(
            f"{m} " + _md_text(item.strip()).replace("\n", "\n   ")
            for m, item in zip(marks, block.items, strict=True)
        )
    if isinstance(block, Meta):
        return "\n".join(
            f"- **{_md_text(k)}:** " + _md_text(v).replace("\n", " ") for k, v in block.pairs
        )
    if isinstance(block, Table):
        head = "| " + " | ".join(_md_cell(h) for h in block.headers) + " |"
        rule = "|" + "|".join("---" for _ in block.headers) + "|"
        rows = [
            "| " + " | ".join(_md_cell(c, i in block.code_cols) for i, c in enumerate(r)) + " |"
            for r in block.rows
        ]
        return "\n".join([head, rule, *rows])
    longest = max((len(m) for m in re.findall(r"`{3,}", block.text)), default=2)
    fence = "`" * (longest + 1)
    caption = f"**{_md_text(block.caption)}**\n\n" if block.caption else ""
    return f"{caption}{fence}{block.lang}\n{block.text}\n{fence}"


# -- HTML -------------------------------------------------------------------------------


def _e(text: str) -> str:
    parts = _INLINE_CODE.split(text)
    return "".join(
        f"<code>{html.escape(p, quote=True)}</code>" if i % 2 else html.escape(p, quote=True)
        for i, p in enumerate(parts)
    )


def _html_cell(text: str, code: bool, header: str) -> str:
    inner = "<br>".join(_e(line) for line in text.strip().splitlines())
    if code and inner:
        inner = f"<code>{inner}</code>"
    cls = ""
    if header in ("Severity", "Likelihood") and re.fullmatch(r"[a-z]+", text):
        cls = f' class="level-{text}"'
    return f"<td{cls}>{inner}</td>"


def _html_block(block: Block) -> str:
    if isinstance(block, Heading):
        return f"<h{block.level}>{_e(block.text)}</h{block.level}>"
    if isinstance(block, Para):
        paras = [p for p in re.split(r"\n\s*\n", block.text) if p.strip()]
        return "\n".join(f"<p>{_e(p)}</p>" for p in paras)
    if isinstance(block, Bullets):
        tag = "ol" if block.ordered else "ul"
        items = "".join(f"<li>{_e(i)}</li>" for i in block.items)
        return f"<{tag}>{items}</{tag}>"
    if isinstance(block, Meta):
        rows = "".join(f"<dt>{_e(k)}</dt><dd>{_e(v)}</dd>" for k, v in block.pairs)
        return f"<dl>{rows}</dl>"
    if isinstance(block, Table):
        head = "".join(f"<th>{_e(h)}</th>" for h in block.headers)
        rows = "".join(
            "<tr>"
            + "".join(
                _html_cell(c, i in block.code_cols, block.headers[i]) for i, c in enumerate(r)
            )
            + "</tr>\n"
            for r in block.rows
        )
        cls = f' class="{_e(block.css)}"' if block.css else ""
        return f"<table{cls}><thead><tr>{head}</tr></thead>\n<tbody>\n{rows}</tbody></table>"
    caption = f'<div class="caption">{_e(block.caption)}</div>' if block.caption else ""
    return f"<figure>{caption}<pre><code>{_e(block.text)}</code></pre></figure>"


_CSS = """
:root { color-scheme: light; --ink: #1d2330; --muted: #5b6475; --line: #d9dee7; --bg: #f6f8fb; }
body { margin: 0; background: var(--bg); color: var(--ink);
  font: 15px/1.55 -apple-system, BlinkMacSystemFont, "Segoe UI", Roboto, sans-serif; }
main { max-width: 1100px; margin: 0 auto; padding: 32px 28px 64px; background: #fff;
  min-height: 100vh; box-shadow: 0 0 0 1px var(--line); }
h1 { font-size: 28px; margin: 0 0 8px; }
h2 { font-size: 20px; margin: 36px 0 10px; padding-bottom: 6px;
  border-bottom: 1px solid var(--line); }
h3 { font-size: 16px; margin: 24px 0 8px; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 8px 0; }
dt { color: var(--muted); font-weight: 600; }
dd { margin: 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0 16px; font-size: 14px; }
th, td { border: 1px solid var(--line); padding: 6px 9px; text-align: left; vertical-align: top; }
th { background: var(--bg); font-weight: 600; }
code { font: 13px/1.4 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace; }
pre { background: var(--bg); border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px;
  overflow-x: auto; white-space: pre-wrap; margin: 4px 0 0; }
figure { margin: 12px 0; }
.caption { color: var(--muted); font-weight: 600; font-size: 13px; }
.level-critical { background: #fbe3e4; font-weight: 600; }
.level-high { background: #fdeede; }
.level-medium { background: #fdf7dc; }
.level-low { background: #e9f6ec; }
"""
