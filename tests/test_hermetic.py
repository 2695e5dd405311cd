"""A user's clone stands alone: nothing in the repository reaches outside it for data."""

import re
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# the sibling data folder by a relative path, or a path built from a parent folder and "shared"
OUTSIDE = re.compile(r"\.\./shared\b|parents?\[\d\]\s*/\s*['\"]shared|parent\s*/\s*['\"]shared")


def tracked_files() -> list[Path]:
    out = subprocess.run(
        ["git", "ls-files", "-z"], cwd=ROOT, capture_output=True, check=True
    ).stdout.decode()
    return [ROOT / name for name in out.split("\0") if name]


def test_nothing_in_the_repository_reads_outside_it():
    offenders = []
    for path in tracked_files():
        if path.suffix not in {".py", ".toml", ".cfg", ".sh", ".yaml", ".yml", ""}:
            continue
        if not path.is_file():
            continue
        text = path.read_text(errors="replace")
        offenders += [
            f"{path.relative_to(ROOT)}:{n}: {line.strip()}"
            for n, line in enumerate(text.splitlines(), 1)
            if OUTSIDE.search(line) and path.name != "test_hermetic.py"
        ]
    assert not offenders, "copy the data into the repository instead:\n" + "\n".join(offenders)


def test_ci_runs_the_readme_test_command_in_a_fresh_clone():
    ci = (ROOT / ".ci" / "run").read_text()
    readme = (ROOT / "README.md").read_text()
    assert "git clone" in ci and "make test" in ci
    assert "make test" in readme
