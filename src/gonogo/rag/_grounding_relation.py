"""Who did it: the agent of a relation in the claim against the one the context names.

"Lucy Gordon directed Serendipity" uses only the context's words when the context says
"Serendipity is a film directed by Peter Chelsom ... starring Lucy Gordon": the relation
("directed") and the thing it is about ("Serendipity") are there, but the context gives
the relation a different doer. For each verb of the claim (a past form: "directed",
"founded", "won") the agent is read the same way in the claim and in the context: the
names after "by" when the verb is followed by it (passive: "was founded by A and B"),
otherwise a name right before the verb, with only function words between (active: "A
founded B", "A, who founded B"; not "allegations made against him"). Only context
sentences that share the verb, as a past form too ("starring X" is the film's doing),
and the relation's other side (the claim's other names, or its other words when it
names nothing else) are read. The feature fires only when such sentences exist and all
name other doers — a context that is silent or unclear says nothing. A verb whose doer
the question already names with it is the question's presupposition and is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from ._grounding_text import STOPWORDS, tokens

_WORD_RE = re.compile(r"\d[\d,]*(?:\.\d+)?|[^\W\d_]+(?:['’][^\W\d_]+)?|[,;:()]", re.UNICODE)
_IRREGULAR = frozenset(
    """won wrote written made led built held took taken gave given sang sung drew drawn
    began begun ran sold bought taught brought found founded""".split()
)
_NOT_NAME = STOPWORDS | frozenset(
    """she he it they his her its their this these yes no both neither either first""".split()
)
_BREAK = frozenset({";", ":", "(", ")"})
_REACH = 12  # words: how far before an active verb its agent may stand
_PASSIVE_REACH = 30  # words: how far after "by" the agents of a passive verb may stand


class Word(NamedTuple):
    """One word of a sentence: its normalised form and the name it belongs to (-1: none)."""

    norm: str
    verb: bool
    name: int


def words(text: str) -> tuple[list[Word], list[frozenset[str]]]:
    """The words of a sentence, with runs of capitalised words numbered as names."""
    out: list[Word] = []
    names: list[set[str]] = []
    in_name = False
    for m in _WORD_RE.finditer(text):
        raw = m.group(0)
        norm = raw if raw in _BREAK or raw == "," else (tokens(raw) or [raw.lower()])[0]
        # a capitalised word that is no function word starts or continues a name
        capital = raw[:1].isupper() and raw.lower() not in _NOT_NAME
        if capital:
            if not in_name:
                names.append(set())
            names[-1].add(norm)
            in_name = True
            out.append(Word(norm, False, len(names) - 1))
            continue
        in_name = False
        low = raw.lower()
        verb = raw.islower() and ((low.endswith("ed") and len(low) > 4) or low in _IRREGULAR)
        out.append(Word(norm, verb, -1))
    return out, [frozenset(n) for n in names]


def agents(ws: Sequence[Word], i: int) -> set[int]:
    """The names doing the verb at ``i``: after "by" (passive), else the nearest before.

    After "by" every name up to the next clause break or "<verb> by" counts ("by Olympic
    wrestler Kamal Shalorus and fighter Matthew Granahan"): a looser reading only
    makes a conflict rarer.
    """
    if i + 1 < len(ws) and ws[i + 1].norm == "by":
        found: set[int] = set()
        tail = ws[i + 2 : i + 2 + _PASSIVE_REACH]
        for k, w in enumerate(tail):
            if w.norm in _BREAK or (w.verb and k + 1 < len(tail) and tail[k + 1].norm == "by"):
                break  # "... and written by B": another relation's doers
            if w.name >= 0:
                found.add(w.name)
        return found
    for w in reversed(ws[max(0, i - _REACH) : i]):
        if w.name >= 0:
            return {w.name}
        if w.norm != "," and w.norm not in STOPWORDS:
            break  # "allegations made against him": a modifier, not a doer's verb
    return set()


def relation_swapped(
    claim: str, context_sentences: Sequence[str], question_tokens: frozenset[str] = frozenset()
) -> float:
    """1 when the context gives a verb of the claim, on the same thing, another doer.

    A verb whose doer the question already names with it ("… starred in what film?")
    is the question's presupposition, not the claim's assertion, and is not read.
    """
    cw, cnames = words(claim)
    parsed: list[tuple[list[Word], list[frozenset[str]]]] | None = None
    for i, w in enumerate(cw):
        if not w.verb:
            continue
        mine = agents(cw, i)
        if not mine:
            continue
        agent_toks = frozenset().union(*(cnames[k] for k in mine))
        if w.norm in question_tokens and agent_toks <= question_tokens:
            continue
        others = [n for k, n in enumerate(cnames) if k not in mine and not n & agent_toks]
        if not others:
            others = [
                frozenset({x.norm})
                for x in cw
                if x.name < 0 and not x.verb and x.norm not in STOPWORDS and x.norm.isalpha()
            ]
        if not others:
            continue
        if parsed is None:
            parsed = [words(s) for s in context_sentences]
        if _read(w.norm, agent_toks, others, parsed):
            return 1.0
    return 0.0


def _read(
    verb: str,
    agent: frozenset[str],
    others: Sequence[frozenset[str]],
    parsed: Sequence[tuple[list[Word], list[frozenset[str]]]],
) -> bool:
    """Whether the context's sentences on this relation name only other doers."""
    conflict = False
    for ws, names in parsed:
        norms = {w.norm for w in ws}
        if verb not in norms or not all(o <= norms for o in others):
            continue
        for j, w in enumerate(ws):
            if w.norm != verb or not w.verb:
                continue  # "starring X" is the film's doing, not X's
            theirs = agents(ws, j)
            if not theirs:
                continue
            toks = frozenset().union(*(names[k] for k in theirs))
            if toks & agent:
                return False
            conflict = True
    return conflict


__all__ = ["relation_swapped"]
