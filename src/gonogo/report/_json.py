"""results.json on disk: strict JSON (no NaN), UTF-8, written atomically."""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from .._redact import redact
from .._safejson import dumps as safe_dumps


def write_text_atomic(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` via a temporary file, so readers never see half a file.

    Every report file passes here: known secrets (:mod:`gonogo._redact`) are replaced.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    tmp.write_text(redact(text), encoding="utf-8")
    os.replace(tmp, path)


def dumps(results: Mapping[str, Any], texts: Sequence[str | None] | None = None) -> str:
    """Serialise results as JSON: indented, except one line per case.

    One case a line keeps large runs fast to write (the C encoder does not indent) and
    easy to grep and diff. NaN or infinity raise ValueError (they are not JSON, and
    every number here is computed by gonogo: one would be a bug); any other value JSON
    cannot hold (a lone surrogate, an integer too long, …) is written the way
    :func:`gonogo._safejson.dumps` repairs it.
    """
    head = {k: v for k, v in results.items() if k != "cases"}
    text = safe_dumps(head, indent=2, nan_as_null=False)
    if "cases" not in results:
        return text + "\n"
    cases = results["cases"]
    if texts is None or len(texts) != len(cases):
        texts = [None] * len(cases)
    # a case encoded already (texts: gonogo._safejson.case_texts) is written as it is
    lines = [
        safe_dumps(c, nan_as_null=False) if t is None else redact(t)
        for c, t in zip(cases, texts, strict=True)
    ]
    cases = "[\n    " + ",\n    ".join(lines) + "\n  ]" if lines else "[]"
    sep = ",\n" if head else "\n"
    return f'{text[:-2]}{sep}  "cases": {cases}\n}}\n'


def write_json(
    results: Mapping[str, Any], path: str | Path, texts: Sequence[str | None] | None = None
) -> Path:
    """Write results.json (``texts``: the cases already encoded, if at hand); returns the path."""
    path = Path(path)
    write_text_atomic(path, dumps(results, texts))
    return path
