"""Where a lab run is kept: the run store, under the PRD's key plus ``#lab``.

The launch checklist (``gonogo launch``) reads the newest lab of a PRD — for the prompt
version it ships, when the target is the PRD's model spec — with :func:`latest_lab`.
"""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

from ..spec import LoadedPRD, load_prd
from ..store import RunStore

LAB_KEY_SUFFIX = "#lab"


def _prompt_tag(prompt: dict[str, Any] | None) -> str:
    return "" if not prompt else f"{prompt.get('name')}@{prompt.get('version')}"


def save_lab(store: RunStore, loaded: LoadedPRD, document: dict[str, Any]) -> str:
    """Store ``document`` (lab.json) as a completed run; returns its id."""
    header = document["lab"]
    fingerprint = hashlib.sha256(
        f"{loaded.sha256}|{_prompt_tag(header.get('prompt'))}".encode()
    ).hexdigest()[:16]
    meta = {
        "kind": "lab",
        "prd_path": str(loaded.path),
        "prd_sha256": loaded.sha256,
        "feature": loaded.prd.feature,
        "prompt": header.get("prompt"),
        "seed": header.get("seed"),
        "holes": document.get("holes"),
        "status": "completed",
    }
    run_id = store.create_run(loaded.key + LAB_KEY_SUFFIX, fingerprint, meta)
    header["id"] = run_id
    store.finish_run(run_id, "completed", meta, document)
    return run_id


def latest_lab(
    prd: str | Path | LoadedPRD,
    *,
    prompt_version: int | str | None = None,
    store_path: str | Path | None = None,
) -> dict[str, Any] | None:
    """The newest stored lab.json of this PRD (for ``prompt_version``, when given), or None.

    ``prompt_version`` defaults to the PRD's own ``model.prompt.version`` when its target is
    the model spec; labs of other prompt versions are skipped.
    """
    loaded = prd if isinstance(prd, LoadedPRD) else load_prd(prd)
    model = loaded.prd.model
    if prompt_version is None and model is not None and loaded.prd.eval_plan.target == "model":
        prompt_version = model.prompt.version
    path = Path(store_path) if store_path else loaded.base_dir / ".gonogo" / "runs.sqlite"
    if not path.exists():
        return None
    store = RunStore(path)
    try:
        for row in store.list_runs(loaded.key + LAB_KEY_SUFFIX, limit=200):
            if row.status != "completed" or row.results is None:
                continue
            prompt = row.meta.get("prompt") or {}
            if (
                prompt_version is not None
                and prompt
                and str(prompt.get("version")) != str(prompt_version)
            ):
                continue
            return row.results
    finally:
        store.close()
    return None
