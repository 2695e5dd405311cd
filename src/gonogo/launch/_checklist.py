"""``launch()``: the launch checklist for a PRD, decided from evidence gonogo produced itself.

GO only when every item passes (a waived item counts, and is shown). ``run_missing`` runs
what is missing or stale first — the eval, the red team, the lab when built, and the drills
against a real `gonogo serve` on loopback — each of which appends its own evidence.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..errors import GonogoError
from ..run._evidence import evidence_url, open_log
from ..spec import LoadedPRD, load_prd
from ..store import Evidence
from ._items import Context, decide

SCHEMA = "gonogo.launch"
SCHEMA_VERSION = 1
EXIT_CODES = {"GO": 0, "NO-GO": 1, "INCOMPLETE": 3}
SEVERITY_WEIGHT = {"low": 1, "medium": 3, "high": 10, "critical": 30}


@dataclass
class LaunchOptions:
    """``gonogo launch`` options."""

    evidence_url: str | None = None  # default: $GONOGO_EVIDENCE_URL, else beside the run store
    run_missing: bool = False
    dry_run: bool = False
    upstream: str = "fake"  # drills: "fake" (a loopback fake of the model) or "real"
    on_step: Callable[[str], None] | None = None  # progress lines while running what is missing


@dataclass
class LaunchResult:
    """The checklist document, what was run, and the exit code."""

    doc: dict[str, Any]
    ran: list[str] = field(default_factory=list)

    @property
    def exit_code(self) -> int:
        return EXIT_CODES.get(str(self.doc["verdict"]), 3)


def _dataset_hashes(loaded: LoadedPRD) -> list[str] | None:
    from ..run import load_datasets
    from ..run._evidence import dataset_hashes

    try:
        return dataset_hashes(load_datasets(loaded))
    except GonogoError:
        return None


async def checklist(loaded: LoadedPRD, url: str) -> dict[str, Any]:
    """The checklist document for ``loaded`` from the log at ``url``."""
    log = open_log(loaded, url)
    try:
        entries = await log.entries(loaded.key)
    finally:
        await log.close()
    now = datetime.now(UTC)
    ctx = Context(loaded, entries, _dataset_hashes(loaded), lambda e: e.age_s(now))
    launch = loaded.prd.launch
    items = decide(ctx, launch.waivers if launch else [])
    passed = all(i.status in ("pass", "waived") for i in items)
    reasons = [f"{i.id}: {i.status} — {'; '.join(i.why)}" for i in items
               if i.status not in ("pass", "waived")]  # fmt: skip
    waived = [i for i in items if i.status == "waived"]
    return {
        "schema": SCHEMA,
        "schema_version": SCHEMA_VERSION,
        "prd": {
            "path": str(loaded.path),
            "key": loaded.key,
            "feature": loaded.prd.feature,
            "sha256": loaded.sha256,
        },  # fmt: skip
        "evidence_log": url.split("@")[-1] if "://" in url and "@" in url else url,
        "checked_at": now.isoformat(timespec="seconds"),
        "verdict": "GO" if passed else "NO-GO",
        "verdict_reasons": reasons
        or ["every item passes" + (f" ({len(waived)} waived — see below)" if waived else "")],
        "items": [i.to_dict() for i in items],
        "pareto": pareto(loaded, entries),
        "after_launch": after_launch(entries, now),
    }


def after_launch(entries: list[Evidence], now: datetime) -> dict[str, Any] | None:
    """The latest `gonogo monitor` pass for this PRD: production health since launch."""
    last = next((e for e in reversed(entries) if e.kind == "monitor"), None)
    if last is None:
        return None
    f = last.figures
    return {
        "verdict": last.verdict,
        "at": last.created_at,
        "age_s": round(last.age_s(now), 1),
        "alerts": [str(a.get("message", "")) for a in f.get("alerts") or []],
        "handled": f.get("handled"),
        "lag_s": f.get("lag_s"),
    }


def pareto(loaded: LoadedPRD, entries: list[Evidence]) -> list[dict[str, Any]]:
    """Failure modes ranked by observed frequency × severity weight: what to fix first.

    Frequency is the highest rate observed for the mode: its detection rate in the latest
    eval, the attack success of the red-team family its row names, or how often it showed
    in production traffic (the latest `gonogo monitor` pass).
    """
    latest: dict[str, Evidence] = {}
    for e in entries:
        latest[e.kind] = e
    eval_modes = (latest["eval"].figures.get("failure_modes") if "eval" in latest else None) or {}
    families = (latest["redteam"].figures.get("families") if "redteam" in latest else None) or {}
    prod = (latest["monitor"].figures.get("failure_modes") if "monitor" in latest else None) or {}
    rows: list[dict[str, Any]] = []
    for fm in loaded.prd.failure_modes:
        seen: list[tuple[float, str]] = []
        rate = (eval_modes.get(fm.id) or {}).get("rate")
        if rate is not None:
            seen.append((float(rate), "eval"))
        prod_rate = (prod.get(fm.id) or {}).get("rate")
        if prod_rate is not None:
            seen.append((float(prod_rate), "production"))
        for ref in [*fm.detectors, fm.provoke or ""]:
            if ref.startswith("redteam:"):
                fam = families.get(ref.removeprefix("redteam:").split("/")[0]) or {}
                if fam.get("rate") is not None:
                    seen.append((float(fam["rate"]), f"redteam:{ref.split(':')[1]}"))
        freq, source = max(seen) if seen else (None, None)
        weight = SEVERITY_WEIGHT[fm.severity]
        rows.append({
            "id": fm.id, "severity": fm.severity, "weight": weight, "frequency": freq,
            "source": source, "score": None if freq is None else round(freq * weight, 4),
        })  # fmt: skip
    rows.sort(key=lambda r: (r["score"] is None, -float(r["score"] or 0), -int(r["weight"])))
    return rows


async def launch(prd_path: str | Path, opts: LaunchOptions | None = None) -> LaunchResult:
    """Decide the checklist; with ``run_missing``, first run what is missing or stale."""
    opts = opts or LaunchOptions()
    loaded = load_prd(prd_path)
    url = opts.evidence_url or evidence_url(loaded)
    doc = await checklist(loaded, url)
    ran: list[str] = []
    if opts.run_missing or opts.dry_run:
        from ._missing import estimate, fresh_evidence, plan_missing, run_missing

        # what is skipped, and why, is said once: in the checklist's "did not run" lines
        steps, skipped = plan_missing(loaded, doc, await fresh_evidence(loaded, url))
        if any(s.kind.startswith("drill:") for s in steps):  # before any work starts
            from ..gateway._app import require_gateway_extra

            require_gateway_extra("`gonogo launch --run-missing` (its drills run `gonogo serve`)")
        if opts.dry_run:
            await estimate(loaded, steps)
            doc["would_run"] = [s.describe() for s in steps]
            doc["skipped"] = skipped
            return LaunchResult(doc, ran)
        ran = await run_missing(loaded, steps, url, opts, skipped)
        doc = await checklist(loaded, url)
        doc["ran"] = ran
        doc["skipped"] = skipped
    return LaunchResult(doc, ran)


async def verify(prd_path: str | Path, evidence: str | None = None) -> list[dict[str, Any]]:
    """Every break in the evidence chain (edited, deleted, reordered entries)."""
    loaded = load_prd(prd_path)
    log = open_log(loaded, evidence or evidence_url(loaded))
    try:
        return [{"seq": p.seq, "problem": p.problem} for p in await log.verify()]
    finally:
        await log.close()
