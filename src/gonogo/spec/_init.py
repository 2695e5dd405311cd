"""``gonogo init``: a commented, working PRD to start from, with its dataset and schema."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path

from ..errors import UserError
from ._loader import DEFAULT_PRD_NAME
from ._schema import SCHEMA_FILENAME, prd_json_schema

DATASET_PATH = Path("data") / "golden.jsonl"


def starter_files() -> dict[Path, str]:
    """The files ``init`` writes, relative path → text."""
    starter = resources.files("gonogo.spec") / "_starter"
    return {
        Path(DEFAULT_PRD_NAME): (starter / "gonogo.yaml").read_text(encoding="utf-8"),
        Path(SCHEMA_FILENAME): json.dumps(prd_json_schema(), indent=2, ensure_ascii=False) + "\n",
        DATASET_PATH: (starter / "golden.jsonl").read_text(encoding="utf-8"),
    }


def init_project(directory: str | Path = ".", *, force: bool = False) -> list[Path]:
    """Write a starter project into ``directory`` and return the paths written.

    The PRD runs offline with no API key (a scripted model), its comments explain every
    section, and ``gonogo check`` accepts it. Existing files are kept unless ``force``.
    """
    root = Path(directory)
    if root.exists() and not root.is_dir():
        raise UserError(f"{root} is a file, not a folder", "name a folder for the new project")
    files = starter_files()
    existing = [root / rel for rel in files if (root / rel).exists()]
    if existing and not force:
        names = ", ".join(str(p) for p in existing)
        raise UserError(
            f"not overwriting existing file{'s' if len(existing) > 1 else ''}: {names}",
            "pass --force to replace them, or choose another folder",
        )
    written = []
    try:
        for rel, text in files.items():
            path = root / rel
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")
            written.append(path)
    except OSError as e:
        raise UserError(f"cannot write {e.filename}: {e.strerror}", "check the folder") from None
    return written
