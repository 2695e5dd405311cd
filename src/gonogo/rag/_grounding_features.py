"""Evidence features of one claim against its context: the detector's inputs.

Every feature says how well the context supports the claim, read in the light of the
question (a short answer such as "Delhi" only means something as the filler of the
question's slot). None looks at how an answer is phrased or how long it is — only at
what it asserts and what the context says — so "Delhi" and "The head office is in
Delhi" are judged alike:

Each claim is read against the context passages that match it best (the
``PASSAGES`` windows sharing most of its words), not the whole context as one bag: in a
2,000-word context nearly every common word is somewhere, and a long answer's sentence
is only supported by what is said near its other words.

- ``coverage``: share of the claim's words found in its passages or the question (names
  and numbers weigh double);
- ``new_coverage``: share of the words the claim adds to the question found in its
  passages;
- ``entity_missing``: share of the claim's named things (capitalised names, numbers)
  found nowhere in the context nor the question (an acronym counts as found when the
  context spells it out: "US" for "United States");
- ``number_missing``: 1 when a number or year of the claim appears nowhere;
- ``negation_mismatch``: the claim negates and none of its passages says "not" (a
  negation or a negative verb such as "refused");
- ``comparison``: the claim picks one of two options ("who was born first, A or B?",
  "A is older than B"); the options' dates decide (+1 agrees, -1 contradicts), or, for a
  choice that is not about time, which option's own passage says more of the question;
- ``coordination``: a claim about several named things at once ("both A and B are
  American") holds only if each one's own passage says it; the weakest one counts;
- ``relation_swapped``: 1 when the context gives a verb of the claim, about the same
  thing, only another doer ("Lucy Gordon directed Serendipity" against "Serendipity …
  directed by Peter Chelsom"); see :mod:`._grounding_relation`;
- ``phrase``: the share of the words the claim adds that one of its passages says
  together (within a stretch about as long as the claim): an answer's new words are
  usually a phrase of the context; words strung together anew are not.

Names, numbers and negations stay strict: they are checked against the whole context
and never forgiven as paraphrase.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass, field

from ..text import (
    NEGATIONS,
    NOT_CONTENT,
    STOPWORDS,
    Span,
    abbreviations,
    content_tokens,
    is_number,
    sentences,
    stem,
    tokens,
)
from ._grounding_compare import comparison_verdict
from ._grounding_relation import Parsed, relation_swapped
from ._grounding_text import entity_groups, first_name, names

FEATURES = (
    "coverage",
    "new_coverage",
    "entity_missing",
    "number_missing",
    "negation_mismatch",
    "comparison",
    "coordination",
    "relation_swapped",
    "phrase",
)
"""Feature names, in the order of the model's coefficients."""

_ENTITY_WEIGHT = 2.0
PASSAGES = 3
"""A claim is read against its best-matching passages (windows), this many: a long
context is not one bag of words, so a claim's words must be said near each other."""
NEGATIVE_WORDS = NEGATIONS | frozenset(
    stem(w)
    for w in """refused refuse denied deny failed fail rejected reject lacked lack without
    unable absent cannot declined decline""".split()
)
"""Words that say "not" in a context: a claim's "did not" may paraphrase "refused to"."""
_PRONOUNS = frozenset({"he", "she", "it", "they", "his", "her", "its", "their", "this", "these"})
_LEAD_WORDS = frozenset({"yes", "no", ",", "both", "the", "neither", "either"})
_NAME_LINKS = frozenset({"of", "for", "the", "de", "la", "von", "van", "der", "y"})


@dataclass(slots=True)
class ContextIndex:
    """The contexts of one answer, split into sentences and tokenised once.

    ``windows[i]`` is sentence ``i`` plus the next sentence of the same context when
    that one goes on about the same subject (a pronoun among its first words: "In 2007,
    he was inducted ..."). ``content_streams[i]`` is the same window's content words in
    order, for :func:`phrase`.
    """

    sentences: list[str] = field(default_factory=list)
    sentence_tokens: list[frozenset[str]] = field(default_factory=list)
    sentence_streams: list[tuple[str, ...]] = field(default_factory=list)
    windows: list[frozenset[str]] = field(default_factory=list)
    window_negated: list[bool] = field(default_factory=list)
    content_streams: list[tuple[str, ...]] = field(default_factory=list)
    parsed: dict[int, Parsed] = field(default_factory=dict)
    all_tokens: frozenset[str] = frozenset()
    _names: dict[int, list[tuple[str, ...]]] = field(default_factory=dict)
    _acronyms: frozenset[str] | None = None

    @classmethod
    def build(cls, contexts: Sequence[str]) -> ContextIndex:
        index = cls()
        for chunk in contexts:
            spans = sentences(chunk)
            toks = [tokens(s.text) for s in spans]
            sets = [frozenset(t) for t in toks]
            for i, s in enumerate(spans):
                index.sentences.append(s.text)
                index.sentence_tokens.append(sets[i] - STOPWORDS)
                index.sentence_streams.append(tuple(toks[i]))
                follows = i + 1 < len(spans) and _continues(toks[i + 1], first_name(s.text))
                window = sets[i] | sets[i + 1] if follows else sets[i]
                stream = toks[i] + toks[i + 1] if follows else toks[i]
                index.content_streams.append(tuple(t for t in stream if t not in NOT_CONTENT))
                index.windows.append(window - STOPWORDS)
                index.window_negated.append(bool(window & NEGATIVE_WORDS))
        index.all_tokens = frozenset().union(*index.sentence_tokens)
        return index

    def names_of(self, i: int) -> list[tuple[str, ...]]:
        """The names of sentence ``i`` as token tuples (read on first use)."""
        found = self._names.get(i)
        if found is None:
            found = self._names[i] = [tuple(g) for g in entity_groups(self.sentences[i])]
        return found

    @property
    def acronyms(self) -> frozenset[str]:
        """The acronyms the context spells out ("us." for "United States"), read once."""
        if self._acronyms is None:
            self._acronyms = frozenset().union(
                *(abbreviations(self.sentence_streams[i], self.names_of(i))
                  for i in range(len(self.sentences)))
            )  # fmt: skip
        return self._acronyms

    def mentions(self, i: int, group: Sequence[str]) -> bool:
        """Whether sentence ``i`` names a thing: all its words, or a short form of it.

        A short form is a name of the sentence made only of the thing's words ("Smith"
        for "Malcolm Smith"), or a longer first name ("Kenneth Charles Loach" for
        "Ken Loach"). "Stanford University" is not named by "a research university".
        """
        toks = self.sentence_tokens[i]
        missing = [t for t in group if t not in toks]
        if not missing:
            return True
        if len(group) < 2:
            return False
        if any(set(name) <= set(group) for name in self.names_of(i)):
            return True
        first = missing[0]
        return (
            len(missing) == 1
            and first != group[-1]
            and len(first) >= 3
            and any(t.startswith(first) for t in toks)
        )


def _continues(next_tokens: list[str], subject: tuple[str, ...]) -> bool:
    """Whether a sentence goes on about the previous one's subject (its first name).

    It does when a pronoun or the subject's own word is among its first words ("He was
    ...", "The statue was ..."), unless it opens with a name of its own.
    """
    head = set(next_tokens[:5])
    if bool(head & _PRONOUNS):
        return True
    if not subject or not head & set(subject):
        return False
    # "Rickenbacker International Airport ..." after "Luis Muñoz Marín International
    # Airport ...": a sentence that opens with a name of its own is about that name
    opening = next_tokens[0] if next_tokens and next_tokens[0] not in STOPWORDS else ""
    return not opening or opening in subject


@dataclass(frozen=True, slots=True)
class ClaimText:
    """A claim with its tokens, named things and the question it answers."""

    span: Span
    claim_tokens: tuple[str, ...]
    question_tokens: frozenset[str]
    groups: tuple[tuple[str, ...], ...]
    question: str
    names: tuple[str, ...] = ()  # the groups as written in the claim

    @classmethod
    def build(cls, span: Span, question: str | None) -> ClaimText:
        q = question or ""
        found = names(span.text)
        groups = tuple(n.tokens for n in found)
        toks = tuple(content_tokens(span.text))
        return cls(
            span, toks, frozenset(content_tokens(q)), groups, q, tuple(n.text for n in found)
        )

    def weight(self, token: str) -> float:
        if is_number(token) or any(token in g for g in self.groups):
            return _ENTITY_WEIGHT
        return 1.0


def claim_features(
    claim: ClaimText,
    ctx: ContextIndex,
    *,
    wanted: Collection[str] = FEATURES,
) -> dict[str, float]:
    """The ``wanted`` features of one claim (see the module docstring)."""
    known = ctx.all_tokens | claim.question_tokens
    new = [t for t in claim.claim_tokens if t not in claim.question_tokens]
    best = best_passages(claim, ctx)
    evidence = _union(ctx.windows, best) if len(best) < len(ctx.windows) else ctx.all_tokens
    short = {t for t in claim.claim_tokens if t.endswith(".") and t not in known}
    if short and ctx.sentences:  # "US" where the context writes "United States"
        spelled = short & ctx.acronyms
        known, evidence = known | spelled, evidence | spelled
    compute: dict[str, Callable[[], float]] = {
        "coverage": lambda: _share(
            claim.claim_tokens, evidence | claim.question_tokens, claim.weight
        ),  # fmt: skip
        "new_coverage": lambda: _share(new, evidence, claim.weight),
        "entity_missing": lambda: _missing_groups(claim.groups, known),
        "number_missing": lambda: float(
            any(is_number(t) and t not in known for t in claim.claim_tokens)
        ),
        "negation_mismatch": lambda: negation_mismatch(claim, ctx, best),
        "comparison": lambda: comparison_verdict(claim.span.text, claim.question, ctx),
        "coordination": lambda: coordination(claim, ctx)[0],
        "relation_swapped": lambda: relation_swapped(
            claim.span.text,
            ctx.sentences,
            claim.question,
            token_sets=ctx.sentence_tokens,
            cache=ctx.parsed,
        ),
        "phrase": lambda: phrase(new, ctx, best, len(set(claim.claim_tokens))),
    }
    return {name: compute[name]() for name in wanted}


def _share(toks: Iterable[str], known: frozenset[str], weight: Callable[[str], float]) -> float:
    total = found = 0.0
    for t in toks:
        w = weight(t)
        total += w
        if t in known:
            found += w
    return 1.0 if total == 0 else found / total


def _missing_groups(groups: Sequence[Sequence[str]], known: frozenset[str]) -> float:
    if not groups:
        return 0.0
    missing = sum(1 for g in groups if not all(t in known for t in g))
    return missing / len(groups)


def near_share(target: dict[str, float], anchor: Sequence[str], ctx: ContextIndex) -> float:
    """Best weighted share of ``target`` found in a passage that names ``anchor``."""
    total = sum(target.values())
    if total <= 0:
        return 1.0
    best = 0.0
    for i in range(len(ctx.sentences)):
        if ctx.mentions(i, anchor):
            window = ctx.windows[i]
            best = max(best, sum(w for t, w in target.items() if t in window))
    return best / total


def coordination(claim: ClaimText, ctx: ContextIndex) -> tuple[float, str]:
    """For "A and B are X": the weakest share of X said in A's or B's own passage.

    Only a claim whose subject is a list of names ("Both A and B ...", "A, B and C
    are ...") is checked. Only the words of X that the context says of at least one
    of them count, so a paraphrase ("located" for "a city in") weighs on none, and a
    word said of A but not of B ("both founded in Arizona") weighs on B.
    """
    listed = [(n, content_tokens(n)) for n in coordinated_subject(claim.span.text)]
    listed = [(n, toks) for n, toks in listed if toks]
    if len(listed) < 2:
        return 1.0, ""
    in_names = {t for _, toks in listed for t in toks}
    predicate = [t for t in claim.claim_tokens if t not in in_names]
    near = [_near_tokens(toks, ctx) for _, toks in listed]
    said = {t for t in predicate if any(t in n for n in near)}
    if not said:
        return 1.0, ""
    worst, worst_name = 1.0, ""
    for (name, _), toks in zip(listed, near, strict=True):
        share = sum(t in toks for t in said) / len(said)
        if share < worst:
            worst, worst_name = share, name
    return worst, worst_name


def coordinated_subject(text: str) -> list[str]:
    """The names listed as the claim's subject: "Yes, both A and B are" → [A, B]."""
    words = text.replace(",", " , ").split()
    i = 0
    while i < len(words) and words[i].lower().strip(".") in _LEAD_WORDS:
        i += 1
    names: list[str] = []
    current: list[str] = []
    for w in words[i:]:
        bare = w.strip("\"'“”‘’")
        if bare in {",", "and", "&"}:
            if current:
                names.append(" ".join(current))
                current = []
            continue
        if not current and bare.lower() == "the":
            continue  # "A and the B"
        if bare[:1].isupper() or bare[:1].isdigit() or (current and bare in _NAME_LINKS):
            current.append(bare)
            continue
        break
    if current:
        names.append(" ".join(current))
    return names if len(names) >= 2 else []


def _near_tokens(group: Sequence[str], ctx: ContextIndex) -> frozenset[str]:
    out: frozenset[str] = frozenset()
    for i in range(len(ctx.sentences)):
        if ctx.mentions(i, group):
            out |= ctx.windows[i]
    return out


def negation_mismatch(
    claim: ClaimText, ctx: ContextIndex, best: Sequence[int] | None = None
) -> float:
    """1 when the claim negates and none of its best-matching passages says "not".

    A passage says "not" with a negation or a negative verb ("refused", "failed",
    "without"): "he did not sign" may paraphrase "he refused to sign".
    """
    if not ctx.sentences or not claim.claim_tokens:
        return 0.0
    if not NEGATIONS.intersection(tokens(claim.span.text)):
        return 0.0  # only a negation the claim asserts is checked
    best = best_passages(claim, ctx) if best is None else best
    return float(not any(ctx.window_negated[i] for i in best))


def best_passages(claim: ClaimText, ctx: ContextIndex, k: int = PASSAGES) -> list[int]:
    """The ``k`` windows that share most of the claim's words (names weigh double).

    Ties keep reading order. A context of ``k`` windows or fewer is read whole.
    """
    n = len(ctx.windows)
    if n <= k:
        return list(range(n))
    toks = [(t, claim.weight(t)) for t in set(claim.claim_tokens)]
    scores = [sum(w for t, w in toks if t in window) for window in ctx.windows]
    return sorted(sorted(range(n), key=lambda i: -scores[i])[:k])


def phrase(
    new: Sequence[str], ctx: ContextIndex, best: Sequence[int], claim_words: int = 0
) -> float:
    """The share of the claim's new words that one of its passages says together.

    Together: inside a run of content words of one passage (a window) no longer than the
    claim itself (``claim_words``) or one and a half times its new words, plus two, in
    any order: the words the claim repeats from the question, a name's other words or a
    modifier may stand between them.
    Only the new words its passages hold count (a missing word is ``new_coverage``'s to
    judge). What an answer adds to its question is usually said together in the context
    ("the head office in Delhi", "Gustave Eiffel, whose company"); words of the context
    strung together anew ("John Beilein is a men's basketball head coach" for a birth
    date) are not, however well each is covered. 1 when the claim adds nothing its
    passages hold. (A run of 1.5 times the whole claim scored lower on the tuning part.)
    """
    held = frozenset().union(*(ctx.windows[i] for i in best)) if best else frozenset()
    # an acronym ("us.") may stand for words the passage writes out: names judge it
    present = {t for t in new if t in held and not t.endswith(".")}
    if not present:
        return 1.0
    span = max(int(1.5 * len(present)), claim_words) + 2
    most = 0
    for j in best:
        most = max(most, _most_in_run(present, ctx.content_streams[j], span))
        if most == len(present):
            break
    return most / len(present)


def _most_in_run(wanted: set[str], stream: Sequence[str], span: int) -> int:
    """The most distinct ``wanted`` words inside any ``span`` consecutive words of ``stream``."""
    where = [(k, t) for k, t in enumerate(stream) if t in wanted]
    best = 0
    for a in range(len(where)):
        seen = {t for k, t in where[a:] if k - where[a][0] < span}
        best = max(best, len(seen))
    return best


def _union(windows: Sequence[frozenset[str]], chosen: Sequence[int]) -> frozenset[str]:
    return frozenset().union(*(windows[i] for i in chosen))
