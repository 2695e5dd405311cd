"""Detection recall of planted hallucinations, per detector, with intervals.

The hallucination generator (``lab:hallucinate``, and a contradicting document) records
every fact it planted. For each detector: of the planted samples whose clean version the
detector *passed* (a detector that already failed the clean answer says nothing about the
plant), how many did it fail — caught — and how many could it not decide? Recall is
caught / decided-or-not (an undecided verdict is not a catch), with a 95% Wilson
interval; the clean false-alarm rate (share of clean answers it fails) sits beside it.

An "undecided" verdict is read defensively from the score: ``passed`` None, or a
``verdict`` / ``label`` of ``undecided`` in its metadata — so a groundedness scorer with
three verdicts (supported / unsupported / undecided) and one with two both work.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..stats import wilson_interval
from ._matrix import Detector, EntryRuns

Record = Mapping[str, Any]


def planted(rec: Record) -> list[dict[str, Any]]:
    """The facts planted in this sample (empty when none)."""
    lab = rec.get("lab") or {}
    out: list[dict[str, Any]] = []
    for effect in lab.get("effects") or []:
        out.extend(effect.get("planted") or [])
    return out


def _score(rec: Record | None, detector: str) -> Mapping[str, Any] | None:
    if rec is None:
        return None
    score = (rec.get("scores") or {}).get(detector)
    return score if isinstance(score, Mapping) else None


def undecided(score: Mapping[str, Any] | None) -> bool:
    """The detector could not decide (rather than passed or failed)."""
    if score is None:
        return True
    meta = score.get("metadata") or {}
    for key in ("verdict", "label", "decision"):
        if str(meta.get(key, "")).lower() == "undecided":
            return True
    return score.get("passed") is None


def hallucination_recall(
    clean: Sequence[Record],
    clean_guards: Sequence[Record],
    entries: Sequence[EntryRuns],
    detectors: Sequence[Detector],
    confidence: float = 0.95,
) -> list[dict[str, Any]]:
    """Per detector: planted, caught, undecided, recall with its interval, clean false alarms."""
    base = {(str(r["case_key"]), int(r.get("sample") or 0)): r for r in clean}
    base_g = {(str(r["case_key"]), int(r.get("sample") or 0)): r for r in clean_guards}
    rows = []
    for d in detectors:
        n = caught = undec = 0
        for e in entries:
            inj_g = {(str(r["case_key"]), int(r.get("sample") or 0)): r for r in e.guard_records}
            for rec in e.records:
                if not planted(rec) or rec.get("error"):
                    continue
                key = (str(rec["case_key"]), int(rec.get("sample") or 0))
                before = _score((base_g if d.source == "guard" else base).get(key), d.id)
                after = _score(inj_g.get(key) if d.source == "guard" else rec, d.id)
                if before is None or before.get("passed") is not True:
                    continue
                n += 1
                if undecided(after):
                    undec += 1
                elif after is not None and after.get("passed") is False:
                    caught += 1
        lo, hi = wilson_interval(caught, n, confidence)
        rows.append({
            "detector": d.id, "source": d.source, "kind": d.kind, "planted": n,
            "caught": caught, "undecided": undec, "recall": caught / n if n else None,
            "ci": [lo, hi], "false_alarm_clean": _false_alarms(
                clean if d.source == "scorer" else clean_guards, d.id, confidence),
        })  # fmt: skip
    return rows


def _false_alarms(records: Sequence[Record], detector: str, confidence: float) -> dict[str, Any]:
    known = [s.get("passed") for r in records if not r.get("error")
             if (s := _score(r, detector)) is not None and s.get("passed") is not None]  # fmt: skip
    k = sum(1 for v in known if v is False)
    lo, hi = wilson_interval(k, len(known), confidence)
    return {"n": len(known), "count": k, "rate": k / len(known) if known else None,
            "ci": [lo, hi]}  # fmt: skip
