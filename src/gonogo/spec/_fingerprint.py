"""Hashes of the parts of a PRD that a piece of launch evidence depends on.

An eval measured the eval plan, the model spec and the datasets; a red-team run the target
and the red-team section; a fallback drill the fallback chain. When one of those parts
changes, evidence made before is *stale* for the launch checklist — a threshold edited, a
prompt bumped — while unrelated edits (the problem statement, an owner) leave it valid.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import Any

from ._prd import PRD

# evidence kind -> the PRD's top-level parts (and launch sub-parts) it depends on
PARTS: dict[str, tuple[str, ...]] = {
    "eval": ("eval_plan", "model", "prices"),
    "compare": ("eval_plan", "model", "variants", "compare"),
    "redteam": ("eval_plan.target", "model", "launch.redteam"),
    "lab": ("eval_plan", "model", "failure_modes"),
    "drill:fallback": ("model", "launch.fallback", "launch.fallback_on",
                       "launch.circuit_breaker", "launch.timeout_s", "launch.retries"),
    "drill:feedback": ("model", "launch.feedback"),
    "drill:rollback": ("model.prompt.name", "launch.rollback_within"),
    "drill:groundedness": ("model", "failure_modes", "launch.guards", "launch.fallback"),
}  # fmt: skip


def _dig(data: Any, path: str) -> Any:
    for part in path.split("."):
        data = data.get(part) if isinstance(data, Mapping) else None
    return data


def _digest(value: Any) -> str:
    blob = json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(blob.encode()).hexdigest()


def part_hash(prd: PRD, kind: str, extra: Mapping[str, Any] | None = None) -> str:
    """Hash of what evidence of ``kind`` measured (``extra``: e.g. the datasets' hashes)."""
    data = prd.model_dump(mode="json", exclude_none=True)
    if isinstance(data.get("model"), dict) and kind != "drill:rollback":
        data["model"] = {k: v for k, v in data["model"].items() if k != "prompt"}
    parts = PARTS.get(kind.split("/")[0], ())
    return _digest({"kind": kind, "parts": {p: _dig(data, p) for p in parts}, **(extra or {})})


def prompt_hash(prd: PRD) -> str:
    """Hash of the prompt version: the model spec's prompt and the eval plan's target.

    The gateway serves the model spec's prompt; for a Python or HTTP target, the target is
    what answers.
    """
    prompt = prd.model.prompt.model_dump(mode="json") if prd.model is not None else None
    target = prd.eval_plan.target
    return _digest({"prompt": prompt, "target": target if isinstance(target, str)
                    else target.model_dump(mode="json")})  # fmt: skip
