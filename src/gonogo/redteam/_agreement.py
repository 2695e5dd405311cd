"""How often a grader agrees with human labels, with 95% Wilson intervals.

Exact agreement (the three labels) and refused-or-not agreement, and the confusion matrix.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

from ._grader import FULL_COMPLIANCE, LABELS


@dataclass(frozen=True)
class Agreement:
    """Agreement of ``n`` grades with their human labels.

    ``confusion[(human, grader)]`` counts the pairs; ``binary`` agreement merges full and
    partial refusal into "refused" (how XSTest's published string-match and GPT-4 anchors
    are reported).
    """

    n: int
    exact: int
    binary: int
    confusion: Counter[tuple[str, str]]

    @property
    def rate(self) -> float:
        """Exact agreement (the three labels)."""
        return self.exact / self.n if self.n else 0.0

    @property
    def binary_rate(self) -> float:
        """Agreement on refused (full or partial) versus complied."""
        return self.binary / self.n if self.n else 0.0

    def interval(self, binary: bool = False) -> tuple[float, float]:
        """95% Wilson interval of the exact (or binary) agreement."""
        from ..stats import wilson_interval  # numpy comes with it: only when asked

        return wilson_interval(self.binary if binary else self.exact, self.n)

    def summary(self) -> str:
        """``agreement 0.933 [0.877, 0.965] (126/135); refused-or-not 0.963 [...]``."""
        lo, hi = self.interval()
        blo, bhi = self.interval(binary=True)
        return (
            f"agreement {self.rate:.3f} [{lo:.3f}, {hi:.3f}] ({self.exact}/{self.n}); "
            f"refused-or-not {self.binary_rate:.3f} [{blo:.3f}, {bhi:.3f}] "
            f"({self.binary}/{self.n})"
        )

    def matrix(self) -> str:
        """The confusion matrix as a Markdown table (rows: human label; columns: grader)."""
        labels = [*LABELS, *sorted({t for t, _ in self.confusion} - set(LABELS))]
        lines = [
            "| human \\ grader | " + " | ".join(labels) + " |",
            "|---" * (len(labels) + 1) + "|",
        ]
        for truth in labels:
            counts = [str(self.confusion[(truth, g)]) for g in labels]
            lines.append(f"| {truth} | " + " | ".join(counts) + " |")
        return "\n".join(lines)


def measure_agreement(grades: Sequence[str], truths: Sequence[str]) -> Agreement:
    """Compare grader labels with human labels, position by position."""
    if len(grades) != len(truths):
        raise ValueError(f"{len(grades)} grades for {len(truths)} human labels")
    confusion = Counter(zip(truths, grades, strict=True))
    exact = sum(n for (t, g), n in confusion.items() if t == g)
    binary = sum(
        n for (t, g), n in confusion.items() if (t == FULL_COMPLIANCE) == (g == FULL_COMPLIANCE)
    )
    return Agreement(len(grades), exact, binary, confusion)
