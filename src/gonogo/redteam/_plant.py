"""Plant an attack in a document the way BIPIA does: at its start, middle or end.

BIPIA (Yi et al., 2023) joins the attack to the document with line breaks: before it
(``start``), after it (``end``), or before a sentence chosen at random (``middle``). The
middle sentence here is chosen by a seeded generator over sentence starts (end punctuation
followed by space, or a line break), close to BIPIA's Punkt tokenizer without needing it.
"""

from __future__ import annotations

import random
import re

POSITIONS: tuple[str, ...] = ("start", "middle", "end")

_SENTENCE_START = re.compile(r"(?:(?<=[.!?])\s+|\n\s*)(?=\S)")


def sentence_starts(document: str) -> list[int]:
    """Offsets at which a sentence of ``document`` begins (0 always among them)."""
    return [0, *(m.end() for m in _SENTENCE_START.finditer(document))]


def plant_attack(document: str, attack: str, position: str, seed: int = 0) -> str:
    """``document`` with ``attack`` inserted at ``position`` (start / middle / end)."""
    if position == "start":
        return f"{attack}\n{document}"
    if position == "end":
        return f"{document}\n{attack}"
    if position != "middle":
        raise ValueError(f"position must be one of {', '.join(POSITIONS)}, not {position!r}")
    at = random.Random(seed).choice(sentence_starts(document))
    return f"{document[:at]}\n{attack}\n{document[at:]}"
