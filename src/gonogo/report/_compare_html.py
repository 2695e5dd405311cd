"""comparison.html: the side-by-side view of a comparison, self-contained and offline.

The page frame is a Jinja2 template (autoescaped); the case list — most of the page —
is rendered here in Python like ``_cases_html``: every value goes through :func:`_e`,
so model output can never become markup. Cases come sorted by how much they changed:
score change first, then semantic distance between A's and B's outputs. Each sample
shows both outputs and a word-level diff (difflib) of the two.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from markupsafe import Markup

from ..stats import VERDICT_LABELS
from . import _format as fmt
from ._cases_html import _e
from ._compare_console import UNDECIDED, p_value, signed
from ._json import dumps, write_text_atomic

_TOKENS = re.compile(r"\s+|[^\s]+")
MAX_DIFF_TOKENS = 4000  # beyond this the diff is skipped: quadratic time on huge outputs


def word_diff(a: str, b: str) -> Markup:
    """A's text → B's text as escaped markup: removed words in <del>, added in <ins>."""
    ta, tb = _TOKENS.findall(a), _TOKENS.findall(b)
    if len(ta) + len(tb) > MAX_DIFF_TOKENS:
        return Markup("<em>outputs too long to diff</em>")
    out: list[str] = []
    matcher = difflib.SequenceMatcher(None, ta, tb, autojunk=False)
    for op, i1, i2, j1, j2 in matcher.get_opcodes():
        if op == "equal":
            out.append(_e("".join(ta[i1:i2])))
            continue
        if op in ("delete", "replace"):
            out.append(f"<del>{_e(''.join(ta[i1:i2]))}</del>")
        if op in ("insert", "replace"):
            out.append(f"<ins>{_e(''.join(tb[j1:j2]))}</ins>")
    return Markup("".join(out))  # every piece above is escaped by _e


def _text(side: Mapping[str, Any]) -> str:
    return fmt.pretty(side.get("output"))


def _output(side: Mapping[str, Any], who: str) -> str:
    head = (
        f"<h4>{who} · {_e(fmt.seconds(side.get('latency_s')))} · "
        f"{_e(fmt.usd(side.get('cost_usd')))}</h4>"
    )
    if side.get("error"):
        return (
            f'{head}<pre class="st-error">target error ({_e(side.get("error_kind") or "error")})'
            f": {_e(side['error'])}</pre>"
        )
    return f"{head}<pre>{_e(_text(side))}</pre>"


def _mark(passed: Any) -> str:
    if passed is None:
        return '<span class="st st-not_evaluated">n/e</span>'
    return (
        '<span class="st st-pass">pass</span>' if passed else '<span class="st st-fail">fail</span>'
    )


def _scores_table(s: Mapping[str, Any]) -> str:
    a, b = s["a"]["scores"], s["b"]["scores"]
    rows = []
    for sid in dict.fromkeys([*a, *b]):
        sa, sb = a.get(sid) or {}, b.get(sid) or {}
        changed = " changed" if sa.get("passed") != sb.get("passed") else ""
        rows.append(
            f'<tr class="{changed.strip()}"><td>{_e(sid)}</td>'
            f'<td class="num">{_e(_value(sa.get("value")))} {_mark(sa.get("passed"))}</td>'
            f'<td class="num">{_e(_value(sb.get("value")))} {_mark(sb.get("passed"))}</td>'
            f'<td class="small">{_e(sa.get("reason") or "")}</td>'
            f'<td class="small">{_e(sb.get("reason") or "")}</td></tr>'
        )
    return (
        '<table class="small"><tr><th>Scorer</th><th>A</th><th>B</th><th>A: why</th>'
        "<th>B: why</th></tr>" + "".join(rows) + "</table>"
    )


def _value(v: Any) -> str:
    return fmt.num(v, 3) if isinstance(v, int | float) and not isinstance(v, bool) else "—"


def _preference(p: Mapping[str, Any] | None) -> str:
    if not p:
        return ""
    winner = {"a": "A", "b": "B", "tie": "tie"}.get(str(p.get("winner")), "not evaluated")
    parts = [f"<div><strong>Judge prefers: {_e(winner)}</strong>"]
    if p.get("skipped"):
        parts.append(f" ({_e(p['skipped'])})")
    elif p.get("error"):
        parts.append(f' <span class="st-error">({_e(p["error"])})</span>')
    else:
        parts.append(
            f" · A shown first: picked {_e(_pick(p.get('a_first'), 'A', 'B'))}"
            f" · B shown first: picked {_e(_pick(p.get('b_first'), 'B', 'A'))}"
        )
    parts.append("</div>")
    for key, label in (("reasoning_a_first", "A first"), ("reasoning_b_first", "B first")):
        if p.get(key):
            parts.append(
                f"<details><summary>judge reasoning ({label})</summary>"
                f"<pre>{_e(p[key])}</pre></details>"
            )
    return "".join(parts)


def _pick(value: Any, first: str, second: str) -> str:
    return {"1": first, "2": second, "tie": "tie"}.get(str(value), "—")


def _sample(s: Mapping[str, Any], out: list[str]) -> None:
    sim = s.get("similarity")
    out.append(
        f'<div class="sample"><div><strong>Sample {_e(s["sample"])}</strong> · similarity '
        f"{_e(fmt.num(sim, 3))}</div>\n"
        f'<div class="sides"><div>{_output(s["a"], "A")}</div>'
        f"<div>{_output(s['b'], 'B')}</div></div>\n"
    )
    ta, tb = _text(s["a"]), _text(s["b"])
    if ta != tb and not s["a"].get("error") and not s["b"].get("error"):
        out.append(f'<h4>Diff A → B</h4><pre class="diff">{word_diff(ta, tb)}</pre>\n')
    out.append(_scores_table(s))
    out.append(_preference(s.get("preference")))
    out.append("</div>\n")


def _case(c: Mapping[str, Any], out: list[str]) -> None:
    sim, change = c.get("semantic_similarity"), c.get("score_change")
    moved = [
        f"{sid} {fmt.num(v['a'], 2)}→{fmt.num(v['b'], 2)}"
        for sid, v in (c.get("scores") or {}).items()
        if v["a"] != v["b"]
    ]
    pref = {"a": "judge: A", "b": "judge: B", "tie": "judge: tie"}.get(str(c.get("preference")))
    cls = "case"
    if moved:
        cls += " changed"
    if sim is not None and sim < 0.999:
        cls += " differs"
    if c.get("preference") in ("a", "b"):
        cls += f" pref-{c['preference']}"
    out.append(
        f'<details class="{cls}"><summary><strong>{_e(c["key"])}</strong> · similarity '
        f"{_e(fmt.num(sim, 2))} · score change {_e(fmt.num(change, 2))}"
    )
    if moved:
        out.append(f" · {_e(', '.join(moved))}")
    if pref:
        out.append(f" · {_e(pref)}")
    out.append(f"</summary>\n<h3>Input</h3><pre>{_e(fmt.pretty(c.get('inputs')))}</pre>\n")
    if c.get("expected") is not None:
        out.append(f"<h3>Expected</h3><pre>{_e(fmt.pretty(c['expected']))}</pre>\n")
    for s in c.get("samples") or []:
        _sample(s, out)
    out.append("</details>\n")


def sorted_cases(cases: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    """Most changed first: score change, then semantic distance (stable for ties)."""
    return sorted(
        cases,
        key=lambda c: (
            -(c.get("score_change") or 0.0),
            c.get("semantic_similarity") if c.get("semantic_similarity") is not None else 1.0,
        ),
    )


def render_comparison_cases(cases: list[Mapping[str, Any]]) -> Markup:
    """The escaped markup of every case, most changed first."""
    out: list[str] = []
    for c in sorted_cases(cases):
        _case(c, out)
    return Markup("".join(out))


def render_comparison_html(doc: Mapping[str, Any]) -> str:
    """The comparison page for ``doc`` (comparison.json) as a string."""
    from ._html import _environment

    template = _environment().get_template("compare.html.j2")
    return template.render(
        signed=signed,
        p_value=p_value,
        verdict_words=VERDICT_LABELS,
        undecided=UNDECIDED,
        doc=doc,
        a=doc["variants"]["a"],
        b=doc["variants"]["b"],
        conf=f"{float(doc['settings']['confidence']):.0%}",
        cases_html=render_comparison_cases(list(doc.get("cases") or [])),
    )


COMPARISON_FILES = {"json": "comparison.json", "html": "comparison.html"}


def write_comparison(doc: Mapping[str, Any], out_dir: str | Path) -> dict[str, Path]:
    """Write comparison.json and comparison.html into ``out_dir``; returns the paths."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    paths = {k: out / name for k, name in COMPARISON_FILES.items()}
    write_text_atomic(paths["json"], dumps(doc))
    write_text_atomic(paths["html"], render_comparison_html(doc))
    return paths
