"""Where a comparison is kept: the run store, under the PRD's key plus ``#comparison``.

The two variants' runs are ordinary runs (``#compare:<variant>:<fingerprint>``); the
comparison document itself (comparison.json) is stored beside them as a completed run, so
the dashboard can show it without the ``--out`` folder it was written to.
"""

from __future__ import annotations

from typing import Any

from ..spec import LoadedPRD
from ..store import AnyRunStore

COMPARISON_KEY_SUFFIX = "#comparison"


def save_comparison(store: AnyRunStore, loaded: LoadedPRD, document: dict[str, Any]) -> str:
    """Store ``document`` (comparison.json) as a completed run; returns the run's id."""
    header = document["comparison"]
    variants = document.get("variants") or {}
    meta = {
        "kind": "comparison",
        "comparison_id": header.get("id"),
        "prd_path": str(loaded.path),
        "prd_sha256": loaded.sha256,
        "feature": loaded.prd.feature,
        "variants": {k: {"name": v.get("name"), "run_id": v.get("run_id")}
                     for k, v in variants.items()},  # fmt: skip
        "status": "completed",
    }
    run_id = store.create_run(loaded.key + COMPARISON_KEY_SUFFIX, str(header.get("id")), meta)
    store.finish_run(run_id, "completed", meta, document)
    return run_id
