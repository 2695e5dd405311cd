"""Who did it: the agent of a relation in the claim against the one the context names.

"Lucy Gordon directed Serendipity" uses only the context's words when the context says
"Serendipity is a film directed by Peter Chelsom ... starring Lucy Gordon": the relation
("directed") and the thing it is about ("Serendipity") are there, but the context gives
the relation a different doer. For each verb of the claim (a past form: "directed",
"founded", "won") the agent is read the same way in the claim and in the context: the
names after "by" when the verb is followed by it, maybe across an adverb or a date
(passive: "was founded by A and B", "Founded in 1379 by A"), otherwise a name right
before the verb, with only function words between and no "was" (active: "A founded B",
"A, who founded B"; not "allegations made against him", not "Y was taught to"), or the
name a sentence opens with for "X (...) was a N who founded B". "X, the founder of Y"
reads the noun as its verb. Only context
sentences that share the verb, as a past form too ("starring X" is the film's doing),
and the relation's other side (the claim's other names, or its other words when it
names nothing else) are read. The feature fires only when such sentences exist and all
name other doers — a context that is silent or unclear says nothing. A verb the
question itself gives the same doer is the question's presupposition and is skipped.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import NamedTuple

from ..text import STOPWORDS, tokens, word_tokens

_WORD_RE = re.compile(r"\d[\d,]*(?:\.\d+)?|[^\W\d_]+(?:['’][^\W\d_]+)?|[,;:()]", re.UNICODE)
_IRREGULAR = frozenset(
    """won wrote written made led built held took taken gave given sang sung drew drawn
    began begun ran sold bought taught brought found founded""".split()
)
_NOT_NAME = STOPWORDS | frozenset(
    """she he it they his her its their this these yes no both neither either first""".split()
)
_MONTHS = frozenset(
    """january february march april may june july august september october november
    december""".split()
)
_NOMINAL = {
    noun: tokens(verb)[0]
    for noun, verb in (
        ("founder", "founded"),
        ("co-founder", "founded"),
        ("director", "directed"),
        ("creator", "created"),
        ("owner", "owned"),
        ("author", "wrote"),
    )
}
_PASSIVE_AUX = frozenset({"is", "are", "was", "were", "be", "been", "being"})
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
    raws = [m.group(0) for m in _WORD_RE.finditer(text)]
    for n, raw in enumerate(raws):
        norm = raw if raw in _BREAK or raw == "," else (word_tokens(raw) or (raw.lower(),))[0]
        if n == 0 and _opening_verb(raw, raws[1] if len(raws) > 1 else ""):
            raw = raw.lower()  # "Founded in 1379 by ...": a verb, not a name
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
        after = raws[n + 1] if n + 1 < len(raws) else ""
        if low in _NOMINAL and after == "of":  # "X, the founder of Y": X founded Y
            norm, verb = _NOMINAL[low], True
        out.append(Word(norm, verb, -1))
    return out, [frozenset(n) for n in names]


def _opening_verb(raw: str, after: str) -> bool:
    """A sentence's capitalised first word that is a past form followed by no name."""
    low = raw.lower()
    past = (low.endswith("ed") and len(low) > 4) or low in _IRREGULAR
    return past and raw[1:].islower() and (after in {",", "by", "in", "on"})


def by_index(ws: Sequence[Word], i: int) -> int:
    """Where the "by" of the verb at ``i`` stands, or -1 when it has none.

    An adverb ("administered jointly by") or a date ("founded in 1379 by", "founded on
    5 May 1900 by") may stand between them; anything else ends the verb's reach.
    """
    j = i + 1
    while j < len(ws) and ws[j].name < 0 and ws[j].norm.endswith("ly") and len(ws[j].norm) > 3:
        j += 1
    if j < len(ws) and ws[j].norm in {"in", "on"}:
        k = j + 1
        while k < len(ws) and (ws[k].norm[:1].isdigit() or ws[k].norm in _MONTHS):
            k += 1
        if k > j + 1:
            j = k
    return j if j < len(ws) and ws[j].norm == "by" else -1


def agents(ws: Sequence[Word], i: int) -> set[int]:
    """The names doing the verb at ``i``: after "by" (passive), else the nearest before.

    After "by" every name up to the next clause break or "<verb> by" counts ("by Olympic
    wrestler Kamal Shalorus and fighter Matthew Granahan"): a looser reading only
    makes a conflict rarer.
    """
    by = by_index(ws, i)
    if by >= 0:
        found: set[int] = set()
        tail = ws[by + 1 : by + 1 + _PASSIVE_REACH]
        for k, w in enumerate(tail):
            if w.norm in _BREAK or (w.verb and by_index(tail, k) >= 0):
                break  # "... and written by B": another relation's doers
            if w.name >= 0:
                found.add(w.name)
        return found
    if i > 0 and ws[i - 1].norm == "who":
        return _copular_subject(ws)
    for w in reversed(ws[max(0, i - _REACH) : i]):
        if w.name >= 0:
            return {w.name}
        if w.norm in _PASSIVE_AUX or (w.norm != "," and w.norm not in STOPWORDS):
            break  # "allegations made against him", "Y was taught to A": no doer here
    return set()


def _copular_subject(ws: Sequence[Word]) -> set[int]:
    """The doer of a "who" clause: the name the sentence opens with, if "is"/"was" follows.

    "X (1910-1998) was a martial artist who founded Y" gives X; anything else, none.
    """
    if not ws or ws[0].name < 0:
        return set()
    j = 0
    while j < len(ws) and ws[j].name == ws[0].name:
        j += 1
    if j < len(ws) and ws[j].norm == "(":
        while j < len(ws) and ws[j].norm != ")":
            j += 1
        j += 1
    return {ws[0].name} if j < len(ws) and ws[j].norm in {"is", "was"} else set()


Parsed = tuple[list[Word], list[frozenset[str]]]
_NOUNS_OF = {verb: frozenset(tokens(n)[0] for n, v in _NOMINAL.items() if v == verb)
             for verb in set(_NOMINAL.values())}  # fmt: skip


def relation_swapped(
    claim: str,
    context_sentences: Sequence[str],
    question: str = "",
    *,
    token_sets: Sequence[frozenset[str]] | None = None,
    cache: dict[int, Parsed] | None = None,
) -> float:
    """1 when the context gives a verb of the claim, on the same thing, another doer.

    A verb whose doer the question already names with it ("Kim starred in what film?")
    is the question's presupposition, not the claim's assertion, and is not read; a name
    the question only mentions elsewhere ("Who founded the college attended by X?") is.
    ``token_sets`` (each sentence's tokens) lets only the sentences that hold the verb
    and the relation's other side be parsed; ``cache`` keeps parses across claims.
    """
    cw, cnames = words(claim)
    asked = words(question)
    cache = {} if cache is None else cache
    for i, w in enumerate(cw):
        if not w.verb:
            continue
        mine = agents(cw, i)
        if not mine:
            continue
        agent_toks = frozenset().union(*(cnames[k] for k in mine))
        if _presupposed(w.norm, agent_toks, asked):
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
        rows = _candidates(w.norm, others, context_sentences, token_sets)
        parsed = [cache.get(j) or cache.setdefault(j, words(context_sentences[j])) for j in rows]
        if _read(w.norm, agent_toks, others, parsed):
            return 1.0
    return 0.0


def _candidates(
    verb: str,
    others: Sequence[frozenset[str]],
    sentences: Sequence[str],
    token_sets: Sequence[frozenset[str]] | None,
) -> list[int]:
    """The sentences that may hold the verb (or its noun) and the relation's other side."""
    if token_sets is None:
        return list(range(len(sentences)))
    nouns = _NOUNS_OF.get(verb, frozenset())
    need = [o - STOPWORDS for o in others]
    return [
        j
        for j, toks in enumerate(token_sets)
        if (verb in toks or verb in STOPWORDS or toks & nouns) and all(o <= toks for o in need)
    ]


def _presupposed(
    verb: str, agent: frozenset[str], question: tuple[list[Word], list[frozenset[str]]]
) -> bool:
    """Whether the question itself gives this verb this doer."""
    qw, qnames = question
    return any(
        w.verb and w.norm == verb and any(qnames[k] & agent for k in agents(qw, j))
        for j, w in enumerate(qw)
    )


def _read(
    verb: str,
    agent: frozenset[str],
    others: Sequence[frozenset[str]],
    parsed: Sequence[Parsed],
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
