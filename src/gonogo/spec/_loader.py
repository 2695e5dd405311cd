"""Load a PRD file: YAML with positions → validated ``PRD``, or every problem at once."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from pathlib import Path

import yaml
from pydantic import ValidationError

from .._userfiles import FileProblem, YamlProblem, read_bounded
from ..errors import ConfigIssue, SpecError, UserError
from ._prd import PRD
from ._xref import xref_issues
from ._yaml import KeyPath, Position, format_path, parse_yaml, yaml_error_issue

DEFAULT_PRD_NAME = "gonogo.yaml"
MAX_PRD_BYTES = 4 * 1024 * 1024


@dataclass
class LoadedPRD:
    """A validated PRD and where it came from.

    ``path`` is the file as given (for messages); ``base_dir`` is its absolute folder,
    against which dataset paths resolve; ``sha256`` hashes the file's bytes;
    ``positions`` maps key paths such as ``("eval_plan", "scorers", 0, "id")`` to
    their line and column.
    """

    prd: PRD
    path: Path
    base_dir: Path
    sha256: str
    positions: dict[KeyPath, Position] = field(default_factory=dict, repr=False)

    def position(self, path: KeyPath, *, key: bool = False) -> tuple[int | None, int | None]:
        """Line and column of ``path`` (or of its nearest existing parent), 1-based."""
        for n in range(len(path), -1, -1):
            pos = self.positions.get(path[:n])
            if pos is not None:
                return pos.key if key and n == len(path) else (pos.line, pos.col)
        return (None, None)

    def issue(
        self,
        path: KeyPath,
        message: str,
        hint: str | None = None,
        *,
        severity: str = "error",
        key: bool = False,
    ) -> ConfigIssue:
        """A ``ConfigIssue`` located at ``path`` in this PRD file."""
        line, col = self.position(path, key=key)
        return ConfigIssue(str(self.path), line, col, format_path(path), message, hint, severity)

    @property
    def key(self) -> str:
        """The PRD's canonical identity in the run store: its absolute path.

        Runs are stored and looked up under this key, so ``gonogo eval f/gonogo.yaml``
        and ``gonogo report /abs/f/gonogo.yaml --out DIR`` (or from another folder) find the
        same runs.
        """
        return str(self.base_dir / self.path.name)

    def resolve(self, relative: str) -> Path:
        """A path written in the PRD (e.g. a dataset), resolved against its folder."""
        p = Path(relative).expanduser()
        return p if p.is_absolute() else self.base_dir / p


def load_prd(path: str | Path) -> LoadedPRD:
    """Read and validate a PRD file (a folder means its ``gonogo.yaml``).

    Raises ``UserError`` when the file cannot be read and ``SpecError`` carrying every
    problem found (YAML syntax, duplicate keys, schema, cross-references), each with
    its line, column and key path.
    """
    p = Path(path)
    if p.is_dir():
        p = p / DEFAULT_PRD_NAME
    if not p.exists():
        raise UserError(
            f"PRD file not found: {p}",
            "check the path, or run `gonogo init` to write a starter PRD",
        )
    try:
        raw = read_bounded(p, MAX_PRD_BYTES)
    except FileProblem as e:
        raise UserError(f"cannot read the PRD file {p}: {e.message}", e.hint) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw[: e.start].count(b"\n") + 1
        issue = ConfigIssue(str(p), line, None, "", "not UTF-8 text", "save the file as UTF-8")
        raise SpecError([issue]) from None
    return load_prd_text(
        text,
        file=str(p),
        base_dir=p.resolve().parent,
        sha256=hashlib.sha256(raw).hexdigest(),
        check_files=True,
    )


def load_prd_text(
    text: str,
    *,
    file: str = DEFAULT_PRD_NAME,
    base_dir: str | Path = ".",
    sha256: str | None = None,
    check_files: bool = False,
) -> LoadedPRD:
    """Validate PRD YAML given as text; ``file`` is the name used in messages.

    ``check_files``: when the PRD fails its schema, also report dataset files that do not
    exist under ``base_dir`` (a PRD read from disk: so one ``check`` lists them too).
    """
    try:
        parsed = parse_yaml(text, file)
    except yaml.YAMLError as e:
        raise SpecError([yaml_error_issue(e, text, file)]) from None
    except YamlProblem as e:
        raise SpecError([ConfigIssue(file, e.line, e.col, "", e.message, e.hint)]) from None
    data = parsed.data
    root = parsed.positions.get(())
    if data is None:
        raise SpecError(
            [ConfigIssue(file, 1, 1, "", "the PRD is empty", "start from `gonogo init`")]
        )
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else _describe(data)
        issue = ConfigIssue(
            file,
            root.line if root else 1,
            root.col if root else 1,
            "",
            f"the PRD must be a mapping of sections (feature:, eval_plan:, …), got {kind}",
            "start from `gonogo init`",
        )
        raise SpecError([issue])
    issues = list(parsed.issues) + xref_issues(data, parsed.positions, file)
    prd: PRD | None = None
    try:
        prd = PRD.model_validate(data)
    except ValidationError as e:
        from ._validation import validation_issues  # only for a PRD that fails

        issues += validation_issues(e, PRD, data, parsed.positions, file)
    if issues or prd is None:
        if check_files:
            from ._xref import missing_dataset_issues

            base = Path(base_dir).resolve()
            issues += missing_dataset_issues(data, parsed.positions, file, base)
        raise SpecError(_ordered(issues))
    digest = sha256 or hashlib.sha256(text.encode()).hexdigest()
    return LoadedPRD(prd, Path(file), Path(base_dir).resolve(), digest, parsed.positions)


def _describe(value: object, limit: int = 40) -> str:
    # never echo a file back (a PRD path may point at any file, e.g. /etc/passwd)
    text = repr(value)
    if len(text) <= limit:
        return f"the value {text}"
    return f"a text of {len(value):,} characters" if isinstance(value, str) else "a scalar"


def _ordered(issues: list[ConfigIssue]) -> list[ConfigIssue]:
    unique = list(dict.fromkeys(issues))
    return sorted(unique, key=lambda i: (i.line or 0, i.col or 0))


def prd_key(path: str | Path) -> str:
    """:attr:`LoadedPRD.key` of the PRD at ``path``, without loading it."""
    p = Path(path)
    return str(p.resolve().parent / p.name)
