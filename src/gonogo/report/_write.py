"""Write every file report of a run into one folder."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from ._html import write_html
from ._json import write_json
from ._junit import write_junit

FILE_NAMES = {"json": "results.json", "junit": "junit.xml", "html": "report.html"}


def write_reports(
    results: Mapping[str, Any],
    out_dir: str | Path,
    *,
    texts: Sequence[str | None] | None = None,
) -> dict[str, Path]:
    """Write results.json, junit.xml and report.html into ``out_dir`` (created if needed).

    Returns the paths by kind: ``json``, ``junit``, ``html``. ``texts``: the cases
    already encoded (:func:`gonogo._safejson.case_texts`), if at hand.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    return {
        "json": write_json(results, out / FILE_NAMES["json"], texts),
        "junit": write_junit(results, out / FILE_NAMES["junit"]),
        "html": write_html(results, out / FILE_NAMES["html"]),
    }
