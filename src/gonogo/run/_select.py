"""Run a subset of the golden set: ``--limit N`` and ``--filter key=value``.

Filters on the same key are alternatives (``tag=a`` or ``tag=b``); filters on different
keys must all hold. ``id`` and ``dataset`` values may use shell wildcards (``id=refund-*``).
A subset run is its own run in the store (its fingerprint differs), and its verdict is
about the subset only: results.json records the selection in ``run.subset``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from fnmatch import fnmatchcase

from ..data import Case
from ..errors import UserError

FILTER_KEYS = ("tag", "id", "dataset")


@dataclass(frozen=True)
class CaseSelection:
    """Which golden cases to run: ``filters`` (key, value) pairs, then the first ``limit``."""

    limit: int | None = None
    filters: tuple[tuple[str, str], ...] = field(default_factory=tuple)

    @classmethod
    def parse(cls, limit: int | None, filters: Sequence[str]) -> CaseSelection:
        """From the CLI's ``--limit`` and ``--filter key=value`` options."""
        pairs = []
        for text in filters:
            key, sep, value = text.partition("=")
            key = key.strip()
            if not sep or key not in FILTER_KEYS or not value.strip():
                raise UserError(
                    f"--filter {text!r}: expected key=value with key one of "
                    + ", ".join(FILTER_KEYS),
                    "e.g. --filter tag=billing or --filter id='refund-*'",
                )
            pairs.append((key, value.strip()))
        return cls(limit, tuple(pairs))

    @property
    def active(self) -> bool:
        return self.limit is not None or bool(self.filters)

    def describe(self) -> str:
        """``tag=a, limit 20``: for messages and the run's fingerprint."""
        parts = [f"{k}={v}" for k, v in self.filters]
        if self.limit is not None:
            parts.append(f"limit {self.limit}")
        return ", ".join(parts)

    def apply(self, cases: Sequence[Case]) -> list[Case]:
        """The selected cases, in dataset order; a selection that matches none is an error."""
        chosen = [c for c in cases if self._matches(c)]
        if self.limit is not None:
            chosen = chosen[: self.limit]
        if not chosen:
            raise UserError(
                f"no golden case matches the selection ({self.describe()}) among {len(cases)}",
                "check the tag / id spelling (ids and datasets take wildcards: id='q1*')",
            )
        return chosen

    def _matches(self, case: Case) -> bool:
        by_key: dict[str, list[str]] = {}
        for key, value in self.filters:
            by_key.setdefault(key, []).append(value)
        for key, values in by_key.items():
            if key == "tag" and not set(values) & set(case.tags):
                return False
            if key == "id" and not any(fnmatchcase(case.id, v) for v in values):
                return False
            if key == "dataset" and not any(fnmatchcase(case.dataset, v) for v in values):
                return False
        return True
