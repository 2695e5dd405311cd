"""Text surgery for the injections: find names and numbers, swap them for plausible wrong ones.

The hallucination generator needs replacements that look right and are wrong: a year a few
years off, a count of the same size, a name of the same shape that the passages do not
contain (so the answer is unsupported), or — for a *grounded but wrong* answer — another
name or number that the passages do contain. Everything is driven by the caller's seeded
``random.Random``, so a run and its resume make the same changes.
"""

from __future__ import annotations

import random
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass

Ranker = Callable[[str, Sequence[str]], list[str]]
"""``rank(name, candidates)``: the candidates, most alike to ``name`` first."""
PLAUSIBLE = 5  # a wrong name is drawn from the candidates most alike to the right one

_NUMBER = re.compile(r"(?<![\w.,])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?![\w]|[.,]\d)")
_CAP = r"[A-Z][\w'’\-]*[a-zA-Z\d]"
_ENTITY = re.compile(rf"\b{_CAP}(?:\s+(?:(?:of|the|de|da|von|van|and|&)\s+)?{_CAP})*")
_STOP = frozenset(
    "The A An It He She They We I You This That These Those In On At By For From With As "
    "When Where Which Who What Why How If But And Or So Yes No Not There Here His Her Its "
    "Their Our My Your After Before During Since Until While Although Because Also Then "
    "According Sure Note Answer Question".split()
)
_FIRST = ("Marcus", "Elena", "Tobias", "Ingrid", "Rafael", "Nadia", "Conrad", "Priya",
          "Harold", "Sofia", "Dmitri", "Lucille", "Anton", "Margot", "Felix", "Yara")  # fmt: skip
_LAST = ("Whitfield", "Okafor", "Lindqvist", "Moreau", "Castellano", "Brandt", "Halloran",
         "Vasquez", "Thornbury", "Kessler", "Ashworth", "Delacroix", "Rinaldi", "Sato")  # fmt: skip
_PLACES = ("Port Ellery", "Kingsbridge", "Valmont", "Northwick", "San Aurelio", "Bramford",
           "Lake Orin", "Castlereagh", "Westmoor", "Fenwick Bay")  # fmt: skip
@dataclass(frozen=True)
class Span:
    """A name or number found in a text: where, what, which kind."""

    start: int
    end: int
    text: str
    kind: str  # "entity" | "number"


_SENTENCE_START = re.compile(r"(?:^|[.!?]\s+)$")


def spans(text: str, what: str = "both", *, sentence_starts: bool = True) -> list[Span]:
    """The names and/or numbers in ``text``, in order (``what``: entities, numbers, both).

    ``sentence_starts=False`` leaves out one-word names that open a sentence ("Born",
    "Located"): capitalised because they come first, not because they are names.
    """
    found: list[Span] = []
    if what in ("numbers", "both"):
        found += [Span(m.start(), m.end(), m.group(), "number") for m in _NUMBER.finditer(text)]
    if what in ("entities", "both"):
        for m in _ENTITY.finditer(text):
            name = m.group()
            if name in _STOP or (m.start() == 0 and " " not in name and name in _STOP):
                continue
            if name.split()[0] in _STOP and " " in name:
                head = len(name.split()[0]) + 1
                found.append(Span(m.start() + head, m.end(), name[head:], "entity"))
                continue
            if not sentence_starts and " " not in name:
                if _SENTENCE_START.search(text[: m.start()]):
                    continue
            found.append(Span(m.start(), m.end(), name, "entity"))
    found.sort(key=lambda s: s.start)
    out: list[Span] = []
    for s in found:  # a number inside a name ("Apollo 11") belongs to the name
        if out and s.start < out[-1].end:
            continue
        out.append(s)
    return out


def entity_pool(texts: Iterable[str], limit: int = 5000) -> list[str]:
    """Distinct names found in ``texts`` (the pool wrong names are drawn from)."""
    seen: dict[str, None] = {}
    for t in texts:
        for s in spans(t, "entities", sentence_starts=False):
            if len(s.text) > 2 and not s.text[0].islower():
                seen.setdefault(s.text, None)
            if len(seen) >= limit:
                return list(seen)
    return list(seen)


def wrong_number(text: str, rng: random.Random, avoid: str = "") -> str:
    """A plausible different number: a year a few years off, a count of the same size."""
    plain = text.replace(",", "")
    for _ in range(20):
        if "." in plain:
            value = float(plain) * rng.choice((0.5, 0.7, 1.3, 1.6, 2.0))
            digits = len(plain.split(".")[1])
            new = f"{value:.{digits}f}"
        else:
            n = int(plain)
            if 1000 <= n <= 2100:
                new = str(n + rng.choice((-11, -7, -4, -3, -2, 2, 3, 5, 8, 13)))
            elif n < 10:
                new = str(rng.choice([k for k in range(2, 13) if k != n]))
            else:
                new = str(max(1, round(n * rng.choice((0.5, 0.6, 1.4, 1.5, 2, 3)))))
            if "," in text:
                new = f"{int(new):,}"
        if new != text and new not in avoid:
            return new
    return str(int(float(plain)) + 17) if plain.replace(".", "").isdigit() else text + "0"


def invented_name(rng: random.Random, words: int = 2, avoid: str = "") -> str:
    """A name of ``words`` words that does not occur in ``avoid``."""
    for _ in range(20):
        if words == 1:
            name = rng.choice(_LAST + tuple(p for p in _PLACES if " " not in p))
        elif rng.random() < 0.25:
            name = rng.choice(_PLACES)
        else:
            name = f"{rng.choice(_FIRST)} {rng.choice(_LAST)}"
            if words > 2:
                name += f" {rng.choice(_LAST)}"
        if name not in avoid:
            return name
    return f"{rng.choice(_FIRST)} {rng.choice(_LAST)}-{rng.choice(_LAST)}"


def embedding_ranker() -> Ranker:
    """A :data:`Ranker` on the local MiniLM embeddings (a player's name ranks players first)."""
    from ..embeddings import get_embedder

    embedder = get_embedder()

    def rank(name: str, candidates: Sequence[str]) -> list[str]:
        if not candidates:
            return []
        sims = embedder.similarities(name, list(candidates))
        order = sorted(range(len(candidates)), key=lambda i: (-sims[i], i))
        return [candidates[i] for i in order]

    return rank


def _plausible(
    name: str, candidates: list[str], rng: random.Random, rank: Ranker | None
) -> str | None:
    if not candidates:
        return None
    if rank is not None:
        return rng.choice(rank(name, candidates)[:PLAUSIBLE])
    return rng.choice(candidates)


def wrong_entity(
    name: str, rng: random.Random, pool: Sequence[str], avoid: str = "", *, inside: bool = False,
    rank: Ranker | None = None,
) -> str | None:  # fmt: skip
    """Another name, alike to ``name``: from ``pool``, absent from ``avoid`` (the passages).

    ``inside=True`` wants the opposite: a name that *does* occur in ``avoid`` (a grounded
    but wrong answer); None when there is none. With ``rank`` the pick is among the
    candidates most alike to ``name`` (a person for a person, a year-like for a year).
    """
    words = len(name.split())
    low = avoid.lower()
    lowname = name.lower()

    def fits(c: str) -> bool:
        return c.lower() != lowname and lowname not in c.lower() and c.lower() not in lowname

    if inside:
        return _plausible(name, [c for c in entity_pool([avoid]) if fits(c)], rng, rank)
    candidates = [c for c in pool if fits(c) and c.lower() not in low]
    if rank is None:
        candidates = [c for c in candidates if len(c.split()) == words]
    return _plausible(name, candidates, rng, rank) or invented_name(rng, words, avoid)


def replace_spans(text: str, changes: list[tuple[Span, str]]) -> str:
    """``text`` with each span replaced (spans must not overlap)."""
    out, pos = [], 0
    for span, new in sorted(changes, key=lambda c: c[0].start):
        out.append(text[pos : span.start])
        out.append(new)
        pos = span.end
    out.append(text[pos:])
    return "".join(out)


def swap_facts(
    text: str, rng: random.Random, pool: Sequence[str], avoid: str, *, what: str = "both",
    most: int = 2, rank: Ranker | None = None,
) -> tuple[str, list[dict[str, str]]]:  # fmt: skip
    """Replace up to ``most`` names/numbers of ``text`` with wrong ones absent from ``avoid``.

    Returns the new text and what was changed (``kind``, ``before``, ``after``).
    """
    found = spans(text, what)
    if not found:
        return text, []
    picked = rng.sample(found, min(most, len(found)))
    changes: list[tuple[Span, str]] = []
    for s in picked:
        if s.kind == "number":
            new = wrong_number(s.text, rng, avoid)
        else:
            new = wrong_entity(s.text, rng, pool, avoid, rank=rank) or s.text
        if new != s.text:
            changes.append((s, new))
    planted = [{"kind": s.kind, "before": s.text, "after": new} for s, new in changes]
    return replace_spans(text, changes), planted


def sentences(text: str) -> list[str]:
    """``text`` cut into sentences (simple rule: after . ! ? followed by a space)."""
    parts = re.split(r"(?<=[.!?])\s+(?=[A-Z0-9\"'(])", text.strip())
    return [p for p in parts if p.strip()]
