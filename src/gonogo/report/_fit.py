"""Console tables that fit the terminal without splitting a word in the middle.

Rich wraps cells at spaces only; an identifier such as ``no_injected_instructions`` has
none, so in a narrow terminal it was folded mid-word (``no_inject`` / ``ed_instru``), and a
table whose unbreakable columns were wider than the terminal was cropped at its right edge.
:func:`print_fitted` builds a table up to three ways and prints the first that fits:

1. identifiers as they are — when the table's natural width fits;
2. identifiers broken after ``_``, ``-``, ``/``, ``.`` or a space (``no_injected_`` /
   ``instructions``) into lines as long as the terminal allows, each such column exactly as
   wide as its longest line — when the table fits so (or, at the shortest lines, when its
   free-text columns can wrap at spaces to fit);
3. as 2, and the many same-kind columns (one per scorer or detector) headed ``[1]``,
   ``[2]``, … with a legend printed under the table.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from rich.console import Console
    from rich.table import Table

_PIECE = re.compile(r"[^_\-/. ]+[_\-/. ]*|[_\-/. ]+")
MIN_LINE = 8  # pieces are packed onto one line up to this width (or the longest piece)
LINE_WIDTHS = (24, 20, 16, 12, 10, MIN_LINE)  # tried in turn, the widest that fits wins


def wrap_label(text: str, width: int = MIN_LINE) -> str:
    """``text`` broken after its separators into lines of at most ``width`` characters.

    A piece longer than ``width`` keeps its own line whole (never folded mid-word).
    """
    out = []
    for line in text.split("\n"):
        pieces = _PIECE.findall(line) or [line]
        limit = max([width] + [len(p.rstrip()) for p in pieces])
        current = ""
        for p in pieces:
            if current and len((current + p).rstrip()) > limit:
                out.append(current.rstrip())
                current = p
            else:
                current += p
        out.append(current.rstrip())
    return "\n".join(out)


class Labels:
    """How a table shows identifiers: as they are (0), broken at separators (1), numbered (2)."""

    def __init__(self, mode: int = 0, width: int = MIN_LINE) -> None:
        self.mode = mode
        self.width = width  # the longest line a broken identifier may have (mode 1 and 2)
        self.legend: list[tuple[str, str]] = []

    def head(self, text: str, *, key: bool = False) -> str:
        """A column header; ``key``: one of many same-kind columns (numbered in mode 2)."""
        if self.mode >= 2 and key:
            mark = f"[{len(self.legend) + 1}]"
            self.legend.append((mark, text))
            return mark
        return self.cell(text)

    def cell(self, text: str) -> str:
        """An identifier in a cell (a scorer, tag, family or injection name)."""
        return wrap_label(text, self.width) if self.mode >= 1 else text

    def column(self, **options: Any) -> dict[str, Any]:
        """``add_column`` options of a column of identifiers: pre-broken, so never folded."""
        if self.mode >= 1:
            options.pop("overflow", None)
            options.pop("max_width", None)
            return {**options, "no_wrap": True}
        return {"overflow": "fold", **options}

    def legend_text(self) -> str:
        return "columns: " + ", ".join(f"{mark} {name}" for mark, name in self.legend)


def measure(console: Console, table: Table) -> tuple[int, int]:
    """The table's narrowest and natural widths (not capped at the console's width)."""
    from rich.measure import Measurement

    unbounded = console.options.update_width(1_000_000)
    m = Measurement.get(console, unbounded, table)
    return m.minimum, m.maximum


def fitted(console: Console, build: Callable[[Labels], Any]) -> tuple[Table, Labels]:
    """The table as built by the first of the three ways that fits ``console``."""
    labels = Labels(0)
    table = build(labels)
    if measure(console, table)[1] <= console.width:
        return table, labels
    # identifiers broken as little as the terminal allows: first with every other column at
    # its natural width, then with the free-text columns wrapped at their spaces
    for width, natural in [(w, True) for w in LINE_WIDTHS if w >= 12] + [
        (w, False) for w in LINE_WIDTHS if w <= 16
    ]:
        labels = Labels(1, width)
        table = build(labels)
        if measure(console, table)[1 if natural else 0] <= console.width:
            return table, labels
    labels = Labels(2)
    return build(labels), labels


def print_fitted(console: Console, build: Callable[[Labels], Any]) -> None:
    """Print the table that fits, and the legend of its numbered columns if any."""
    from rich.text import Text

    table, labels = fitted(console, build)
    console.print(table)
    if labels.legend:
        console.print(Text(labels.legend_text()))
