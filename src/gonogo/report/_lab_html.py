"""lab.html: the detection matrix as a heat map, then each injection's cases before / after.

Self-contained and offline like the other pages (Jinja2 with autoescaping for the frame;
the case list rendered here with every value escaped by :func:`_e`). A cell's colour is
how far the detector's pass rate fell under the injection (red: fell, significantly when
outlined); its text gives both pass rates, the difference with its 95% interval and the
Holm-adjusted p-value. Each changed case shows the clean and injected answers side by
side, the word-level diff, what the injection did, and the detectors that flipped.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from markupsafe import Markup

from . import _format as fmt
from ._cases_html import _e
from ._compare_html import word_diff
from ._lab import (
    GATE_NOTE,
    STATUS_WORDS,
    cell_map,
    cell_text,
    gate_words,
    mutation_sentences,
)


def _shade(cell: Mapping[str, Any] | None) -> str:
    """A background for the cell: red as the pass rate falls, green as it rises."""
    test = (cell or {}).get("test") or {}
    diff = test.get("diff")
    if diff is None:
        return "#f6f8fa"
    strength = min(1.0, abs(float(diff)) / 0.5)
    alpha = 0.08 + 0.72 * strength if abs(diff) >= 0.005 else 0.0
    colour = "207,34,46" if diff < 0 else "26,127,55"
    return f"rgba({colour},{alpha:.2f})"


def _cell(cell: Mapping[str, Any] | None, own: bool) -> str:
    if cell is None:
        return "<td></td>"
    test = cell.get("test") or {}
    cls = "cell" + (" fired" if cell.get("fired") else "") + (" own" if own else "")
    if not test:
        why = cell.get("not_evaluated") or "not evaluated"
        return f'<td class="{cls}" title="{_e(why)}">n/e</td>'
    tip = (f"{fmt.pct(test.get('mean_a'))} → {fmt.pct(test.get('mean_b'))}; "
           f"diff {test.get('diff', 0) * 100:+.1f} pts {fmt.ci(test.get('ci'))}; "
           f"p {fmt.num(test.get('p_value'), 3)}, Holm {fmt.num(test.get('p_adjusted'), 3)}; "
           f"W/T/L {test.get('wins')}/{test.get('ties')}/{test.get('losses')}")  # fmt: skip
    rate = cell.get("fail_rate_injected") or {}
    return (
        f'<td class="{cls}" style="background:{_shade(cell)}" title="{_e(tip)}">'
        f'<b>{_e(cell_text(cell))}</b><br><span class="small">'
        f"{_e(fmt.pct(test.get('mean_a')))}→{_e(fmt.pct(test.get('mean_b')))}<br>"
        f"{_e(_points(test.get('ci')))} pts<br>"
        f"fails {_e(fmt.pct(rate.get('rate')))} {_e(fmt.ci(rate.get('ci')))}</span></td>"
    )


def _points(interval: Any) -> str:
    if not interval or None in interval:
        return "[—]"
    return fmt.ci([float(x) * 100 for x in interval], 0)


def render_matrix(doc: Mapping[str, Any]) -> Markup:
    """The heat map table."""
    detectors = [d["id"] for d in doc["detectors"]]
    cells = cell_map(doc)
    head = "".join(f"<th>{_e(d)}</th>" for d in detectors)
    rows = []
    for e in doc["entries"]:
        status = e["status"]
        tds = "".join(_cell(cells.get((e["id"], d)), d in e["own_detectors"]) for d in detectors)
        rows.append(
            f'<tr><th><a href="#e-{_e(e["id"])}">{_e(e["id"])}</a><br>'
            f'<span class="small mono">{_e(e["injection"])}</span><br>'
            f'<span class="st st-{_e(status)}">{_e(STATUS_WORDS.get(status, status))}</span>'
            f"</th>{tds}</tr>"
        )
    return Markup(f"<table class=\"matrix\"><tr><th>injection</th>{head}</tr>{''.join(rows)}"
                  "</table>")  # fmt: skip


def _text(value: Any) -> str:
    return fmt.pretty(value) if value is not None else ""


def _side(side: Mapping[str, Any], title: str) -> str:
    if side.get("error"):
        return f'<h4>{title}</h4><pre class="st-fail">target error: {_e(side["error"])}</pre>'
    return f"<h4>{title}</h4><pre>{_e(_text(side.get('output')))}</pre>"


def render_cases(doc: Mapping[str, Any]) -> Markup:
    """Per injection: its changed cases, before and after."""
    out: list[str] = []
    for e in doc["entries"]:
        cases = [c for c in doc.get("cases") or [] if c["entry"] == e["id"]]
        out.append(f'<h3 id="e-{_e(e["id"])}">{_e(e["id"])} · <span class="mono">'
                   f'{_e(e["injection"])}</span></h3>')  # fmt: skip
        status = _e(STATUS_WORDS.get(e["status"], e["status"]))
        hint = f"<br><em>{_e(e['suggestion'])}</em>" if e.get("suggestion") else ""
        gate = gate_words(e)
        gate_said = f"; {_e(gate)}" if gate else ""
        out.append(f"<p>{status}: {_e(e['reason'])}{gate_said}{hint} · {e['changed_samples']} "
                   f"of {e['samples']} samples changed</p>")  # fmt: skip
        if not cases:
            out.append('<p class="meta">no changed case to show</p>')
        for c in cases:
            flips = ", ".join(c.get("flipped") or []) or "no detector flipped"
            a, b = c["clean"], c["injected"]
            out.append(f'<details class="case"><summary><strong>{_e(c["key"])}</strong> '
                       f"(sample {_e(c['sample'])}) · flipped: {_e(flips)}</summary>")  # fmt: skip
            out.append(f"<h4>Input</h4><pre>{_e(_text(c.get('input')))}</pre>")
            if c.get("expected") is not None:
                out.append(f"<h4>Expected</h4><pre>{_e(_text(c['expected']))}</pre>")
            out.append(f'<div class="sides"><div>{_side(a, "Clean")}</div>'
                       f'<div>{_side(b, "Injected")}</div></div>')  # fmt: skip
            ta, tb = _text(a.get("output")), _text(b.get("output"))
            if ta != tb and not a.get("error") and not b.get("error"):
                out.append(f'<h4>Diff</h4><pre class="diff">{word_diff(ta, tb)}</pre>')
            effects = "; ".join(f"{x.get('injection')}: {x.get('detail')}"
                                for x in c.get("effects") or [])  # fmt: skip
            if effects:
                out.append(f'<p class="small">What the injection did: {_e(effects)}</p>')
            out.append(_scores(a, b))
            out.append("</details>")
    return Markup("".join(out))  # every value above went through _e


def _scores(a: Mapping[str, Any], b: Mapping[str, Any]) -> str:
    rows = []
    sa, sb = a.get("scores") or {}, b.get("scores") or {}
    for sid in dict.fromkeys([*sa, *sb]):
        x, y = sa.get(sid) or {}, sb.get(sid) or {}
        cls = ' class="changed"' if x.get("passed") != y.get("passed") else ""
        rows.append(f"<tr{cls}><td>{_e(sid)}</td><td>{_e(_mark(x.get('passed')))}</td>"
                    f"<td>{_e(_mark(y.get('passed')))}</td>"
                    f"<td class=\"small\">{_e(y.get('reason') or '')}</td></tr>")  # fmt: skip
    return ('<table class="small"><tr><th>detector</th><th>clean</th><th>injected</th>'
            "<th>injected: why</th></tr>" + "".join(rows) + "</table>")  # fmt: skip


def _mark(passed: Any) -> str:
    return "n/e" if passed is None else ("pass" if passed else "fail")


def render_lab_html(doc: Mapping[str, Any]) -> str:
    """The lab page for ``doc`` (lab.json) as a string."""
    from ._html import _environment

    template = _environment().get_template("lab.html.j2")
    return template.render(doc=doc, status_words=STATUS_WORDS, matrix=render_matrix(doc),
                           cases_html=render_cases(doc), gate_words=gate_words,
                           gate_note=GATE_NOTE, mutation_sentences=mutation_sentences,
                           entries={e["id"]: e for e in doc["entries"]})  # fmt: skip
