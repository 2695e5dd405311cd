"""Evidence features of one claim against its context: the detector's inputs.

Every feature says how well the context supports the claim, read in the light of the
question (a short answer such as "Delhi" only means something as the filler of the
question's slot). None looks at how an answer is phrased or how long it is — only at
what it asserts and what the context says — so "Delhi" and "The head office is in
Delhi" are judged alike:

- ``coverage``: share of the claim's words found in the context or the question;
- ``new_coverage``: share of the words the claim adds to the question found in the context;
- ``entity_missing``: share of the claim's named things (capitalised names, numbers)
  found in neither the context nor the question;
- ``number_missing``: 1 when a number or year of the claim appears nowhere;
- ``negation_mismatch``: the claim negates, the context sentence that best matches it
  does not;
- ``comparison``: the claim picks one of two options ("who was born first, A or B?",
  "A is older than B"); the options' dates decide (+1 agrees, -1 contradicts), or, for a
  choice that is not about time, which option's own passage says more of the question;
- ``coordination``: a claim about several named things at once ("both A and B are
  American") holds only if each one's own passage says it; the weakest one counts;
- ``restates``: 1 when the answer to a wh-question adds no word of its own to the
  question ("Who directed a film with Sarah Manninen?" → "Sarah Manninen directed a
  film"): the question only lends its words as presuppositions, so such an answer
  relates them afresh and must be read against the context on its own;
- ``restatement_support``: for such an answer, the best share of the claim's words
  found together in one passage of the context (1 otherwise);
- ``relation_swapped``: 1 when the context gives a verb of the claim, about the same
  thing, only another doer ("Lucy Gordon directed Serendipity" against "Serendipity …
  directed by Peter Chelsom"); see :mod:`._grounding_relation`;
- ``name_blended``: 1 when a name of the claim is one that neither the context nor the
  question uses, though all its words are there ("Lake Erie State Park" from "Presque
  Isle State Park" and "Lake Erie"); see :mod:`._grounding_names`.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from ..text import NEGATIONS, STOPWORDS, Span, content_tokens, is_number, sentences, tokens
from ._grounding_compare import comparison_verdict
from ._grounding_names import KnownNames, blended_name, candidates
from ._grounding_relation import relation_swapped
from ._grounding_text import entity_groups, names

FEATURES = (
    "coverage",
    "new_coverage",
    "entity_missing",
    "number_missing",
    "negation_mismatch",
    "comparison",
    "coordination",
    "restates",
    "restatement_support",
    "relation_swapped",
    "name_blended",
)
"""Feature names, in the order of the model's coefficients."""

_ENTITY_WEIGHT = 2.0
_PRONOUNS = frozenset({"he", "she", "it", "they", "his", "her", "its", "their", "this", "these"})
_LEAD_WORDS = frozenset({"yes", "no", ",", "both", "the", "neither", "either"})
_NAME_LINKS = frozenset({"of", "for", "the", "de", "la", "von", "van", "der", "y"})
_WH_RE = re.compile(r"\b(?:what|which|who|whom|whose|where|when|how)\b", re.IGNORECASE)
_YES_NO_RE = re.compile(
    r"^\s*(?:is|are|was|were|do|does|did|has|have|had|can|could|will|would)\b", re.IGNORECASE
)
_OPTIONS_RE = re.compile(r"\s(?:or|between)\s", re.IGNORECASE)


@dataclass(slots=True)
class ContextIndex:
    """The contexts of one answer, split into sentences and tokenised once.

    ``windows[i]`` is sentence ``i`` plus the next sentence of the same context when
    that one goes on about the same subject (a pronoun among its first words: "In 2007,
    he was inducted ..."). ``known_names`` keeps each sentence's token stream and reads
    its names when a claim's name is not written in the context as it stands.
    """

    sentences: list[str] = field(default_factory=list)
    sentence_tokens: list[frozenset[str]] = field(default_factory=list)
    sentence_negated: list[bool] = field(default_factory=list)
    sentence_names: list[list[tuple[str, ...]]] = field(default_factory=list)
    windows: list[frozenset[str]] = field(default_factory=list)
    all_tokens: frozenset[str] = frozenset()
    known_names: KnownNames = field(default_factory=lambda: KnownNames([], []))

    @classmethod
    def build(cls, contexts: Sequence[str]) -> ContextIndex:
        index = cls()
        streams: list[list[str]] = []
        for chunk in contexts:
            spans = sentences(chunk)
            toks = [tokens(s.text) for s in spans]
            streams.extend(toks)
            sets = [frozenset(t) for t in toks]
            for i, s in enumerate(spans):
                index.sentences.append(s.text)
                index.sentence_tokens.append(sets[i] - STOPWORDS)
                index.sentence_negated.append(bool(sets[i] & NEGATIONS))
                index.sentence_names.append([tuple(g) for g in entity_groups(s.text)])
                follows = i + 1 < len(spans) and _continues(toks[i + 1], index.sentence_names[-1])
                index.windows.append((sets[i] | sets[i + 1] if follows else sets[i]) - STOPWORDS)
        index.all_tokens = frozenset().union(*index.sentence_tokens)
        index.known_names = KnownNames(index.sentences, streams)
        return index

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
        if any(set(name) <= set(group) for name in self.sentence_names[i]):
            return True
        first = missing[0]
        return (
            len(missing) == 1
            and first != group[-1]
            and len(first) >= 3
            and any(t.startswith(first) for t in toks)
        )


def _continues(next_tokens: list[str], subject: list[tuple[str, ...]]) -> bool:
    """Whether a sentence goes on about the previous one's subject.

    It does when a pronoun or the subject's own word is among its first words ("He was
    ...", "The statue was ..."), unless it opens with a name of its own.
    """
    head = set(next_tokens[:5])
    if bool(head & _PRONOUNS):
        return True
    if not subject or not head & set(subject[0]):
        return False
    # "Rickenbacker International Airport ..." after "Luis Muñoz Marín International
    # Airport ...": a sentence that opens with a name of its own is about that name
    opening = next_tokens[0] if next_tokens and next_tokens[0] not in STOPWORDS else ""
    return not opening or opening in subject[0]


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


def asks_for_new_words(question: str) -> bool:
    """Whether a question asks for something it does not name: a wh-question.

    Not a yes/no question ("Are A and B both ...?") nor a choice between options it
    names ("Which is older, A or B?"): their right answers may repeat the question.
    """
    return (
        bool(_WH_RE.search(question))
        and not _YES_NO_RE.match(question)
        and not _OPTIONS_RE.search(question)
    )


def adds_words(claims: Sequence[ClaimText]) -> bool:
    """Whether any claim of an answer has a content word its question does not have."""
    return any(t not in c.question_tokens for c in claims for t in c.claim_tokens)


def claim_features(
    claim: ClaimText, ctx: ContextIndex, *, answer_adds: bool = True
) -> dict[str, float]:
    """All features of one claim (see the module docstring).

    ``answer_adds``: whether the whole answer (all its claims) adds a content word to
    the question (:func:`adds_words`); a claim alone is judged as an answer of its own.
    """
    known = ctx.all_tokens | claim.question_tokens
    new = [t for t in claim.claim_tokens if t not in claim.question_tokens]
    restates = not answer_adds and bool(claim.claim_tokens) and asks_for_new_words(claim.question)
    return {
        "coverage": _share(claim.claim_tokens, known, claim.weight),
        "new_coverage": _share(new, ctx.all_tokens, claim.weight),
        "entity_missing": _missing_groups(claim.groups, known),
        "number_missing": float(any(is_number(t) and t not in known for t in claim.claim_tokens)),
        "negation_mismatch": negation_mismatch(claim, ctx),
        "comparison": comparison_verdict(claim.span.text, claim.question, ctx),
        "coordination": coordination(claim, ctx)[0],
        "restates": float(restates),
        "restatement_support": restatement_support(claim, ctx) if restates else 1.0,
        "relation_swapped": relation_swapped(claim.span.text, ctx.sentences, claim.question),
        "name_blended": float(bool(blended(claim, ctx, known))),
    }


def blended(claim: ClaimText, ctx: ContextIndex, known: frozenset[str] | None = None) -> str:
    """A name of the claim that the context and the question never use, or ""."""
    if not ctx.sentences:
        return ""
    known = ctx.all_tokens | claim.question_tokens if known is None else known
    found = candidates(claim.span.text, known)
    return blended_name(found, claim.question, ctx.known_names) if found else ""


def restatement_support(claim: ClaimText, ctx: ContextIndex) -> float:
    """Best share of the claim's words found together in one passage of the context."""
    toks = claim.claim_tokens
    if not toks or not ctx.windows:
        return 1.0 if not toks else 0.0
    return max(sum(t in w for t in toks) for w in ctx.windows) / len(toks)


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


def negation_mismatch(claim: ClaimText, ctx: ContextIndex) -> float:
    """1 when the claim negates and the context sentence that best matches it does not."""
    if not ctx.sentences or not claim.claim_tokens:
        return 0.0
    if not NEGATIONS.intersection(tokens(claim.span.text)):
        return 0.0  # only a negation the claim asserts is checked
    want = set(claim.claim_tokens)
    best = max(range(len(ctx.sentences)), key=lambda i: len(want & ctx.sentence_tokens[i]))
    return float(not ctx.sentence_negated[best])
