"""What the dashboard shows: the PRDs under a folder, their run stores and evidence logs.

A folder is searched (a few levels deep, hidden folders and virtualenvs skipped) for
``gonogo.yaml`` files and other YAML files with a top-level ``eval_plan:``; each is
loaded as a PRD (one that does not load is listed with its error, never a crash). A
PRD's runs are in ``.gonogo/runs.sqlite`` beside it unless ``runs_url`` names one run
store for every PRD. Stores are opened only if they exist: looking never creates files.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..errors import GonogoError
from ..spec import LoadedPRD, load_prd, prd_key
from ..store import AnyRunStore, RunStore, RunSummary, open_run_store

_SKIP_DIRS = {".git", ".gonogo", ".venv", "venv", "node_modules", "__pycache__", "site-packages"}
_MAX_DEPTH = 4
_EVAL_PLAN = re.compile(rb"^eval_plan\s*:", re.MULTILINE)
_RESCAN_S = 5.0


@dataclass
class Feature:
    """One PRD of the workspace."""

    key: str  # prd_key: the absolute path runs are stored under
    path: Path
    slug: str  # short, URL-safe id
    loaded: LoadedPRD | None
    error: str | None

    @property
    def name(self) -> str:
        """The PRD's feature name, else its file name."""
        if self.loaded is not None:
            return str(self.loaded.prd.feature)
        return self.path.name

    @property
    def prompt_name(self) -> str | None:
        """The registry name of the PRD's prompt, when it has one."""
        model = self.loaded.prd.model if self.loaded is not None else None
        prompt = getattr(model, "prompt", None) if model is not None else None
        name = getattr(prompt, "name", None)
        return str(name) if name else None


def slug_of(key: str) -> str:
    """A stable short id of a PRD key, for URLs."""
    return hashlib.sha256(key.encode()).hexdigest()[:10]


def find_prds(root: Path) -> list[Path]:
    """PRD files under ``root`` (or ``root`` itself when it is a file)."""
    if root.is_file():
        return [root]
    found: list[Path] = []
    base_depth = len(root.parts)
    for here, dirs, files in os.walk(root):
        depth = len(Path(here).parts) - base_depth
        dirs[:] = sorted(d for d in dirs if d not in _SKIP_DIRS and not d.startswith("."))
        if depth >= _MAX_DEPTH:
            dirs[:] = []
        for name in sorted(files):
            if not name.endswith((".yaml", ".yml")):
                continue
            path = Path(here) / name
            if name == "gonogo.yaml" or _looks_like_prd(path):
                found.append(path)
    return found


def _looks_like_prd(path: Path) -> bool:
    try:
        with open(path, "rb") as f:
            head = f.read(65536)
    except OSError:
        return False
    return bool(_EVAL_PLAN.search(head))


class Workspace:
    """The PRDs under a folder (re-read every few seconds) and their stores."""

    def __init__(self, root: Path, *, runs_url: str | None = None) -> None:
        self.root = root.resolve()
        self.runs_url = runs_url
        self._features: dict[str, Feature] = {}
        self._scanned = 0.0
        self._stores: dict[str, AnyRunStore] = {}

    # -- PRDs --------------------------------------------------------------------------
    def features(self) -> list[Feature]:
        """Every PRD found, by feature name."""
        if time.monotonic() - self._scanned > _RESCAN_S:
            self._scan()
        return sorted(self._features.values(), key=lambda f: (f.name.lower(), f.key))

    def _scan(self) -> None:
        found: dict[str, Feature] = {}
        for path in find_prds(self.root):
            key = prd_key(path)
            old = self._features.get(key)
            if old is not None and old.loaded is not None and _unchanged(old.loaded, path):
                found[key] = old
                continue
            try:
                loaded: LoadedPRD | None = load_prd(path)
                error = None
            except GonogoError as e:
                loaded, error = None, str(e)
            found[key] = Feature(key, path, slug_of(key), loaded, error)
        self._features = found
        self._scanned = time.monotonic()

    def feature(self, slug: str) -> Feature | None:
        """The PRD with this slug."""
        return next((f for f in self.features() if f.slug == slug), None)

    def feature_of_key(self, key: str) -> Feature | None:
        """The PRD a run's ``prd_path`` names (``KEY#variant`` runs belong to KEY)."""
        base = key.split("#", 1)[0]
        return next((f for f in self.features() if f.key == base), None)

    # -- runs --------------------------------------------------------------------------
    def run_store(self, feature: Feature) -> AnyRunStore | None:
        """The run store holding this PRD's runs (None: no run yet)."""
        if self.runs_url:
            return self._open(self.runs_url)
        return self.local_store(feature)

    def local_store(self, feature: Feature) -> AnyRunStore | None:
        """The SQLite run store beside the PRD (where `gonogo lab` keeps its labs)."""
        return self._open(str(feature.path.resolve().parent / ".gonogo" / "runs.sqlite"))

    def run_stores(self) -> list[AnyRunStore]:
        """Every run store of the workspace that exists."""
        if self.runs_url:
            store = self._open(self.runs_url)
            return [store] if store is not None else []
        out: list[AnyRunStore] = []
        seen: set[str] = set()
        for f in self.features():
            store = self.run_store(f)
            if store is not None and str(store.path) not in seen:
                seen.add(str(store.path))
                out.append(store)
        return out

    def _open(self, location: str) -> AnyRunStore | None:
        store = self._stores.get(location)
        if store is not None:
            return store
        if location.startswith(("postgresql://", "postgres://")):
            store = open_run_store(location)  # one shared store: CI jobs write, the team reads
        else:
            path = Path(location.removeprefix("sqlite:///"))
            if not path.is_file():
                return None
            store = RunStore(path)
        self._stores[location] = store
        return store

    def find_run(self, run_id: str) -> tuple[AnyRunStore, RunSummary] | None:
        """The store holding a run, and the run."""
        for store in self.run_stores():
            run = store.run_summary(run_id)
            if run is not None:
                return store, run
        if self.runs_url:  # labs stay in the SQLite store beside their PRD
            for f in self.features():
                local = self.local_store(f)
                run = local.run_summary(run_id) if local is not None else None
                if local is not None and run is not None:
                    return local, run
        return None

    def runs(
        self, feature: Feature | None = None, *, limit: int = 50, offset: int = 0,
        verdict: str | None = None,
    ) -> list[tuple[AnyRunStore, RunSummary]]:  # fmt: skip
        """Runs newest first (of one PRD; ``KEY#…`` variant runs included for it)."""
        pairs: list[tuple[AnyRunStore, RunSummary]] = []
        stores = self.run_stores() if feature is None else [
            s for s in [self.run_store(feature)] if s is not None
        ]  # fmt: skip
        for store in stores:
            keys = [feature.key] if feature is not None else [None]
            for key in keys:
                for run in store.run_summaries(key, limit=limit + offset, verdict=verdict):
                    pairs.append((store, run))
        pairs.sort(key=lambda p: p[1].created_at, reverse=True)
        return pairs[offset : offset + limit]

    def close(self) -> None:
        """Close every run store opened."""
        for store in self._stores.values():
            store.close()
        self._stores.clear()


def _unchanged(loaded: LoadedPRD, path: Path) -> bool:
    try:
        data = path.read_bytes()
    except OSError:
        return False
    return hashlib.sha256(data).hexdigest() == loaded.sha256


def describe(feature: Feature) -> dict[str, Any]:
    """What the pages say about a PRD besides its runs."""
    if feature.loaded is None:
        return {"thresholds": [], "failure_modes": []}
    prd = feature.loaded.prd
    return {
        "thresholds": list(prd.eval_plan.thresholds),
        "failure_modes": list(prd.failure_modes or []),
    }
