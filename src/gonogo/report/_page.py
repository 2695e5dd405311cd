"""report.html's page in plain Python: the same bytes the Jinja template rendered.

The page used to be a Jinja2 template; importing Jinja2 and compiling the template cost
~70 ms of every `gonogo eval --out`, more than anything else the reports do for a small
run. This module writes the identical markup directly (a test renders both on the same
results and compares them byte for byte). Every value goes through :func:`_o`, which
does what the template's autoescape and ``finalize`` did: control characters dropped
from text, then markupsafe's escape; pre-escaped :class:`~markupsafe.Markup` (the case
drill-down) is inserted as is. Values are read as the template read them (:func:`_g`):
a missing key is :data:`MISSING`, which prints as nothing, is false, and yields nothing
— Jinja's ``ChainableUndefined`` — so run metadata without optional keys renders as
before.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from markupsafe import Markup, escape

from . import _format as fmt
from ._cases_html import render_cases
from ._chart import histograms, pass_rate_chart

# C0 controls other than tab/newline/CR (and DEL) are not valid in HTML text.
_CONTROLS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
_DICT_ATTRS = frozenset(dir(dict))


class _Missing:
    """A key the results do not have (Jinja's ``ChainableUndefined``)."""

    __slots__ = ()

    def __str__(self) -> str:
        return ""

    def __bool__(self) -> bool:
        return False

    def __iter__(self) -> Any:
        return iter(())

    def __len__(self) -> int:
        return 0

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()


def _g(obj: Any, key: str) -> Any:
    """``obj.key`` as Jinja reads it: the attribute, else the item, else :data:`MISSING`."""
    if type(obj) is dict and key not in _DICT_ATTRS:
        return obj.get(key, MISSING)
    if obj is MISSING:
        return MISSING
    try:
        return getattr(obj, key)
    except AttributeError:
        pass
    try:
        return obj[key]
    except (TypeError, LookupError, AttributeError):
        return MISSING


def _gi(obj: Any, key: Any) -> Any:
    """``obj[key]`` as Jinja reads it: the item, else the attribute, else :data:`MISSING`."""
    if obj is MISSING:
        return MISSING
    try:
        return obj[key]
    except (AttributeError, TypeError, LookupError):
        if isinstance(key, str):
            try:
                return getattr(obj, key)
            except AttributeError:
                pass
    return MISSING


def _o(value: Any) -> str:
    """One ``{{ value }}``: text without control characters, escaped; Markup as is."""
    if isinstance(value, str):
        if isinstance(value, Markup):
            return str(value)
        return str(escape(_CONTROLS.sub("\ufffd", value)))
    return str(escape(value))


def _join(items: Any, sep: str) -> str:
    """The ``join`` filter (items as text, joined; not escaped yet)."""
    return sep.join(str(x) for x in items)


def _last(seq: Any) -> list[tuple[Any, bool]]:
    items = list(seq)
    return [(x, i == len(items) - 1) for i, x in enumerate(items)]


def _fold(value: Any) -> Any:
    return value.lower() if isinstance(value, str) else value


_HEAD = """<!doctype html><html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>"""  # noqa: E501

_STYLE = """</title>
<style>
:root { --ok: #1a7f37; --bad: #cf222e; --warn: #9a6700; --mute: #6e7781; --line: #d0d7de;
        --bg2: #f6f8fa; --ink: #1f2328; --bar: #54aeff; }
* { box-sizing: border-box; }
body { font: 14px/1.45 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: var(--ink);
       margin: 0 auto; max-width: 1100px; padding: 24px; }
h1 { font-size: 22px; margin: 0 0 4px; } h2 { font-size: 17px; margin: 28px 0 8px; border-bottom: 1px solid var(--line); padding-bottom: 4px; }
h3 { font-size: 14px; margin: 12px 0 4px; }
.meta { color: var(--mute); font-size: 12px; }
.verdict { display: inline-block; font-weight: 700; font-size: 20px; padding: 4px 14px; border-radius: 6px; color: #fff; }
.v-GO { background: var(--ok); } .v-NO-GO { background: var(--bad); } .v-INCOMPLETE { background: var(--warn); }
ul.reasons { margin: 8px 0; padding-left: 20px; }
.warnings { background: #fff8c5; border: 1px solid #d4a72c; border-radius: 6px; padding: 8px 12px; margin: 10px 0; }
.warnings ul { margin: 4px 0; padding-left: 18px; }
table { border-collapse: collapse; width: 100%; margin: 6px 0; }
section { overflow-x: auto; }  /* wide tables scroll inside their section */
th, td { text-align: left; padding: 5px 8px; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: var(--bg2); font-weight: 600; }
td.num { font-variant-numeric: tabular-nums; white-space: nowrap; }
.st { font-weight: 600; white-space: nowrap; }
.st-pass { color: var(--ok); } .st-fail, .st-error { color: var(--bad); }
.st-undecided, .st-flaky { color: var(--warn); } .st-not_evaluated, .st-not_run, .st-no_detector { color: var(--mute); }
.st-detected { color: var(--bad); } .st-not_detected { color: var(--ok); }
svg { max-width: 100%; height: auto; } svg text { font: 11px system-ui, sans-serif; fill: var(--ink); }
.hists { display: flex; flex-wrap: wrap; gap: 12px; }
.hist { border: 1px solid var(--line); border-radius: 6px; padding: 6px; }
pre { background: var(--bg2); padding: 8px; border-radius: 4px; white-space: pre-wrap; word-break: break-word; margin: 4px 0; max-height: 420px; overflow: auto; }
details.case { border: 1px solid var(--line); border-radius: 6px; margin: 6px 0; padding: 4px 10px; }
details.case > summary { cursor: pointer; padding: 2px 0; }
.sample { border-top: 1px dashed var(--line); margin-top: 8px; padding-top: 6px; }
.filters { margin: 8px 0; } .filters label { margin-right: 14px; cursor: pointer; }
#f-fail:checked ~ .cases .case:not(.case-fail):not(.case-error):not(.case-flaky) { display: none; }
#f-flaky:checked ~ .cases .case:not(.case-flaky) { display: none; }
#f-error:checked ~ .cases .case:not(.has-error) { display: none; }
#f-pass:checked ~ .cases .case:not(.case-pass) { display: none; }
.tag { background: var(--bg2); border: 1px solid var(--line); border-radius: 10px; padding: 0 6px; font-size: 11px; margin-right: 4px; }
.small { font-size: 12px; }
</style>
"""  # noqa: E501


def render_page(results: Mapping[str, Any]) -> str:
    """The report page for ``results`` (what ``report.html`` holds)."""
    confidence = float((results.get("gate") or {}).get("confidence", 0.95))
    run = results.get("run") or {}
    out: list[str] = []
    w = out.append
    conf = _o(f"{confidence:.0%}")
    gate_on = fmt.gate_on(results).replace("_", " ")
    verdict = results["verdict"]

    w(_HEAD)
    w(f"{_o(verdict)} · {_o(_g(run, 'feature') or 'gonogo report')}")
    w(_STYLE)
    _header(w, results, run, verdict)
    _thresholds(w, results, conf, gate_on)
    _charts(w, results, conf)
    _scorers(w, results, conf)
    _failure_modes(w, results, conf)
    _totals(w, results)
    w(_CASES_HEAD)
    w(_o(render_cases(results.get("cases") or [])))
    w("\n</div>\n</div>\n</section>\n\n")
    _footer(w, results, run)
    return "".join(out)


def _header(w: Any, results: Mapping[str, Any], run: Any, verdict: Any) -> None:
    w("</head>\n<body>\n<header>\n")
    w(f"  <h1>{_o(_g(run, 'feature') or 'gonogo report')}</h1>\n")
    w(
        f'  <div class="meta">run {_o(_g(run, "id"))} · '
        f"{_o(_g(run, 'finished_at') or _g(run, 'started_at'))} · PRD {_o(_g(run, 'prd_path'))}"
    )
    sha = _g(run, "prd_sha256")
    if sha:
        w(f" ({_o(_gi(sha, slice(None, 12)))})")
    w(f" · gonogo {_o(_g(run, 'gonogo_version'))}</div>\n")
    w(f'  <p><span class="verdict v-{_o(verdict)}">{_o(verdict)}</span></p>\n')
    w('  <ul class="reasons">')
    for r in _g(results, "verdict_reasons"):
        w(f"<li>{_o(r)}</li>")
    w("</ul>\n")
    warnings = _g(results, "warnings")
    if warnings:
        w('  <div class="warnings"><strong>Read before trusting the verdict</strong>\n    <ul>')
        for x in warnings:
            w(f"<li>{_o(x)}</li>")
        w("</ul></div>\n")
    w("</header>\n\n")


def _thresholds(w: Any, results: Mapping[str, Any], conf: str, gate_on: str) -> None:
    gate = "per threshold" if gate_on == "mixed" else "on " + gate_on
    w(f'<section id="thresholds">\n<h2>Thresholds ({conf} intervals, gate {_o(gate)})</h2>\n')
    thresholds = _g(results, "thresholds")
    if not thresholds:
        w("<p>No thresholds are defined: nothing is gated, so the verdict cannot be GO.</p>\n")
        w("</section>\n\n")
        return
    w(
        "<table>\n  <tr><th>Scorer</th><th>Metric</th><th>Estimate</th>"
        f"<th>{conf} interval</th><th>Target</th><th>Gate on</th><th>Status</th>"
        "<th>Why</th></tr>\n"
    )
    for t in thresholds:
        status = _g(t, "status")
        w(
            f"  <tr>\n    <td>{_o(_g(t, 'scorer'))}</td>"
            f"<td>{_o(fmt.METRIC_LABEL.get(_g(t, 'metric'), _g(t, 'metric')))}</td>\n"
            f'    <td class="num">{_o(fmt.num(_g(t, "estimate"), 3))}</td>'
            f'<td class="num">{_o(fmt.ci(_g(t, "ci"), 3))}</td>\n'
            f'    <td class="num">≥ {_o(fmt.target(_g(t, "target")))}</td>'
            f"<td>{_o(str(_g(t, 'gate_on')).replace('_', ' '))}</td>\n"
            f'    <td class="st st-{_o(status)}">{_o(fmt.status_label(status))}</td>\n'
            f'    <td class="small">{_o(_g(t, "message"))}'
        )
        note = _g(t, "gate_note")
        if note:
            w(f"<br><em>{_o(note)}</em>")
        w("</td>\n  </tr>\n")
    w(
        '</table>\n<p class="small meta">An <strong>undecided</strong> threshold has an '
        "estimate that meets the target but an interval\n  whose lower bound does not: it "
        "does not pass. More cases narrow the interval; the message says roughly how many."
        "</p>\n</section>\n\n"
    )


def _charts(w: Any, results: Mapping[str, Any], conf: str) -> None:
    chart = pass_rate_chart(results)
    hists = histograms(results)
    width, height = _g(chart, "width"), _g(chart, "height")
    x0 = _g(chart, "x0")
    w(
        '<section id="chart">\n<h2>Pass rates</h2>\n<svg role="img" aria-label="Pass rate per '
        f'scorer with {conf} interval and thresholds"\n     viewBox="0 0 {_o(width)} '
        f'{_o(height)}" width="{_o(width)}" height="{_o(height)}">\n'
    )
    for g in _g(chart, "grid"):
        x = _o(_g(g, "x"))
        w(
            f'  <line x1="{x}" y1="16" x2="{x}" y2="{_o(height - 6)}" stroke="#d0d7de"/>\n'
            f'  <text x="{x}" y="12" text-anchor="middle">{_o(_g(g, "label"))}</text>\n'
        )
    for r in _g(chart, "rows"):
        mid, label = _g(r, "mid"), _o(_g(r, "label"))
        w(f'  <text x="{_o(x0 - 8)}" y="{_o(mid + 4)}" text-anchor="end">{label}</text>\n')
        if _g(r, "rate") is not None:
            lo, hi, text = _o(_g(r, "lo_x")), _o(_g(r, "hi_x")), _o(_g(r, "text"))
            line = 'stroke="#1f2328" stroke-width="1.5"/>\n'
            w(
                f'  <rect x="{_o(x0)}" y="{_o(mid - 6)}" width="{_o(_g(r, "bar_w"))}" '
                f'height="12" fill="#54aeff"><title>{label}: {text}</title></rect>\n'
                f'  <line x1="{lo}" y1="{_o(mid)}" x2="{hi}" y2="{_o(mid)}" {line}'
                f'  <line x1="{lo}" y1="{_o(mid - 5)}" x2="{lo}" y2="{_o(mid + 5)}" {line}'
                f'  <line x1="{hi}" y1="{_o(mid - 5)}" x2="{hi}" y2="{_o(mid + 5)}" {line}'
                f'  <text x="{_o(_g(chart, "value_x"))}" y="{_o(mid + 4)}">{text}</text>\n'
            )
        else:
            w(f'  <text x="{_o(x0 + 6)}" y="{_o(mid + 4)}" fill="#6e7781">not evaluated</text>\n')
        y = _g(r, "y")
        for t in _g(r, "ticks"):
            x, status = _o(_g(t, "x")), _g(t, "status")
            colour = "#1a7f37" if status == "pass" else "#cf222e"
            w(
                f'  <line x1="{x}" y1="{_o(y + 3)}" x2="{x}" y2="{_o(y + 27)}" '
                f'stroke="{colour}" stroke-width="2" stroke-dasharray="3 2"><title>target '
                f"{_o(fmt.target(_g(t, 'target')))}: {_o(fmt.status_label(status))}</title>"
                "</line>\n"
            )
    w(
        '</svg>\n<p class="small meta">Bars: pass rate; whiskers: '
        f"{conf} interval; dashed ticks: thresholds (green passes, red does not).</p>\n\n"
    )
    if hists:
        w('<h3>Score distributions</h3>\n<div class="hists">\n')
        for h in hists:
            _histogram(w, h)
        w("</div>\n")
    w("</section>\n\n")


def _histogram(w: Any, h: Any) -> None:
    hid, mean = _o(_g(h, "id")), _g(h, "mean")
    width, height = _o(_g(h, "width")), _o(_g(h, "height"))
    pad, base, right = _g(h, "pad"), _g(h, "base"), _g(h, "right")
    w(
        f'<div class="hist">\n  <div class="small"><strong>{hid}</strong> · mean '
        f"{_o(fmt.num(mean, 3))}</div>\n"
        f'  <svg role="img" aria-label="Histogram of {hid} scores" viewBox="0 0 {width} '
        f'{height}" width="{width}" height="{height}">\n'
        f'    <line x1="{_o(pad)}" y1="{_o(base)}" x2="{_o(right)}" y2="{_o(base)}" '
        'stroke="#6e7781"/>\n'
    )
    bars = _g(h, "bars")
    for b in bars:
        w(
            f'    <rect x="{_o(_g(b, "x"))}" y="{_o(_g(b, "y"))}" width="{_o(_g(b, "w"))}" '
            f'height="{_o(_g(b, "h"))}" fill="#54aeff"><title>{_o(_g(b, "n"))}</title></rect>\n'
        )
        if _g(b, "label") is not None:
            w(
                f'<text x="{_o(_g(b, "cx"))}" y="{_o(base + 13)}" text-anchor="middle">'
                f"{_o(_g(b, 'label'))}</text>"
            )
    if _g(_gi(bars, 0), "label") is None:
        w(
            f'    <text x="{_o(pad)}" y="{_o(base + 13)}" text-anchor="start">'
            f"{_o(_g(h, 'lo'))}</text>\n"
            f'    <text x="{_o(right)}" y="{_o(base + 13)}" text-anchor="end">'
            f"{_o(_g(h, 'hi'))}</text>\n"
        )
    mean_x = _g(h, "mean_x")
    if mean_x is not None:
        w(
            f'<line x1="{_o(mean_x)}" y1="8" x2="{_o(mean_x)}" y2="{_o(base)}" stroke="#1f2328" '
            f'stroke-width="1.5"><title>mean {_o(fmt.num(mean, 3))}</title></line>'
        )
    for t in _g(h, "targets"):
        x = _o(_g(t, "x"))
        w(
            f'<line x1="{x}" y1="8" x2="{x}" y2="{_o(base)}" stroke="#cf222e" '
            f'stroke-dasharray="3 2"><title>target {_o(fmt.target(_g(t, "target")))}</title>'
            "</line>"
        )
    w("  </svg>\n</div>\n")


def _scorers(w: Any, results: Mapping[str, Any], conf: str) -> None:
    w(
        '<section id="scorers">\n<h2>Scorers</h2>\n<table>\n  <tr><th>Scorer</th><th>Kind</th>'
        "<th>Evaluated</th><th>Not evaluated</th><th>Scorer errors</th><th>Target errors</th>"
        f"\n      <th>Pass rate</th><th>{conf} interval</th><th>n eff</th><th>Mean</th>"
        "<th>Mean interval</th></tr>\n"
    )
    scorers = _g(results, "scorers")
    for s in scorers:
        w(f"  <tr>\n    <td>{_o(_g(s, 'id'))}")
        description = _g(s, "description")
        if description:
            w(f'<br><span class="small meta">{_o(description)}</span>')
        for fp in _g(s, "judge_fingerprints"):
            w(f'<br><span class="small meta">judge {_o(fp)}</span>')
        n_not = _g(s, "n_not_evaluated")
        w(
            f"</td>\n    <td>{_o(_g(s, 'kind') or '—')}</td>\n"
            f'    <td class="num">{_o(_g(s, "n_evaluated"))} / {_o(_g(s, "n_samples"))}</td>\n'
            f'    <td class="num {"st st-undecided" if n_not else ""}">{_o(n_not)}'
        )
        reason = _g(s, "not_evaluated_reason")
        if reason:
            w(f'<br><span class="small">{_o(reason)}</span>')
        w(
            f'</td>\n    <td class="num">{_o(_g(s, "n_errors"))}</td>'
            f'<td class="num">{_o(_g(s, "n_target_errors"))}</td>\n'
            f'    <td class="num">{_o(fmt.num(_g(s, "pass_rate"), 3))}</td>'
            f'<td class="num">{_o(fmt.ci(_g(s, "pass_ci"), 3))}</td>\n'
            f'    <td class="num">{_o(fmt.num(_g(s, "n_eff"), 1))}</td>\n'
            f'    <td class="num">{_o(fmt.num(_g(s, "mean"), 3))}</td>'
            f'<td class="num">{_o(fmt.ci(_g(s, "mean_ci"), 3))}</td>\n  </tr>\n'
        )
    w("</table>\n")
    _by_tag(w, [s for s in scorers if _gi(s, "by_tag")])
    for s in scorers:
        if _g(s, "confusion"):
            _confusion(w, s)
    w("</section>\n\n")


def _by_tag(w: Any, tagged: list[Any]) -> None:
    if not tagged:
        return
    seen: set[Any] = set()
    unique: list[Any] = []
    for tag in (t for s in tagged for t in list(_gi(s, "by_tag"))):
        if _fold(tag) not in seen:  # the `unique` filter: case-insensitive, first kept
            seen.add(_fold(tag))
            unique.append(tag)
    w("<h3>Pass rate by tag</h3>\n<table>\n  <tr><th>Tag</th>")
    for s in tagged:
        w(f"<th>{_o(_g(s, 'id'))}</th>")
    w("</tr>\n")
    for tag in sorted(unique, key=_fold):  # the `sort` filter: case-insensitive
        w(f"  <tr><td>{_o(tag)}</td>\n")
        for s in tagged:
            b = _g(s, "by_tag").get(tag)
            if b and _g(b, "pass_rate") is not None:
                cell = (
                    f'{_o(fmt.pct(_g(b, "pass_rate")))}<br><span class="small meta">'
                    f"{_o(fmt.ci(_g(b, 'pass_ci')))} · {_o(_g(b, 'n_cases'))} cases</span>"
                )
            else:
                cell = "—"
            w(f'    <td class="num">{cell}</td>\n')
        w("</tr>\n")
    w("</table>\n")


def _confusion(w: Any, s: Any) -> None:
    c = _g(s, "confusion")
    accuracy = _g(c, "accuracy")
    labels, per_label, matrix = _g(c, "labels"), _g(c, "per_label"), _g(c, "matrix")
    w(
        f'<h3>Confusion: {_o(_g(s, "id"))}</h3>\n<p class="small">Rows: expected label; '
        f"columns: the label answered. Accuracy {_o(fmt.pct(_g(accuracy, 'value')))} "
        f"{_o(fmt.ci(_g(accuracy, 'ci')))},\n  macro F1 {_o(fmt.num(_g(c, 'macro_f1')))}. "
        "<em>(other)</em>: an answer outside the labels; <em>(error)</em>: a target error."
        "</p>\n<table>\n  <tr><th>expected \\ answered</th>"
    )
    for label in labels:
        w(f"<th>{_o(label)}</th>")
    w("<th>Precision</th><th>Recall</th><th>F1</th><th>Support</th></tr>\n")
    for label in labels:
        if label not in per_label:
            continue
        per = _gi(per_label, label)
        row = labels.index(label)
        w(f"  <tr><td><strong>{_o(label)}</strong></td>\n")
        for i, v in enumerate(_gi(matrix, row)):
            w(f'<td class="num{" st-pass" if i == row and v else ""}">{_o(v)}</td>')
        precision, recall = _g(per, "precision"), _g(per, "recall")
        w(
            f'    <td class="num">{_o(fmt.pct(_g(precision, "value")))}<br><span '
            f'class="small meta">{_o(fmt.ci(_g(precision, "ci")))}</span></td>\n'
            f'    <td class="num">{_o(fmt.pct(_g(recall, "value")))}<br><span '
            f'class="small meta">{_o(fmt.ci(_g(recall, "ci")))}</span></td>\n'
            f'    <td class="num">{_o(fmt.num(_g(per, "f1")))}</td>'
            f'<td class="num">{_o(_g(per, "support"))}</td></tr>\n'
        )
    w("</table>\n")


def _failure_modes(w: Any, results: Mapping[str, Any], conf: str) -> None:
    w('<section id="failure-modes">\n<h2>Failure modes</h2>\n')
    modes = _g(results, "failure_modes")
    if not modes:
        w("<p>The PRD has no failure-mode table.</p>\n</section>\n\n")
        return
    w(
        "<table>\n  <tr><th>Failure mode</th><th>Severity</th><th>Likelihood</th>"
        "<th>Detected by</th><th>Detected</th><th>Rate</th>"
        f"<th>{conf} interval</th><th>Status</th><th>Mitigation</th></tr>\n"
    )
    for m in modes:
        status = _g(m, "status")
        w(
            f'  <tr>\n    <td><strong>{_o(_g(m, "id"))}</strong><br><span class="small">'
            f"{_o(_g(m, 'what'))}</span></td>\n"
            f"    <td>{_o(_g(m, 'severity'))}</td><td>{_o(_g(m, 'likelihood'))}</td>\n"
            f'    <td class="small">{_o(_join(_g(m, "detectors"), ", ") or "—")}'
        )
        others = _g(m, "other_detectors")
        if others:
            w(f'<br><span class="meta">outside this eval: {_o(_join(others, ", "))}</span>')
        w(
            f'</td>\n    <td class="num">{_o(_g(m, "detected"))} / {_o(_g(m, "n_evaluated"))} '
            f'samples<br><span class="small meta">{_o(_g(m, "cases_detected"))} cases</span>'
            f'</td>\n    <td class="num">{_o(fmt.pct(_g(m, "rate")))}</td>'
            f'<td class="num">{_o(fmt.ci(_g(m, "rate_ci"), 3))}</td>\n'
            f'    <td class="st st-{_o(status)}">{_o(fmt.status_label(status))}</td>\n'
            f'    <td class="small">{_o(_g(m, "mitigate") or "—")}</td>\n  </tr>\n'
        )
    w("</table>\n</section>\n\n")


def _totals(w: Any, results: Mapping[str, Any]) -> None:
    tot = _g(results, "totals")
    w(
        '<section id="totals">\n<h2>Totals</h2>\n<table>\n'
        f"  <tr><th>Cases</th><td>{_o(_g(tot, 'n_cases'))} ({_o(_g(tot, 'n_cases_run'))} run, "
        f"{_o(_g(tot, 'n_samples'))} samples);\n"
    )
    for (k, v), last in _last(_g(tot, "cases_by_status").items()):
        w(f"{_o(v)} {_o(fmt.status_label(k))}{'' if last else ', '}")
    w(f"</td></tr>\n  <tr><th>Target errors</th><td>{_o(_g(tot, 'n_target_errors'))}")
    by_kind = _g(tot, "target_errors_by_kind")
    if by_kind:
        w(" (")
        for (k, v), last in _last(by_kind.items()):
            w(f"{_o(k)}: {_o(v)}{'' if last else ', '}")
        w(") — counted as failed")
    w(f"</td></tr>\n  <tr><th>Cost of answers</th><td>{_o(fmt.usd(_g(tot, 'cost_usd')))}")
    unknown = _g(tot, "cost_unknown_samples")
    if unknown:
        w(f" + unknown for {_o(unknown)} samples")
    w(
        f"    · spent {_o(fmt.usd(_g(tot, 'spent_usd')))} ({_o(_g(tot, 'cached_samples'))} "
        f"cached)</td></tr>\n  <tr><th>Judge cost</th><td>"
        f"{_o(fmt.usd(_g(tot, 'judge_cost_usd')))}</td></tr>\n"
        f"  <tr><th>Per 1,000 requests</th><td>"
        f"{_o(fmt.usd(_g(tot, 'cost_per_1k_requests_usd')))}"
    )
    budget = _g(tot, "budget_per_1k_requests_usd")
    if budget is not None:
        w(f" (budget {_o(fmt.usd(budget))}")
        within = _g(tot, "within_budget")
        if within is not None:
            w(f": {'within' if within else 'OVER'}")
        w(")")
    latency, tokens = _g(tot, "latency_s"), _g(tot, "tokens")
    w(
        f"</td></tr>\n  <tr><th>Latency</th><td>p50 {_o(fmt.seconds(_g(latency, 'p50')))} · "
        f"p95 {_o(fmt.seconds(_g(latency, 'p95')))} · max "
        f"{_o(fmt.seconds(_g(latency, 'max')))}</td></tr>\n"
        f"  <tr><th>Tokens</th><td>{_o(_g(tokens, 'input'))} in · {_o(_g(tokens, 'output'))} out"
    )
    unknown = _g(tokens, "unknown_samples")
    if unknown:
        w(f" · unknown for {_o(unknown)} samples")
    w("</td></tr>\n</table>\n</section>\n\n")


_CASES_HEAD = """<section id="cases">
<h2>Cases</h2>
<div class="filters">
<input type="radio" name="filter" id="f-all" checked><label for="f-all">all</label>
<input type="radio" name="filter" id="f-fail"><label for="f-fail">not passing</label>
<input type="radio" name="filter" id="f-flaky"><label for="f-flaky">flaky</label>
<input type="radio" name="filter" id="f-error"><label for="f-error">target errors</label>
<input type="radio" name="filter" id="f-pass"><label for="f-pass">passing</label>
<div class="cases">
"""


def _footer(w: Any, results: Mapping[str, Any], run: Any) -> None:
    w(
        '<footer class="meta small">\n  <h2>Run</h2>\n  <table>\n'
        f"    <tr><th>Target</th><td>{_o(fmt.pretty(_g(run, 'target')))}</td></tr>\n"
        f"    <tr><th>Repeats</th><td>{_o(_g(run, 'repeats'))}</td></tr>\n"
        f"    <tr><th>Status</th><td>{_o(_g(run, 'status'))}"
    )
    stopped = _g(run, "stopped_reason")
    if stopped:
        w(f" ({_o(stopped)})")
    w("</td></tr>\n")
    judge = _g(run, "judge")
    if judge:
        w(
            f"<tr><th>Judge</th><td>{_o(_g(judge, 'model'))} · "
            f"{_o(_g(judge, 'fingerprint'))}</td></tr>"
        )
    for d in _g(run, "datasets") or []:
        w(
            f"<tr><th>Dataset {_o(_g(d, 'name'))}</th><td>{_o(_g(d, 'path'))} · "
            f"{_o(_g(d, 'cases'))} cases · sha256 {_o(_gi(_g(d, 'sha256') or '', slice(None, 12)))}"
            "</td></tr>"
        )
    w(
        f"    <tr><th>Wall time</th><td>{_o(fmt.seconds(_g(run, 'wall_s')))}</td></tr>\n"
        f"    <tr><th>Results schema</th><td>{_o(_g(results, 'schema'))} "
        f"v{_o(_g(results, 'schema_version'))}</td></tr>\n  </table>\n</footer>\n</body>\n</html>"
    )
